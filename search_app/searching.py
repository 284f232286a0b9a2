"""Search the index: parse the query with guards, filter, rank, count facets, highlight.

Everything returned is plain data (dataclasses of strings and numbers), built while the Whoosh
searcher is open: Whoosh results and highlights die with their searcher. Highlights are HTML
strings in which every character of the passage is escaped and only ``<mark>`` is added.

Readers never call ``Searcher.refresh()`` (both Whoosh forks return deleted documents after it):
:class:`SearchIndex` opens a new searcher when ``index/CURRENT`` moves to a new generation or the
generation itself was updated.
"""

from __future__ import annotations

import html
import math
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import sorting
from whoosh.highlight import HtmlFormatter, WholeFragmenter, highlight
from whoosh.qparser import AndGroup, QueryParser
from whoosh.searching import Searcher

from search_app.config import Settings
from search_app.indexing import (
    MANIFEST,
    Generation,
    current_generation_name,
    describe_missing,
    read_generation,
)
from search_app.rendering import is_http_url, markdown_to_html, text_to_html, transform_text_nodes
from search_app.schema import build_schema

DEFAULTS = Settings()
FACETS = ("source", "source_type", "language")
MAX_NESTING = 20
_YEAR = re.compile(r"^\d{1,4}$")


class QueryError(ValueError):
    """The query or a parameter cannot be searched; the message says what to change."""


class IndexUnavailable(Exception):
    """There is no usable index; the message names the command that makes one."""


@dataclass(frozen=True)
class SearchRequest:
    """One search, as the user asked for it."""

    q: str
    page: int = 1
    source: str | None = None
    source_type: str | None = None
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    doc: str | None = None


@dataclass(frozen=True)
class Hit:
    """One passage in a result list."""

    doc_id: str
    passage: int
    title: str
    source: str
    source_type: str | None
    date: str | None
    language: str
    url: str | None
    page: int | None
    highlight: str
    score: float
    matches_in_document: int
    first_of_document: bool


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass
class ResultPage:
    """A page of results and everything needed to show or serialise it."""

    request: SearchRequest
    total: int
    documents: int
    page: int
    pages: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None


@dataclass(frozen=True)
class DocumentPassage:
    number: int
    html: str
    matched: bool
    page: int | None = None


@dataclass
class DocumentView:
    """A whole document, passage by passage, with query terms marked."""

    doc_id: str
    title: str
    source: str
    source_type: str | None
    date: str | None
    language: str
    url: str | None
    passages: list[DocumentPassage]

    @property
    def matched(self) -> list[int]:
        return [p.number for p in self.passages if p.matched]


@dataclass(frozen=True)
class DocumentSummary:
    doc_id: str
    title: str
    source: str
    date: str | None
    language: str
    passages: int


@dataclass(frozen=True)
class Overview:
    generation: str
    documents: int
    passages: int
    sources: list[FacetValue]
    listing: list[DocumentSummary]


