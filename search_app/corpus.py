"""The corpus: files on disk, their metadata, and the passages they are cut into.

One file is one document. Its id is its path relative to the corpus folder, without extension,
so links stay valid across rebuilds. Markdown files carry YAML front matter; plain-text files take
the same fields from a sidecar ``NAME.EXT.meta.yml``. A file that cannot be read or whose metadata
is wrong becomes a :class:`Problem` naming the file and the reason; the rest of the corpus loads.

Files and folders whose names start with ``.`` or ``_`` are not documents (``_variants.txt``
and the like live there).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from search_app.config import Settings
from search_app.extraction import ExtractionError, html_main_text, pdf_pages
from search_app.passages import Passage, markdown_passages, page_passages, text_passages
from search_app.rendering import is_http_url

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt"}
PDF_SUFFIXES = {".pdf"}
HTML_SUFFIXES = {".html", ".htm"}
DOCUMENT_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | PDF_SUFFIXES | HTML_SUFFIXES
DEFAULTS = Settings()
SIDECAR_SUFFIX = ".meta.yml"

SOURCE_TYPES = (
    "news",
    "ngo-report",
    "un",
    "government",
    "statement",
    "court",
    "testimony",
    "other",
)
LANGUAGES = ("en", "fa")
REQUIRED_FIELDS = ("title", "source")
OPTIONAL_FIELDS = (
    "source_type", "date", "url", "language", "author", "tags", "cited_in", "translation_of",
)  # fmt: skip

#: Dates outside these years are refused as typos (a Solar Hijri 1367 written as Gregorian...).
YEARS = range(1500, 2200)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DocumentError(Exception):
    """A corpus file that cannot become a document; the message says why."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with one corpus file."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Metadata:
    """What the corpus says about a document; ``title`` and ``source`` are required."""

    title: str
    source: str
    source_type: str | None = None
    date: str | None = None
    url: str | None = None
    language: str = "en"
    author: str | None = None
    tags: tuple[str, ...] = ()
    cited_in: str | None = None
    translation_of: str | None = None


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
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(corpus_dir)
        if _hidden(relative):
            continue
        name = relative.as_posix()
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
        sidecar = sidecar if sidecar.is_file() else None
        try:
            content_hash = _hash_files(path, sidecar)
        except OSError as error:
            scan.problems.append(Problem(name, f"cannot read file: {error.strerror}"))
            scan.unreadable.add(doc_id)
            continue
        scan.files.append(CorpusFile(doc_id, path, name, sidecar, content_hash))
    return scan


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"cannot read file: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(
            f"not UTF-8 text (byte {error.start}): save the file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter and its body.

    :raises DocumentError: when the front matter is missing, unterminated or not a YAML mapping.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise DocumentError(
            "no front matter: start the file with a '---' line, then title: and source:"
        )
    closing = [i for i, line in enumerate(lines) if i and line.strip() in {"---", "..."}]
    if not closing:
        raise DocumentError("front matter is not closed: add a '---' line after the metadata")
    end = closing[0]
    return _parse_yaml("\n".join(lines[1:end])), "\n".join(lines[end + 1 :])


def _parse_yaml(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise DocumentError(
            f"metadata is not valid YAML{where}: {getattr(error, 'problem', error)}"
        ) from None
    except ValueError as error:  # YAML reads 2020-02-30 as a date, and fails
        raise DocumentError(f"metadata has an impossible value: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DocumentError("metadata must be a YAML mapping of field: value")
    return data


def _text_field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DocumentError(f"field {name!r} must be text")
    value = str(value).strip()
    return value or None


def parse_date(value: Any) -> str:
    """Return ``value`` as an ISO date of the form ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    :raises DocumentError: when it is not one of those or not a real date.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    match = _DATE.match(text)
    if not match:
        raise DocumentError(f"date {text!r} is not an ISO date: write 2020-08-20, 2020-08 or 2020")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    if not YEARS.start <= year < YEARS.stop:
        raise DocumentError(
            f"date {text!r} is outside {YEARS.start}-{YEARS.stop - 1}: is it a typo, or a Solar "
            "Hijri date? Write the Gregorian date"
        )
    try:
        dt.date(year, month, day)
    except ValueError:
        raise DocumentError(f"date {text!r} does not exist") from None
    return text


def parse_metadata(data: dict[str, Any]) -> Metadata:
    """Validate raw metadata fields.

    :raises DocumentError: naming the first field that is missing or wrong.
    """
    unknown = sorted(set(map(str, data)) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        known = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        raise DocumentError(f"unknown field {unknown[0]!r} (known fields: {known})")
    values = {
        name: _text_field(data, name)
        for name in REQUIRED_FIELDS + OPTIONAL_FIELDS
        if name not in {"tags", "date"}
    }
    for name in REQUIRED_FIELDS:
        if not values[name]:
            raise DocumentError(f"missing required field {name!r}")
    if values["source_type"] and values["source_type"] not in SOURCE_TYPES:
        raise DocumentError(
            f"source_type {values['source_type']!r} is not one of: {', '.join(SOURCE_TYPES)}"
        )
    values["date"] = parse_date(data["date"]) if data.get("date") is not None else None
    if values["url"] and not is_http_url(values["url"]):
        raise DocumentError(f"url {values['url']!r} is not an http:// or https:// address")
    language = values.pop("language") or "en"
    if language not in LANGUAGES:
        raise DocumentError(f"language {language!r} is not one of: {', '.join(LANGUAGES)}")
    tags = data.get("tags") or ()
    if isinstance(tags, str):
        tags = [tag.strip() for tag in tags.split(",")]
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str | int) for t in tags):
        raise DocumentError("field 'tags' must be a list of words")
    return Metadata(language=language, tags=tuple(str(t) for t in tags if str(t)), **values)


def _metadata(file: CorpusFile, front_matter: dict[str, Any] | None) -> dict[str, Any]:
    if file.sidecar is not None:
        return _parse_yaml(_read_text(file.sidecar))
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
            text = _read_text(file.path)
            has_front = text.startswith("---") or file.sidecar is None  # else say it is missing
            front, body = split_front_matter(text) if has_front else (None, text)
            meta = parse_metadata(_metadata(file, front))
            return "markdown", meta, markdown_passages(body, max_chars)
        if suffix in TEXT_SUFFIXES:
            meta = parse_metadata(_metadata(file, None))
            return "text", meta, text_passages(_read_text(file.path), max_chars)
        if suffix in PDF_SUFFIXES:
            meta = parse_metadata(_metadata(file, None))
            pdf = pdf_pages(file.path, limits.max_pages, limits.max_seconds_per_file)
            return "pdf", meta, page_passages(pdf.pages, max_chars)
        data = _metadata(file, None)
        page = html_main_text(_read_text(file.path))
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

    :raises DocumentError: with the reason the file cannot be indexed.
    """
    size = file.path.stat().st_size
    if size > limits.max_file_mb * 1_000_000:
        raise DocumentError(
            f"the file is {size / 1_000_000:.1f} MB; the limit is {limits.max_file_mb} MB "
            "(SEARCH_APP_MAX_FILE_MB)"
        )
    with _time_limit(limits.max_seconds_per_file):
        kind, meta, passages = _read(file, limits)
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
