"""Whole documents and the corpus overview, read from the index generation being served.

A document page is rebuilt from the passages stored in the index, not from the corpus file, so
its passage numbers always agree with the search results that link to it.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, quote_plus

import numpy as np
from whoosh import query as wq

from search_app.config import Settings
from search_app.corpus.language import passage_is_rtl
from search_app.corpus.mail import Attachment, read_attachment
from search_app.corpus.rendering import markdown_to_html, text_to_html, transform_text_nodes
from search_app.engine.entities import NameLinker
from search_app.engine.expanding import cap_expansions
from search_app.engine.facets import FacetValue
from search_app.engine.highlighting import Highlighter
from search_app.engine.queries import ParsedQuery, parse
from search_app.engine.readers import SearchIndex
from search_app.engine.searching import DEFAULTS


@dataclass(frozen=True)
class DocumentPassage:
    number: int
    html: str
    matched: bool
    page: int | None = None
    ocr: bool = False
    rtl: bool = False


@dataclass(frozen=True)
class DocumentSummary:
    doc_id: str
    title: str
    source: str
    date: str | None
    language: str
    passages: int


def _summary(doc_id: str, entry: dict[str, Any]) -> DocumentSummary:
    return DocumentSummary(
        doc_id=doc_id,
        title=entry["title"],
        source=entry["source"],
        date=entry.get("date"),
        language=entry.get("language", "en"),
        passages=entry["passages"],
    )


#: Passages shown on one page of a long document. Links to passage ``n`` carry the part that
#: holds it, ``(n - 1) // PASSAGES_PER_PART + 1``, when it is not the first.
PASSAGES_PER_PART = 200
#: Matching passages listed (as links) at the top of a document page.
MATCHES_LISTED = 200


def part_of(number: int) -> int:
    """Return the part of a document page that shows passage ``number``."""
    return (max(number, 1) - 1) // PASSAGES_PER_PART + 1


#: What a passage link leaves unescaped in a document id and in its query string: what
#: werkzeug's ``url_for`` leaves (its path converters, and its query strings).
PATH_SAFE = "!$&'()*+,/:;=@"
URL_SAFE = "!$'()*,/:;?@"


@functools.lru_cache(maxsize=256)  # a page's distinct names and values: a few dozen
def _quoted(text: str) -> str:
    return quote_plus(text, safe=URL_SAFE)


def query_string(items: Iterable[tuple[Any, Any]]) -> str:
    """Return ``urlencode(items, safe=URL_SAFE)``, each name and value encoded once and
    remembered: a result page's hundred links repeat its query and filters."""
    return "&".join(f"{_quoted(str(name))}={_quoted(str(value))}" for name, value in items)


def passage_location(doc_id: str, number: int, q: str | None, exact: bool = False) -> str:
    """Return where a passage is, after the site's ``/doc/``: the document id, then the query
    whose words are marked there (``exact`` with it), the part holding the passage (past the
    first) and the passage's anchor. The pages, the API, citations and the command line all
    spell a passage's link this way, so one passage has one link."""
    items: list[tuple[str, str]] = []
    if q:
        items.append(("q", q))
        if exact:
            items.append(("exact", "1"))
    part = part_of(number)
    if part > 1:
        items.append(("part", str(part)))
    query = f"?{query_string(items)}" if items else ""
    return f"{quote(doc_id, safe=PATH_SAFE)}{query}#p-{number}"


@dataclass
class DocumentView:
    """A document, passage by passage (one part of it, or all), with query terms marked, and
    its relations."""

    doc_id: str
    title: str
    source: str
    source_type: str | None
    date: str | None
    language: str
    url: str | None
    author: str | None
    tags: list[str]
    passages: list[DocumentPassage]
    #: markdown, text, pdf or html: what the original file in the corpus is
    format: str = "markdown"
    #: the document this one is cited in, and the documents that say they are cited in this one
    cited_in: DocumentSummary | None = None
    cites: list[DocumentSummary] = field(default_factory=list)
    translation_of: DocumentSummary | None = None
    #: who translated it, when it is a translation
    translator: str | None = None
    #: the numbers of every passage of the document that matches the query, in any part
    matched: list[int] = field(default_factory=list)
    #: the part shown (None: the whole document), how many parts there are, and passages in all
    part: int | None = None
    parts: int = 1
    total_passages: int = 0
    #: the time limit ran out before the matching passages were all found
    partial: bool = False
    #: the e-mail this document was attached to, and the attachments of this one
    attached_to: DocumentSummary | None = None
    attachments: list[DocumentSummary] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    generation: str
    documents: int
    passages: int
    sources: list[FacetValue]
    listing: list[DocumentSummary]


def get_document(
    index: SearchIndex,
    doc_id: str,
    q: str | None = None,
    exact: bool = False,
    limits: Settings = DEFAULTS,
    part: int | None = None,
    entity_href: Callable[[str], str] | None = None,
) -> DocumentView | None:
    """Return the document ``doc_id`` as passages of safe HTML, or ``None`` if there is none.

    ``part`` picks :data:`PASSAGES_PER_PART` passages of it (``None``: all of them; a part past
    the end is ``None`` too). With ``q``, the words it matches are marked (as on the result
    page, variants included) and the matching passages of the whole document are listed, within
    ``limits.search_seconds``. With ``entity_href`` (an entry's id -> its page), the names of
    the register link to their pages. Parts are kept per index state: each is rendered once.

    :raises QueryError: when ``q`` is given and cannot be searched.
    """
    q = q.strip() if q else None
    parsed = None
    if q:
        parsed = parse(
            q,
            exact=exact,
            variants=index.variants(),
            max_length=limits.max_query_length,
            title_boost=limits.title_boost,
        )
    deadline = time.monotonic() + limits.search_seconds
    make = partial(_document, index, doc_id, parsed, part, deadline, entity_href)
    if part is None:  # a whole document can be large: made afresh each time, never kept
        return make()
    return index.cached(("document", doc_id, q, exact, part, entity_href is not None), limits, make)


