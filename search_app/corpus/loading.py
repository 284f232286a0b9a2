"""Corpus files found on disk, read into documents cut into passages.

One file is one document. Its id is its path relative to the corpus folder, without extension,
so links stay valid across rebuilds. Markdown files carry YAML front matter; other files take
the same fields from a sidecar ``NAME.EXT.meta.yml``. A file that cannot be read or whose metadata
is wrong becomes a :class:`Problem` naming the file and the reason; the rest of the corpus loads.

Files and folders whose names start with ``.`` or ``_`` are not documents (``_variants.txt``
and the like live there).

Nothing is read through a link that leads out of the corpus folder (a file, a sidecar, a folder):
each such link is a problem. A link to a file inside the corpus is a document of its own name;
a link to a folder inside it is not followed (its files are read where they are).

An e-mail's attachments are documents of their own, where ``search-app add`` would write them
(``NAME-attachments/FILE`` beside the message), read from the message itself unless such a file is
there: a folder of messages copied in by hand loses none of what was attached to them.
"""

from __future__ import annotations

import hashlib
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from search_app.config import Settings
from search_app.corpus.defaults import defaults_files, read_defaults
from search_app.corpus.extraction import ExtractionError, describe_error
from search_app.corpus.language import detect_language
from search_app.corpus.mail import Attachment, attachment_names, read_attachment
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
    Body,
    read_body,
)
from search_app.corpus.rendering import CONTROL_CHARACTERS

DEFAULTS = Settings()
SIDECAR_SUFFIX = ".meta.yml"
#: Fields of a message that its attachments share (the title and date are the message's own).
ATTACHMENT_FIELDS = ("source", "source_type", "tags")
CONTROL_IN_NAME = (
    "the file name has a control character (a line break, a tab...): rename the file; "
    "links to it could not work"
)


@dataclass(frozen=True)
class CorpusFile:
    """A document file found on disk, with what identifies its content."""

    doc_id: str
    path: Path
    relative_path: str
    sidecar: Path | None
    content_hash: str
    #: the ``_defaults.yml`` files that apply, outermost first
    defaults: tuple[Path, ...] = ()
    #: for an e-mail's attachment read from the message: the message's relative path (``path``
    #: and ``sidecar`` are the message's; ``relative_path`` is where ``add`` would write it)
    message: str | None = None

    @property
    def label(self) -> str:
        """How problems name the file."""
        return file_label(self.relative_path, self.message)


def file_label(relative_path: str, message: str | None) -> str:
    """How problems and warnings name a file: an attachment read from its message as
    ``MESSAGE › FILE``."""
    if message is None:
        return relative_path
    return f"{message} › {PurePosixPath(relative_path).name}"


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
    #: for an attachment read from its message: the message's relative path
    message: str | None = None

    @property
    def label(self) -> str:
        """How warnings name the file."""
        return file_label(self.relative_path, self.message)


@dataclass
class Scan:
    """The outcome of looking through the corpus folder."""

    files: list[CorpusFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: ids of documents whose file exists but could not be read: not to be taken as deleted
    unreadable: set[str] = field(default_factory=set)


def is_hidden(relative: Path) -> bool:
    """Tell whether a path in the corpus is not a document: a part of it starts with . or _."""
    return any(part.startswith((".", "_")) for part in relative.parts)


def _hash_files(*paths: Path | None) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path is not None:
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def leads_out(path: Path, corpus_dir: Path) -> bool:
    """Tell whether ``path``, in ``corpus_dir``, is a link that leads out of it."""
    if not path.is_symlink():
        return False
    try:
        return not path.resolve().is_relative_to(corpus_dir.resolve())
    except (OSError, RuntimeError):  # a loop of links leads nowhere either
        return True


def link_out_problem(path: Path, name: str) -> Problem:
    """Say that ``path`` is a link out of the corpus and was not read."""
    kind = "folder" if path.is_dir() else "file"
    return Problem(
        name,
        "a link out of the corpus: not read (links out are never followed; "
        f"copy the {kind} into the corpus instead)",
    )


def read_corpus_file(corpus_dir: Path, name: str) -> tuple[str | None, list[Problem]]:
    """Read one of the corpus folder's own files (``_variants.txt``, ``_names.yml``) as text:
    ``None`` when there is none, or a problem when it cannot be read or links out."""
    path = corpus_dir / name
    if leads_out(path, corpus_dir):
        return None, [link_out_problem(path, name)]
    try:
        return path.read_text(encoding="utf-8"), []
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(name, f"cannot read: {error}")]


