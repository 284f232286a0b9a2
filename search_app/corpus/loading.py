"""Corpus files read into documents cut into passages.

A file that cannot be read or whose metadata is wrong becomes a :class:`Problem` naming the file
and the reason; the rest of the corpus loads.

An e-mail's attachments are documents of their own (``NAME-attachments/FILE`` beside the message,
``attached_to`` it). ``search-app add`` writes them out as files there; for a message copied into
the corpus by hand (a whole folder of e-mails), they are read from the message itself, under the
same ids, so that nothing attached to it is lost. Once that folder exists, its files are the
attachments: one deleted from it stays deleted.
"""

from __future__ import annotations

import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from search_app.config import Settings
from search_app.corpus.defaults import read_defaults
from search_app.corpus.extraction import ExtractionError, describe_error
from search_app.corpus.language import detect_language
from search_app.corpus.mail import Attachment, read_attachments
from search_app.corpus.metadata import (
    DocumentError,
    Metadata,
    Problem,
    parse_metadata,
    parse_yaml,
    read_text,
    split_front_matter,
)
from search_app.corpus.ocr import OcrProgress
from search_app.corpus.passages import Passage, markdown_passages
from search_app.corpus.reading import (
    DOCUMENT_SUFFIXES,
    MAIL_SUFFIXES,
    MARKDOWN_SUFFIXES,
    UNSUPPORTED,
    Body,
    read_body,
)
from search_app.corpus.scanning import (
    SIDECAR_SUFFIX,
    CorpusFile,
    attachments_folder,
    scan_corpus,
)

DEFAULTS = Settings()
#: Fields of a message that its attachments share (the title and date are the message's own).
ATTACHMENT_FIELDS = ("source", "source_type", "tags")
#: E-mails attached to e-mails (forwarded "as attachments") are read this many deep.
MAX_NESTED_MESSAGES = 4
#: Attachments read from one message, at most.
MAX_ATTACHMENTS = 500
NESTED_TOO_DEEP = (
    f"its attachments are not indexed: e-mails attached inside e-mails are read "
    f"{MAX_NESTED_MESSAGES} deep"
)


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
def _time_limit(seconds: float) -> Iterator[None]:
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


def _top(file: CorpusFile) -> CorpusFile:
    """The corpus file itself: for an attachment read from its e-mail (perhaps an e-mail
    attached to another), the message it came in."""
    while file.message is not None:
        file = file.message
    return file


def _nesting(file: CorpusFile) -> int:
    """How many e-mails ``file`` is inside (0 for a file of the corpus)."""
    return 0 if file.message is None else 1 + _nesting(file.message)


def _within(file: CorpusFile) -> tuple[str, ...]:
    """The names of the e-mails attached inside the corpus file that ``file`` is inside of,
    outermost first (none for a corpus file or an attachment of one)."""
    names: list[str] = []
    message = file.message
    while message is not None and message.message is not None:
        names.insert(0, PurePosixPath(message.relative_path).name)
        message = message.message
    return tuple(names)


def _label(file: CorpusFile) -> str:
    """How problems name a file: an attachment as ``MESSAGE › FILE``."""
    if file.message is None:
        return file.relative_path
    return f"{_label(file.message)} › {PurePosixPath(file.relative_path).name}"


def _corpus_root(file: CorpusFile) -> Path:
    file = _top(file)
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
        folder = PurePosixPath(_top(file).relative_path).parent.as_posix()
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
    data = read_defaults(file.defaults, _corpus_root(file))
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
    sidecar = _top(file).sidecar
    said = parse_yaml(read_text(sidecar)) if sidecar is not None else {}
    shared = {key: said[key] for key in ATTACHMENT_FIELDS if said.get(key)}
    shared["attached_to"] = PurePosixPath(file.message.relative_path).with_suffix("").as_posix()
    return shared


def load_document(
    file: CorpusFile, limits: Settings = DEFAULTS, ocr_progress: OcrProgress | None = None
) -> Document:
    """Read, validate and cut one corpus file into passages.

    Whatever goes wrong inside, in any extractor of any format, becomes this file's problem: one
    odd file never stops ``add``, ``check``, ``index`` or ``serve`` for the rest of the corpus.

    :raises DocumentError: with the reason the file cannot be indexed.
    """
    try:
        size = file.path.stat().st_size
        if size > limits.max_file_mb * 1_000_000:
            raise DocumentError(
                f"the file is {size / 1_000_000:.1f} MB; the limit is {limits.max_file_mb} MB "
                "(SEARCH_APP_MAX_FILE_MB)"
            )
        with _time_limit(limits.max_seconds_per_file):
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
        message=_top(file).relative_path if file.message is not None else None,
        within=_within(file),
    )


