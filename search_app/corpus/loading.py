"""A corpus file read into a document cut into passages.

A file that cannot be read or whose metadata is wrong raises :class:`DocumentError` with the
reason (:mod:`.files` makes it a :class:`Problem` naming the file); the rest of the corpus loads.
An e-mail's attachment read from the message is a file too (:class:`CorpusFile` with its
``message``): it takes what the message shares and names the message it is attached to.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from search_app.config import Settings
from search_app.corpus.defaults import read_defaults
from search_app.corpus.extraction import ExtractionError, describe_error
from search_app.corpus.language import detect_language
from search_app.corpus.mail import Attachment
from search_app.corpus.metadata import (
    DocumentError,
    Metadata,
    parse_metadata,
    parse_yaml,
    read_text,
    split_front_matter,
)
from search_app.corpus.ocr import OcrProgress
from search_app.corpus.passages import Passage, markdown_passages
from search_app.corpus.reading import (
    MARKDOWN_SUFFIXES,
    Body,
    read_body,
)
from search_app.corpus.scanning import SIDECAR_SUFFIX, CorpusFile, doc_id_of

DEFAULTS = Settings()
#: Fields of a message that its attachments share (the title and date are the message's own).
ATTACHMENT_FIELDS = ("source", "source_type", "tags")


@dataclass(frozen=True)
class Document:
    """A loaded, validated document."""

    doc_id: str
    relative_path: str
    content_hash: str
    format: str
    meta: Metadata
    passages: tuple[Passage, ...]
    #: what a reader of ``search-app check`` should know: a field to add, an encoding detected
    warnings: tuple[str, ...] = ()
    #: the language was told from the text, not given
    language_detected: bool = False
    #: the text file's encoding, when it is plain text
    encoding: str | None = None
    attachments: tuple[Attachment, ...] = ()
    #: for an attachment read from its e-mail: the message's relative path, and the e-mails
    #: attached inside it that hold the attachment, outermost first (when forwarded whole)
    message: str | None = None
    within: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How warnings name the document's file: an attachment read from its e-mail as
        ``MESSAGE › FILE``."""
        if self.message is None:
            return self.relative_path
        return " › ".join([self.message, *self.within, PurePosixPath(self.relative_path).name])


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Stop reading a file that takes too long (only where signals work: the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise DocumentError(
            f"reading took over {seconds:g} s; "
            "raise SEARCH_APP_MAX_SECONDS_PER_FILE or split the file"
        )

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _within(file: CorpusFile) -> tuple[str, ...]:
    """The names of the e-mails attached inside the corpus file that ``file`` is inside of,
    outermost first (none for a corpus file or an attachment of one)."""
    names: list[str] = []
    message = file.message
    while message is not None and message.message is not None:
        names.insert(0, PurePosixPath(message.relative_path).name)
        message = message.message
    return tuple(names)


def corpus_root(file: CorpusFile) -> Path:
    file = file.top
    return file.path.parents[len(Path(file.relative_path).parts) - 1]


def _fill_in(file: CorpusFile, data: dict[str, Any]) -> list[str]:
    """Give a file without a title its file name as one, and a file without a source its folder
    as its label (labels, not facts: nothing is guessed), and say which field to add (not for
    an attachment read from its message: there is no file to add it to, and the message's own
    warnings say it)."""
    name = PurePosixPath(file.relative_path).name
    where = (
        f"{name}{SIDECAR_SUFFIX}" if PurePosixPath(name).suffix.lower() not in MARKDOWN_SUFFIXES
        else "its front matter"
    )  # fmt: skip
    warnings = []
    if not data.get("title"):
        data["title"] = name
        warnings.append(f"no title: shown as its file name; add title: to {where}")
    if not data.get("source"):
        folder = PurePosixPath(file.top.relative_path).parent.as_posix()
        data["source"] = folder if folder != "." else "corpus"
        warnings.append(
            f"no source: labelled by its folder {data['source']!r}; add source: to {where} "
            f"or to a _defaults.yml in its folder"
        )
    return warnings if file.message is None else []


def _own_fields(name: str, body: Body) -> dict[str, str]:
    """What the file's metadata says, less a title that is only its file name (what tools that
    make PDFs from scans write), which says nothing the file name does not; an e-mail's subject
    stays, whatever its file is called (a forwarded one is named after it)."""
    fields = body.fields
    title = fields.get("title", "").casefold()
    if body.format != "email" and title in {name.casefold(), PurePosixPath(name).stem.casefold()}:
        return {key: value for key, value in fields.items() if key != "title"}
    return fields


def _read(
    file: CorpusFile, limits: Settings, progress: OcrProgress | None
) -> tuple[Body, dict[str, Any]]:
    """Read the file's body and merge its metadata: folder defaults, then what the file itself
    says (PDF information, core properties, headers), then its sidecar or front matter. An
    attachment read from its message has the message's folder defaults and what the message's
    sidecar says of :data:`ATTACHMENT_FIELDS`."""
    data = read_defaults(file.defaults, corpus_root(file))
    own = parse_yaml(read_text(file.sidecar)) if file.sidecar is not None else None
    shared = _shared_with_attachment(file)
    data.update(shared)  # before the file's own fields: they may name its language, encoding
    try:
        if file.path.suffix.lower() in MARKDOWN_SUFFIXES:
            text = read_text(file.path)
            front = None
            if text.startswith("---"):
                front, text = split_front_matter(text)
            body = Body("markdown", markdown_passages(text, limits.max_passage_chars))
            own = own if own is not None else front
        else:
            hints = {**data, **(own or {})}
            language, encoding = hints.get("language"), hints.get("encoding")
            if encoding is not None and not isinstance(encoding, str):
                raise DocumentError("field 'encoding' must be text, like windows-1256")
            language = language if isinstance(language, str) else None
            body = read_body(file.path, limits, language, encoding, progress)
    except ExtractionError as error:
        raise DocumentError(str(error)) from None
    data.update(_own_fields(PurePosixPath(file.relative_path).name, body))
    data.update(own or {})
    data.update(shared)  # and after them: an attachment's front matter does not undo them
    data.pop("encoding", None)
    return body, data


def _shared_with_attachment(file: CorpusFile) -> dict[str, Any]:
    """For an attachment read from its e-mail: what the message's sidecar says of
    :data:`ATTACHMENT_FIELDS`, and the message it is attached to (none for a corpus file)."""
    if file.message is None:
        return {}
    sidecar = file.top.sidecar
    said = parse_yaml(read_text(sidecar)) if sidecar is not None else {}
    shared = {key: said[key] for key in ATTACHMENT_FIELDS if said.get(key)}
    shared["attached_to"] = doc_id_of(file.message.relative_path)
    return shared


def check_size(path: Path, limits: Settings) -> None:
    """Refuse a file past the size limit before reading it.

    :raises DocumentError: saying its size and the limit.
    """
    size = path.stat().st_size
    if size > limits.max_file_mb * 1_000_000:
        raise DocumentError(
            f"the file is {size / 1_000_000:.1f} MB; the limit is {limits.max_file_mb} MB "
            "(SEARCH_APP_MAX_FILE_MB)"
        )


def load_document(
    file: CorpusFile, limits: Settings = DEFAULTS, ocr_progress: OcrProgress | None = None
) -> Document:
    """Read, validate and cut one corpus file into passages.

    Whatever goes wrong inside, in any extractor of any format, becomes this file's problem: one
    odd file never stops ``add``, ``check``, ``index`` or ``serve`` for the rest of the corpus.

    :raises DocumentError: with the reason the file cannot be indexed.
    """
    try:
        check_size(file.path, limits)
        with time_limit(limits.max_seconds_per_file):
            body, data = _read(file, limits, ocr_progress)
    except DocumentError:
        raise
    except Exception as error:  # a library failing in a way nobody foresaw
        raise DocumentError(f"cannot read the file ({describe_error(error)})") from None
    if not body.passages:
        raise DocumentError("empty document: no text to index")
    warnings = _fill_in(file, data)
    detected = False
    if not data.get("language"):
        language = detect_language(passage.text for passage in body.passages)
        if language is not None:
            data["language"], detected = language, True
    return Document(
        doc_id=file.doc_id,
        relative_path=file.relative_path,
        content_hash=file.content_hash,
        format=body.format,
        meta=parse_metadata(data),
        passages=tuple(body.passages),
        warnings=(*warnings, *body.notes),
        language_detected=detected,
        encoding=body.encoding,
        attachments=body.attachments,
        message=file.top.relative_path if file.message is not None else None,
        within=_within(file),
    )