def _defaults_inside(corpus_dir: Path, relative: Path, scan: Scan) -> tuple[Path, ...]:
    """The defaults files that apply to ``relative``, less those that link out of the corpus
    (each named once as a problem)."""
    found = []
    for path in defaults_files(corpus_dir, relative):
        if not leads_out(path, corpus_dir):
            found.append(path)
            continue
        problem = link_out_problem(path, path.relative_to(corpus_dir).as_posix())
        if problem not in scan.problems:
            scan.problems.append(problem)
    return tuple(found)


def scan_corpus(corpus_dir: Path) -> Scan:
    """Find every document file under ``corpus_dir`` and hash its content (and sidecar).

    :raises DocumentError: when ``corpus_dir`` is not a folder.
    """
    if not corpus_dir.is_dir():
        raise DocumentError(
            f"corpus folder {corpus_dir} does not exist: create it or pass --corpus"
        )
    scan = Scan()
    seen: dict[str, str] = {}
    folder_defaults: dict[Path, tuple[Path, ...]] = {}
    # rglob lists links to folders but never descends into them
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir)
        if is_hidden(relative):
            continue
        name = relative.as_posix()
        if leads_out(path, corpus_dir):
            scan.problems.append(link_out_problem(path, name))
            continue
        if not path.is_file():
            continue
        if CONTROL_CHARACTERS.search(name):
            scan.problems.append(Problem(name, CONTROL_IN_NAME))
            continue
        if name.endswith(SIDECAR_SUFFIX):
            if not path.with_name(path.name[: -len(SIDECAR_SUFFIX)]).is_file():
                scan.problems.append(Problem(name, "sidecar without a document file next to it"))
            continue
        if path.suffix.lower() not in DOCUMENT_SUFFIXES:
            supported = ", ".join(sorted(DOCUMENT_SUFFIXES))
            scan.problems.append(Problem(name, f"unsupported file type (supported: {supported})"))
            continue
        doc_id = relative.with_suffix("").as_posix()
        if doc_id in seen:
            scan.problems.append(
                Problem(name, f"duplicate document id {doc_id!r} (also {seen[doc_id]}): rename one")
            )
            continue
        seen[doc_id] = name
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        if leads_out(sidecar, corpus_dir):
            reason = f"not read: its metadata {sidecar.name} is a link out of the corpus"
            scan.problems.append(Problem(name, reason))
            scan.unreadable.add(doc_id)
            continue
        sidecar = sidecar if sidecar.is_file() else None
        if relative.parent not in folder_defaults:
            folder_defaults[relative.parent] = _defaults_inside(corpus_dir, relative, scan)
        defaults = folder_defaults[relative.parent]
        try:
            content_hash = _hash_files(path, sidecar, *defaults)
        except OSError as error:
            scan.problems.append(Problem(name, f"cannot read file: {error.strerror}"))
            scan.unreadable.add(doc_id)
            continue
        scan.files.append(CorpusFile(doc_id, path, name, sidecar, content_hash, defaults))
    for message in [file for file in scan.files if file.path.suffix.lower() in MAIL_SUFFIXES]:
        _scan_attachments(message, seen, scan)
    scan.files.sort(key=lambda file: file.relative_path)
    return scan


