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
"""

from __future__ import annotations

import hashlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search_app.config import Settings
from search_app.corpus.extraction import (
    ExtractionError,
    describe_error,
    html_main_text,
    pdf_pages,
)
from search_app.corpus.metadata import (
    DocumentError,
    Metadata,
    Problem,
    parse_metadata,
    parse_yaml,
    read_text,
    split_front_matter,
)
from search_app.corpus.passages import Passage, markdown_passages, page_passages, text_passages
from search_app.corpus.rendering import CONTROL_CHARACTERS

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt"}
PDF_SUFFIXES = {".pdf"}
HTML_SUFFIXES = {".html", ".htm"}
DOCUMENT_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | PDF_SUFFIXES | HTML_SUFFIXES
DEFAULTS = Settings()
SIDECAR_SUFFIX = ".meta.yml"
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


@dataclass(frozen=True)
class Document:
    """A loaded, validated document."""

    doc_id: str
    relative_path: str
    content_hash: str
    format: str
    meta: Metadata
    passages: tuple[Passage, ...]


@dataclass
class Scan:
    """The outcome of looking through the corpus folder."""

    files: list[CorpusFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: ids of documents whose file exists but could not be read: not to be taken as deleted
    unreadable: set[str] = field(default_factory=set)


def _hidden(relative: Path) -> bool:
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
    # rglob lists links to folders but never descends into them
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir)
        if _hidden(relative):
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
        try:
            content_hash = _hash_files(path, sidecar)
        except OSError as error:
            scan.problems.append(Problem(name, f"cannot read file: {error.strerror}"))
            scan.unreadable.add(doc_id)
            continue
        scan.files.append(CorpusFile(doc_id, path, name, sidecar, content_hash))
    return scan


def _metadata(file: CorpusFile, front_matter: dict[str, Any] | None) -> dict[str, Any]:
    if file.sidecar is not None:
        return parse_yaml(read_text(file.sidecar))
    if front_matter is not None:
        return front_matter
    raise DocumentError(
        f"no metadata: add {file.path.name}{SIDECAR_SUFFIX} next to it with title: and source:"
    )


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


def _read(file: CorpusFile, limits: Settings) -> tuple[str, Metadata, list[Passage]]:
    suffix = file.path.suffix.lower()
    max_chars = limits.max_passage_chars
    try:
        if suffix in MARKDOWN_SUFFIXES:
            text = read_text(file.path)
            has_front = text.startswith("---") or file.sidecar is None  # else say it is missing
            front, body = split_front_matter(text) if has_front else (None, text)
            meta = parse_metadata(_metadata(file, front))
            return "markdown", meta, markdown_passages(body, max_chars)
        if suffix in TEXT_SUFFIXES:
            meta = parse_metadata(_metadata(file, None))
            return "text", meta, text_passages(read_text(file.path), max_chars)
        if suffix in PDF_SUFFIXES:
            meta = parse_metadata(_metadata(file, None))
            pdf = pdf_pages(file.path, limits.max_pages, limits.max_seconds_per_file)
            return "pdf", meta, page_passages(pdf.pages, max_chars)
        data = _metadata(file, None)
        page = html_main_text(read_text(file.path))
        # the sidecar wins; the page's own metadata fills in a missing title or date
        if page.title and not data.get("title"):
            data["title"] = page.title
        if page.date and not data.get("date"):
            data["date"] = page.date
        return "html", parse_metadata(data), markdown_passages(page.markdown, max_chars)
    except ExtractionError as error:
        raise DocumentError(str(error)) from None


def load_document(file: CorpusFile, limits: Settings = DEFAULTS) -> Document:
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
            kind, meta, passages = _read(file, limits)
    except DocumentError:
        raise
    except Exception as error:  # a library failing in a way nobody foresaw
        raise DocumentError(f"cannot read the file ({describe_error(error)})") from None
    if not passages:
        raise DocumentError("empty document: no text to index")
    return Document(
        doc_id=file.doc_id,
        relative_path=file.relative_path,
        content_hash=file.content_hash,
        format=kind,
        meta=meta,
        passages=tuple(passages),
    )


@dataclass
class Corpus:
    """Every document that loaded, and every problem found on the way."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load_corpus(corpus_dir: Path, limits: Settings = DEFAULTS) -> Corpus:
    """Load every document under ``corpus_dir``; bad files become problems, not exceptions."""
    scan = scan_corpus(corpus_dir)
    corpus = Corpus(problems=list(scan.problems))
    for file in scan.files:
        try:
            corpus.documents.append(load_document(file, limits))
        except DocumentError as error:
            corpus.problems.append(Problem(file.relative_path, str(error)))
    corpus.problems.sort(key=lambda problem: problem.path)
    return corpus