class SearchIndex:
    """Shared access to the current index generation for many threads.

    Each thread keeps its own searcher and replaces it (never refreshes it) when the generation
    pointer or the generation's contents change.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._generation: Generation | None = None
        self._index: Any = None

    def _stamp(self) -> tuple[Any, ...]:
        """Identify the current generation's state cheaply: its name and its manifest file."""
        name = current_generation_name(self.index_dir)
        try:
            stat = (self.index_dir / (name or "-") / MANIFEST).stat()
        except OSError:
            raise IndexUnavailable(describe_missing(self.index_dir)) from None
        return (name, stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _current(self) -> tuple[tuple[Any, ...], Generation, Any]:
        key = self._stamp()
        with self._lock:
            if key != self._key:
                generation = read_generation(self.index_dir)
                if generation is None:
                    raise IndexUnavailable(describe_missing(self.index_dir))
                try:
                    self._index = whoosh_index.open_dir(str(generation.path))
                except Exception as error:  # a damaged index raises many kinds of error
                    raise IndexUnavailable(
                        f"The index in {self.index_dir}/ cannot be opened ({type(error).__name__}):"
                        " run `search-app index --full`."
                    ) from error
                self._key, self._generation = key, generation
            assert self._generation is not None
            return self._key, self._generation, self._index

    @contextmanager
    def searcher(self) -> Iterator[tuple[Generation, Searcher]]:
        """Yield the current generation and a searcher on it, reused by this thread."""
        key, generation, ix = self._current()
        cached = getattr(self._local, "cached", None)
        if cached is None or cached[0] != key:
            if cached is not None:
                cached[1].close()
            cached = self._local.cached = (key, ix.searcher())
        yield generation, cached[1]


class Highlighter:
    """Mark the words of a text that match the query terms, escaping everything else."""

    def __init__(self, terms: frozenset[str]) -> None:
        self.terms = terms
        self.analyzer = build_schema()["text"].analyzer
        self.formatter = HtmlFormatter(tagname="mark", between="", classname="hl", termclass="t")

    def mark(self, text: str) -> str:
        """Return ``text`` as escaped HTML with query terms in ``<mark>``."""
        if not self.terms or not text.strip():
            return html.escape(text, quote=False)
        marked = highlight(
            text, self.terms, self.analyzer, WholeFragmenter(charlimit=None), self.formatter,
            top=1, minscore=0,
        )  # fmt: skip
        return marked or html.escape(text, quote=False)


def parse_query(q: str, max_length: int = 500) -> wq.Query:
    """Parse the user's query: all words must match unless ``OR`` says otherwise.

    :raises QueryError: for an empty, over-long, too deeply nested or too costly query.
    """
    q = q.strip()
    if not q:
        raise QueryError("Type one or more words to search for.")
    if len(q) > max_length:
        raise QueryError(f"The query is {len(q)} characters long; the limit is {max_length}.")
    depth = deepest = 0
    for char in q:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(f"The query nests parentheses {deepest} deep; the limit is {MAX_NESTING}.")
    parser = QueryParser("text", build_schema(), group=AndGroup)
    try:
        query = parser.parse(q)
    except (ValueError, RecursionError) as error:
        raise QueryError(f"The query cannot be read: {error}") from None
    for node in query.leaves():
        if isinstance(node, wq.Wildcard | wq.Prefix) and str(node.text)[:1] in {"*", "?"}:
            raise QueryError(
                f"Words cannot start with a wildcard ({node.text}): put at least one letter first."
            )
    if query is wq.NullQuery or not list(query.leaves()):
        raise QueryError("The query has no words that can be searched (only stop words?).")
    return query


def _filter(request: SearchRequest) -> wq.Query | None:
    parts: list[wq.Query] = []
    for name in FACETS:
        value = getattr(request, name)
        if value is not None:
            parts.append(wq.Term(name, value))
    if request.doc is not None:
        parts.append(wq.Term("doc_id", request.doc))
    if request.year_from is not None or request.year_to is not None:
        parts.append(wq.NumericRange("year", request.year_from, request.year_to))
    return wq.And(parts) if parts else None


def _terms(query: wq.Query, searcher: Searcher) -> frozenset[str]:
    found = query.existing_terms(searcher.reader(), phrases=True, expand=True)
    return frozenset(
        text.decode("utf-8") if isinstance(text, bytes) else text
        for name, text in found
        if name == "text"
    )


def _optional(value: Any) -> Any:
    return value if value not in ("", None) else None


def search(index: SearchIndex, request: SearchRequest, limits: Settings = DEFAULTS) -> ResultPage:
    """Run ``request`` and return one page of passages, a few at most per document.

    :raises QueryError: when the query cannot be searched.
    :raises IndexUnavailable: when there is no usable index.
    """
    query = parse_query(request.q, limits.max_query_length)
    page_size = limits.page_size
    if request.page < 1:
        raise QueryError("Page numbers start at 1.")
    filter_query = _filter(request)
    with index.searcher() as (_generation, searcher):
        groups = {name: sorting.FieldFacet(name) for name in (*FACETS, "doc_id")}
        counted = searcher.search(
            query, filter=filter_query, limit=1, groupedby=groups, maptype=sorting.Count
        )
        total = len(counted)
        per_doc: dict[str, int] = counted.groups("doc_id")
        facets = {
            name: sorted(
                (
                    FacetValue(value, count)
                    for value, count in counted.groups(name).items()
                    if value
                ),
                key=lambda f: (-f.count, f.value),
            )
            for name in FACETS
        }
        cap = None if request.doc else limits.per_document
        kwargs = {"collapse": "doc_id", "collapse_limit": cap} if cap else {}
        listed = searcher.search(
            query, filter=filter_query, limit=request.page * page_size, **kwargs
        )
        pages = max(1, math.ceil(len(listed) / page_size))
        highlighter = Highlighter(_terms(query, searcher))
        seen: set[str] = set()
        hits = []
        for hit in listed[(request.page - 1) * page_size : request.page * page_size]:
            doc_id = hit["doc_id"]
            hits.append(
                Hit(
                    doc_id=doc_id,
                    passage=hit["number"],
                    title=hit["title"],
                    source=hit["source"],
                    source_type=_optional(hit.get("source_type")),
                    date=_optional(hit.get("date")),
                    language=hit["language"],
                    url=_optional(hit.get("url")),
                    page=hit.get("page"),
                    highlight=highlighter.mark(hit["text"]),
                    score=round(float(hit.score or 0.0), 4),
                    matches_in_document=per_doc.get(doc_id, 1),
                    first_of_document=doc_id not in seen,
                )
            )
            seen.add(doc_id)
    return ResultPage(
        request=request,
        total=total,
        documents=len(per_doc),
        page=request.page,
        pages=pages,
        hits=hits,
        facets=facets,
    )


def get_document(
    index: SearchIndex, doc_id: str, q: str | None = None, limits: Settings = DEFAULTS
) -> DocumentView | None:
    """Return the document ``doc_id`` as passages of safe HTML, or ``None`` if there is none.

    With ``q``, the query terms are marked in the text and matching passages are flagged.

    :raises QueryError: when ``q`` is given and cannot be searched.
    """
    query = parse_query(q, limits.max_query_length) if q and q.strip() else None
    with index.searcher() as (_generation, searcher):
        stored = searcher.search(wq.Term("doc_id", doc_id), limit=None, sortedby="number")
        if stored.is_empty():
            return None
        matched: set[int] = set()
        terms: frozenset[str] = frozenset()
        if query is not None:
            hits = searcher.search(query, filter=wq.Term("doc_id", doc_id), limit=None)
            matched = {hit["number"] for hit in hits}
            terms = _terms(query, searcher)
        highlighter = Highlighter(terms)
        passages = []
        for fields in (hit.fields() for hit in stored):
            if fields.get("markdown") is not None:
                rendered = markdown_to_html(fields["markdown"])
            else:
                rendered = text_to_html(fields["text"])
            passages.append(
                DocumentPassage(
                    number=fields["number"],
                    html=transform_text_nodes(rendered, highlighter.mark),
                    matched=fields["number"] in matched,
                    page=fields.get("page"),
                )
            )
        first = stored[0]
        return DocumentView(
            doc_id=doc_id,
            title=first["title"],
            source=first["source"],
            source_type=_optional(first.get("source_type")),
            date=_optional(first.get("date")),
            language=first["language"],
            url=_optional(first.get("url")),
            passages=passages,
        )


def overview(index: SearchIndex, listed: int = 100) -> Overview:
    """Summarise the indexed corpus: counts, sources, and the newest ``listed`` documents."""
    with index.searcher() as (generation, searcher):
        counts: dict[str, int] = {}
        for entry in generation.documents.values():
            counts[entry["source"]] = counts.get(entry["source"], 0) + 1
        summaries = sorted(
            (
                DocumentSummary(
                    doc_id=doc_id,
                    title=entry["title"],
                    source=entry["source"],
                    date=entry.get("date"),
                    language=entry.get("language", "en"),
                    passages=entry["passages"],
                )
                for doc_id, entry in generation.documents.items()
            ),
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


LinkBuilder = Callable[[str, int, str], str]


def result_as_dict(result: ResultPage, link: LinkBuilder) -> dict[str, Any]:
    """Return ``result`` in the JSON shape of the external contract (``/api/search``).

    ``link(doc_id, passage, q)`` makes the link to a passage; only http(s) URLs are passed on.
    """
    q = result.request.q
    return {
        "query": q,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "results": [
            {
                "doc_id": hit.doc_id,
                "passage": hit.passage,
                "title": hit.title,
                "source": hit.source,
                "source_type": hit.source_type,
                "date": hit.date,
                "language": hit.language,
                "url": hit.url if is_http_url(hit.url) else None,
                "page": hit.page,
                "highlight": hit.highlight,
                "link": link(hit.doc_id, hit.passage, q),
                "score": hit.score,
            }
            for hit in result.hits
        ],
        "facets": {
            name: [asdict(value) for value in values] for name, values in result.facets.items()
        },
        "suggestion": result.suggestion,
    }


def parse_year(value: str | None, name: str) -> int | None:
    """Read a year parameter.

    :raises QueryError: when it is not a year.
    """
    if value is None or not value.strip():
        return None
    if not _YEAR.match(value.strip()):
        raise QueryError(f"{name} must be a year such as 1988, not {value!r}.")
    return int(value)
