"""Citations and reference-manager records: plain data about a document, turned into text.

A :class:`Work` is what the corpus says about one document (nothing is guessed: a field the
corpus leaves out stays out). From it come the one-line citation of a passage, RIS records and
CSL-JSON items, the two formats that Zotero, EndNote, Mendeley and citeproc read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from search_app.corpus.rendering import is_http_url

SITE_NAME = "1988 massacre evidence search"
LANGUAGE_NAMES = {"en": "English", "fa": "Persian"}
#: A quoted passage longer than this is cut at a word and ends with an ellipsis.
QUOTE_CHARS = 300
#: source_type -> (RIS type, CSL type)
TYPES = {
    "news": ("NEWS", "article-newspaper"),
    "ngo-report": ("RPRT", "report"),
    "un": ("RPRT", "report"),
    "government": ("RPRT", "report"),
    "court": ("CASE", "legal_case"),
    "testimony": ("GEN", "interview"),
    "statement": ("GEN", "speech"),
}
DEFAULT_TYPES = ("GEN", "document")


@dataclass(frozen=True)
class Work:
    """What the corpus says about one document, for citing it."""

    doc_id: str
    title: str
    source: str
    language: str = "en"
    source_type: str | None = None
    author: str | None = None
    date: str | None = None
    #: the original's address, http(s) only
    url: str | None = None
    #: markdown, text, pdf or html: a PDF is cited by page and offered as a file
    format: str = "markdown"
    tags: tuple[str, ...] = ()
    #: for a translation: the document it translates, and who translated it
    original: Work | None = None
    translator: str | None = None


def work_of(
    documents: Mapping[str, Mapping[str, Any]], doc_id: str, with_original: bool = True
) -> Work:
    """Return the :class:`Work` of ``doc_id`` from a generation's manifest entries; for a
    translation, with the work it translates (itself without its own original, if any)."""
    entry = documents[doc_id]
    original_id = entry.get("translation_of")
    original = (
        work_of(documents, original_id, with_original=False)
        if with_original and original_id in documents and original_id != doc_id
        else None
    )
    return Work(
        doc_id=doc_id,
        title=entry["title"],
        source=entry["source"],
        language=entry.get("language") or "en",
        source_type=entry.get("source_type"),
        author=entry.get("author"),
        date=entry.get("date"),
        url=entry.get("url") if is_http_url(entry.get("url")) else None,
        format=entry.get("format", "markdown"),
        tags=tuple(entry.get("tags") or ()),
        original=original,
        translator=entry.get("translator"),
    )


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Return a passage on one line, cut at a word past ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else flat[:limit]
    return cut.rstrip(" ,;:.—–-") + "…"


def translation_note(work: Work) -> str | None:
    """Say whose translation of which document ``work`` is, or ``None`` for an original."""
    if work.original is None:
        return None
    language = LANGUAGE_NAMES.get(work.language, work.language)
    by = f" by {work.translator}" if work.translator else ""
    original = work.original
    return (
        f"{language} translation{by} of “{original.title}”, {original.source}, "
        f"{original.date or 'n.d.'}"
    )


def citation(work: Work, passage: int, page: int | None, text: str, link: str) -> str:
    """Return the one-line citation of a passage: source, author, “title”, translation, date
    (or n.d.), page, the quoted passage, the original's URL, and this site's link."""
    parts = [work.source]
    if work.author:
        parts.append(work.author)
    note = translation_note(work)
    parts.append(f"“{work.title}”" + (f" ({note})" if note else ""))
    parts.append(work.date or "n.d.")
    if page:
        parts.append(f"p. {page}")
    line = ", ".join(parts) + f", passage {passage}: “{quote(text)}”"
    if work.url:
        line += f" Original: {work.url}."
    return f"{line} {link}"


def _date_parts(date: str | None) -> list[int]:
    return [int(part) for part in date.split("-")] if date else []


#: A value on one line, as a RIS tag's value must be.
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {_LINE_BREAKS.sub(' ', value).strip()}"


WorkLink = Callable[[Work], str]


def ris(works: Iterable[Work], link: WorkLink, file: WorkLink) -> str:
    """Return RIS records, one per work. ``link(work)`` is this site's page of the work,
    ``file(work)`` the address of its PDF."""
    lines: list[str] = []
    for work in works:
        kind = TYPES.get(work.source_type or "", DEFAULT_TYPES)[0]
        fields: list[tuple[str, str | None]] = [
            ("TY", kind),
            ("ID", work.doc_id),
            ("TI", work.title),
            ("AU", work.author),
            ("PB", work.source),
            ("T2", work.source if kind == "NEWS" else None),
            ("PY", work.date[:4] if work.date else None),
            ("DA", work.date.replace("-", "/") if work.date else None),
            ("LA", LANGUAGE_NAMES.get(work.language, work.language)),
            ("UR", work.url),
            ("UR", link(work)),
            ("L1", file(work) if work.format == "pdf" else None),
            ("OP", work.original.title if work.original else None),
            ("N1", translation_note(work)),
            ("DB", SITE_NAME),
            *(("KW", tag) for tag in work.tags),
        ]
        lines += [_ris_line(tag, value) for tag, value in fields if value]
        lines += ["ER  - ", ""]
    return "\r\n".join(lines)


def csl_item(work: Work, link: str, file: str) -> dict[str, Any]:
    """Return a work as a CSL-JSON item (the format citeproc and Zotero read)."""
    kind = TYPES.get(work.source_type or "", DEFAULT_TYPES)[1]
    item: dict[str, Any] = {
        "id": work.doc_id,
        "type": kind,
        "title": work.title,
        "publisher": work.source,
        "language": work.language,
        "URL": work.url or link,
        "archive": SITE_NAME,
        "archive_location": link,
    }
    if kind == "article-newspaper":
        item["container-title"] = work.source
    if work.author:
        item["author"] = [{"literal": work.author}]
    if work.date:
        item["issued"] = {"date-parts": [_date_parts(work.date)]}
    if work.format == "pdf":
        item["note"] = f"PDF: {file}"
    if work.original is not None:
        item["original-title"] = work.original.title
        item["original-publisher"] = work.original.source
        if work.original.date:
            item["original-date"] = {"date-parts": [_date_parts(work.original.date)]}
        if work.translator:
            item["translator"] = [{"literal": work.translator}]
    if work.tags:
        item["keyword"] = ", ".join(work.tags)
    return item


def csl_json(works: Iterable[Work], link: WorkLink, file: WorkLink) -> str:
    """Return CSL-JSON: a list of items, one per work."""
    items = [csl_item(work, link(work), file(work)) for work in works]
    return json.dumps(items, ensure_ascii=False, indent=1)