def load_file(
    file: CorpusFile, limits: Settings = DEFAULTS, ocr_progress: OcrProgress | None = None
) -> tuple[list[Document], list[Problem]]:
    """Load a corpus file's document and, for an e-mail copied in by hand, those of its
    attachments: each that cannot be loaded is a problem (``MESSAGE › FILE``), the others
    load."""
    problems = []
    try:
        message: Document | None = load_document(file, limits, ocr_progress)
    except DocumentError as error:
        message = None
        problems.append(Problem(_label(file), str(error)))
    folder = attachments_folder(PurePosixPath(file.relative_path))
    if file.path.suffix.lower() not in MAIL_SUFFIXES or (file.path.parent / folder.name).is_dir():
        return ([message] if message else []), problems  # add wrote them out: those files
    if message is None and not _metadata_reads(file):
        return [], problems  # its attachments would fail alike: the message's problem says why
    wanted, skipped = _attachments_to_read(file, folder, message, limits)
    if wanted and _nesting(file) >= MAX_NESTED_MESSAGES:
        wanted, skipped = [], [*skipped, NESTED_TOO_DEEP]
    documents = []
    for relative, attachment in wanted:
        found, failed = _attachment_documents(file, relative, attachment, limits, ocr_progress)
        documents.extend(found)
        problems.extend(failed)
    if message is None:
        return documents, [*problems, *(Problem(_label(file), why) for why in skipped)]
    return [replace(message, warnings=(*message.warnings, *skipped)), *documents], problems


def _metadata_reads(file: CorpusFile) -> bool:
    """Tell whether the metadata files of ``file`` (its folder's defaults, its sidecar) read."""
    try:
        read_defaults(file.defaults, _corpus_root(file))
        if file.sidecar is not None:
            parse_yaml(read_text(file.sidecar))
    except DocumentError:
        return False
    return True


def _attachments_to_read(
    file: CorpusFile, folder: PurePosixPath, message: Document | None, limits: Settings
) -> tuple[list[tuple[PurePosixPath, Attachment]], list[str]]:
    """The attachments of the e-mail ``file`` to read, each with its place in ``folder``; and
    why each other one is not read (a type not read, an id another one has)."""
    if message is not None:
        attachments = message.attachments
    else:  # a message without text may still carry what matters
        try:
            if file.path.stat().st_size > limits.max_file_mb * 1_000_000:
                raise DocumentError("too large")  # the message's own problem says so
            with _time_limit(limits.max_seconds_per_file):
                attachments = read_attachments(file.path)
        except Exception:  # the message's own problem says why it cannot be read
            attachments = ()
    wanted, skipped = [], []
    if len(attachments) > MAX_ATTACHMENTS:
        skipped.append(f"{len(attachments) - MAX_ATTACHMENTS} of its {len(attachments)} "
                       f"attachments are not indexed: at most {MAX_ATTACHMENTS} are read from "
                       f"one message")  # fmt: skip
        attachments = attachments[:MAX_ATTACHMENTS]
    taken: dict[str, str] = {}
    for attachment in attachments:
        name = attachment.filename
        relative = folder / name
        doc_id = relative.with_suffix("").as_posix()
        if relative.suffix.lower() not in DOCUMENT_SUFFIXES:
            why = UNSUPPORTED
        elif doc_id in taken:
            why = f"it would have the id {doc_id!r} of its attachment {taken[doc_id]}"
        else:
            taken[doc_id] = name
            wanted.append((relative, attachment))
            continue
        skipped.append(f"its attachment {name} is not indexed: {why}")
    return wanted, skipped


def _attachment_documents(
    message: CorpusFile,
    relative: PurePosixPath,
    attachment: Attachment,
    limits: Settings,
    ocr_progress: OcrProgress | None,
) -> tuple[list[Document], list[Problem]]:
    """Load an attachment of ``message`` as the document at ``relative`` (and, for an e-mail
    attached whole, its own attachments), copied out of the message to a temporary file
    (extractors read files, by their names)."""
    with tempfile.TemporaryDirectory(prefix="search-app-attachment-") as scratch:
        path = Path(scratch) / attachment.filename
        try:
            path.write_bytes(attachment.data)
        except OSError as error:
            label = f"{_label(message)} › {attachment.filename}"
            return [], [Problem(label, f"cannot copy it out of the message: {error.strerror}")]
        file = CorpusFile(
            doc_id=relative.with_suffix("").as_posix(),
            path=path,
            relative_path=relative.as_posix(),
            sidecar=None,
            content_hash=_top(message).content_hash,  # what an update compares
            defaults=message.defaults,
            message=message,
        )
        return load_file(file, limits, ocr_progress)


@dataclass
class Corpus:
    """Every document that loaded, and every problem found on the way."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        """What is worth fixing in files that were indexed anyway."""
        return [
            Problem(document.label, warning)
            for document in self.documents
            for warning in document.warnings
        ]


def load_corpus(corpus_dir: Path, limits: Settings = DEFAULTS) -> Corpus:
    """Load every document under ``corpus_dir``; bad files become problems, not exceptions."""
    scan = scan_corpus(corpus_dir)
    corpus = Corpus(problems=list(scan.problems))
    for file in scan.files:
        documents, problems = load_file(file, limits)
        corpus.documents.extend(documents)
        corpus.problems.extend(problems)
    corpus.problems.sort(key=lambda problem: problem.path)
    return corpus