def _scan_attachments(message: CorpusFile, seen: dict[str, str], scan: Scan) -> None:
    """Add the attachments of ``message`` that are not files of the corpus already (those
    ``add`` wrote out) to ``scan``, each under the id ``add`` gives it."""
    where = PurePosixPath(message.relative_path)
    folder = where.parent / f"{where.stem}-attachments"
    for filename in attachment_names(message.path):
        relative = folder / filename
        doc_id = relative.with_suffix("").as_posix()
        if seen.get(doc_id) == relative.as_posix():
            continue  # written out by add: that file is the document
        content_hash = hashlib.sha256(f"{message.content_hash}\0{filename}".encode()).hexdigest()
        attachment = CorpusFile(
            doc_id, message.path, relative.as_posix(), message.sidecar, content_hash,
            message.defaults, message=message.relative_path,
        )  # fmt: skip
        if relative.suffix.lower() not in DOCUMENT_SUFFIXES:
            supported = ", ".join(sorted(DOCUMENT_SUFFIXES))
            reason = f"unsupported file type (supported: {supported})"
            scan.problems.append(Problem(attachment.label, reason))
        elif doc_id in seen:
            reason = f"duplicate document id {doc_id!r} (also {seen[doc_id]}): not read"
            scan.problems.append(Problem(attachment.label, reason))
        else:
            seen[doc_id] = relative.as_posix()
            scan.files.append(attachment)


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


def _corpus_root(file: CorpusFile) -> Path:
    return file.path.parents[len(Path(file.message or file.relative_path).parts) - 1]


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
        folder = PurePosixPath(file.message or file.relative_path).parent.as_posix()
        data["source"] = folder if folder != "." else "corpus"
        warnings.append(
            f"no source: labelled by its folder {data['source']!r}; add source: to {where} "
            f"or to a _defaults.yml in its folder"
        )
    return warnings if file.message is None else []


def _own_fields(name: str, fields: dict[str, str]) -> dict[str, str]:
    """What the file's metadata says, less a title that is only its file name (what tools that
    make PDFs from scans write), which says nothing the file name does not."""
    title = fields.get("title", "").casefold()
    if title in {name.casefold(), PurePosixPath(name).stem.casefold()}:
        return {key: value for key, value in fields.items() if key != "title"}
    return fields


@contextmanager
def _readable(file: CorpusFile) -> Iterator[Path]:
    """The file to read: the corpus file itself, or an attachment copied out of its message
    (extractors read files, under the file's own name)."""
    if file.message is None:
        yield file.path
        return
    name = PurePosixPath(file.relative_path).name
    data = read_attachment(file.path, name)
    with tempfile.TemporaryDirectory(prefix="search-app-attachment-") as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        yield path


def _read(
    file: CorpusFile, limits: Settings, progress: OcrProgress | None
) -> tuple[Body, dict[str, Any]]:
    """Read the file's body and merge its metadata: folder defaults, then what the file itself
    says (PDF information, core properties, headers), then its sidecar or front matter. An
    attachment takes what its message shares (:data:`ATTACHMENT_FIELDS`) and names it."""
    data = read_defaults(file.defaults, _corpus_root(file))
    own = parse_yaml(read_text(file.sidecar)) if file.sidecar is not None else None
    if file.message is not None:
        shared = {**data, **(own or {})}
        data = {key: shared[key] for key in ATTACHMENT_FIELDS if shared.get(key)}
        data["attached_to"] = PurePosixPath(file.message).with_suffix("").as_posix()
        own = None
    try:
        with _readable(file) as path:
            if path.suffix.lower() in MARKDOWN_SUFFIXES:
                text = read_text(path)
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
                body = read_body(path, limits, language, encoding, progress)
    except ExtractionError as error:
        raise DocumentError(str(error)) from None
    data.update(_own_fields(PurePosixPath(file.relative_path).name, body.fields))
    data.update(own or {})
    data.pop("encoding", None)
    return body, data


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
        message=file.message,
    )


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
        try:
            corpus.documents.append(load_document(file, limits))
        except DocumentError as error:
            corpus.problems.append(Problem(file.label, str(error)))
    corpus.problems.sort(key=lambda problem: problem.path)
    return corpus