def _document(
    index: SearchIndex,
    doc_id: str,
    parsed: ParsedQuery | None,
    part: int | None,
    deadline: float,
    entity_href: Callable[[str], str] | None,
) -> DocumentView | None:
    with index.searcher() as (generation, searcher):
        entry = generation.documents.get(doc_id)
        arrays = index.arrays(searcher)
        ids, numbers = arrays.document_passages(searcher, doc_id)
        if entry is None or not len(ids):
            return None
        by_number = ids[np.argsort(numbers, kind="stable")]
        parts = math.ceil(len(ids) / PASSAGES_PER_PART)
        if part is not None and not 1 <= part <= parts:
            return None
        shown = by_number
        if part is not None:
            shown = by_number[(part - 1) * PASSAGES_PER_PART : part * PASSAGES_PER_PART]
        matched: list[int] = []
        highlighter = Highlighter()
        names = None
        if entity_href is not None and generation.register.entries:
            names = NameLinker(generation.finder, entity_href)
        cut_short = False
        if parsed is not None:
            in_document = wq.Term("doc_id", doc_id)
            expanded = cap_expansions(parsed, arrays.words(searcher), deadline)
            found, cut_short = arrays.matches(searcher, expanded.query, in_document, deadline)
            cut_short = cut_short or expanded.partial
            matched = sorted(numbers[np.searchsorted(ids, found.ids)].tolist())
            highlighter = Highlighter.for_query(expanded.query, searcher.reader())
        outside_links = highlighter.mark
        if names is not None:
            outside_links = partial(names.link, mark=highlighter.mark)
        chosen = [searcher.stored_fields(int(n)) for n in shown]
        wanted = set(matched)
        passages = [
            DocumentPassage(
                number=fields["number"],
                html=transform_text_nodes(_rendered(fields), outside_links, highlighter.mark),
                matched=fields["number"] in wanted,
                page=fields.get("page"),
                ocr=bool(fields.get("ocr")),
                rtl=passage_is_rtl(fields["text"], entry.get("language", "en")),
            )
            for fields in chosen
        ]
        documents = generation.documents

        def related(other: str | None) -> DocumentSummary | None:
            return _summary(other, documents[other]) if other in documents else None

        return DocumentView(
            doc_id=doc_id,
            title=entry["title"],
            source=entry["source"],
            source_type=entry.get("source_type"),
            date=entry.get("date"),
            language=entry.get("language", "en"),
            url=entry.get("url"),
            author=entry.get("author"),
            tags=entry.get("tags", []),
            passages=passages,
            format=entry.get("format", "markdown"),
            cited_in=related(entry.get("cited_in")),
            cites=[_summary(i, e) for i, e in documents.items() if e.get("cited_in") == doc_id],
            translation_of=related(entry.get("translation_of")),
            translator=entry.get("translator") if entry.get("translation_of") else None,
            matched=matched,
            part=part,
            parts=parts,
            total_passages=len(ids),
            partial=cut_short,
            attached_to=related(entry.get("attached_to")),
            attachments=[
                _summary(i, e) for i, e in documents.items() if e.get("attached_to") == doc_id
            ],
        )


def _rendered(fields: dict[str, Any]) -> str:
    if fields.get("markdown") is not None:
        return markdown_to_html(fields["markdown"])
    return text_to_html(fields["text"])


def overview(index: SearchIndex, listed: int = 100) -> Overview:
    """Summarise the indexed corpus: counts, sources, and the newest ``listed`` documents."""
    with index.searcher() as (generation, searcher):
        counts: dict[str, int] = {}
        for entry in generation.documents.values():
            counts[entry["source"]] = counts.get(entry["source"], 0) + 1
        summaries = sorted(
            (_summary(doc_id, entry) for doc_id, entry in generation.documents.items()),
            key=lambda d: (d.date or "", d.title),
            reverse=True,
        )
        return Overview(
            generation=generation.name,
            documents=len(generation.documents),
            passages=searcher.doc_count(),
            sources=[
                FacetValue(s, c) for s, c in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
            ],
            listing=summaries[:listed],
        )


def stats(index: SearchIndex) -> tuple[str, int, int]:
    """Return the generation served, and how many documents and passages it holds.

    It reads a stored passage and a term list, so that a damaged index shows here too.
    """
    with index.searcher() as (generation, searcher):
        count = searcher.doc_count()
        if count:
            searcher.stored_fields(0)
            next(iter(searcher.reader().lexicon("doc_id")), None)
        return generation.name, len(generation.documents), count


def original_file(index: SearchIndex, corpus_dir: Path, doc_id: str) -> Path | Attachment | None:
    """Return the corpus file a document was indexed from, if it is still there; for an
    attachment read from its e-mail, the attachment as the message holds it now."""
    with index.searcher() as (generation, _searcher):
        entry = generation.documents.get(doc_id)
    if entry is None:
        return None
    root = corpus_dir.resolve()
    message = entry.get("message")
    path = (root / (message or entry["path"])).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    if not message:
        return path
    name = PurePosixPath(entry["path"]).name
    held: Path | bytes = path
    try:
        for holder in [*entry.get("within", []), name]:  # out of each e-mail in turn
            held = read_attachment(held, holder)
    except Exception:  # a message changed or broken since it was indexed: no file, not a 500
        return None
    assert isinstance(held, bytes)
    return Attachment(name, held)
