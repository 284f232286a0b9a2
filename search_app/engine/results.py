"""What a search is and what it returns: the request, its hits, a page of results, a download.

Plain data, built while the Whoosh searcher is open (Whoosh results die with their searcher) and
safe to keep afterwards: in the result cache, in templates, in JSON. Highlights are HTML strings
in which every character of the passage is escaped and only ``<mark>`` is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from search_app.corpus.language import passage_is_rtl
from search_app.corpus.rendering import is_http_url
from search_app.engine.citations import Work, work_of
from search_app.engine.facets import FacetValue

#: Filter parameter -> the index field it is a term of.
FILTER_FIELDS = {"source": "source_facet", "source_type": "source_type", "language": "language"}
FILTERS = tuple(FILTER_FIELDS)
SORTS = ("relevance", "newest", "oldest")
#: Where all the words must be: in one passage (default) or anywhere in one document.
WITHIN = ("passage", "document")


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
    sort: str = "relevance"
    exact: bool = False
    #: register entries every passage must name (``entity=``), sorted
    entities: tuple[str, ...] = ()
    #: "document": the words (and entities) may be spread over a document's passages
    within: str = "passage"


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
    text: str
    highlight: str
    #: the relevance score; None when sorted by date
    score: float | None
    matches_in_document: int = 1
    first_of_document: bool = True
    #: read by OCR from a scan: the text may have errors
    ocr: bool = False

    @property
    def rtl(self) -> bool:
        """Shown right to left: a Persian passage (or one mostly in Arabic script)."""
        return passage_is_rtl(self.text, self.language)


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
    #: (word as typed, other spellings also searched)
    variants: tuple[tuple[str, tuple[str, ...]], ...] = ()
    notes: tuple[str, ...] = ()
    #: when nothing matches every word: the same words joined by OR, and how many passages match
    any_words: str | None = None
    any_words_total: int = 0
    #: the search ran out of time: counts and results are what was found until then
    partial: bool = False
    #: what the corpus says of each listed passage's document, for citing it
    works: dict[str, Work] = field(default_factory=dict)
    #: matching passages of documents without a date (the year facet's "undated" entry)
    undated: int = 0

    def work(self, hit: Hit) -> Work:
        return work_for(hit, self.works)


@dataclass
class Export:
    """Every matching passage (up to a cap), for download."""

    request: SearchRequest
    total: int
    cap: int
    hits: list[Hit]
    partial: bool = False
    #: each exported passage's document, in the order of first appearance
    works: dict[str, Work] = field(default_factory=dict)

    def work(self, hit: Hit) -> Work:
        return work_for(hit, self.works)

    @property
    def capped(self) -> bool:
        return self.total > len(self.hits)


def work_for(hit: Hit, works: dict[str, Work]) -> Work:
    """Return the work of a hit's document; a document removed while the search ran is
    described by what its passage says."""
    found = works.get(hit.doc_id)
    if found is not None:
        return found
    url = hit.url if is_http_url(hit.url) else None
    return Work(
        hit.doc_id, hit.title, hit.source, hit.language, hit.source_type, date=hit.date, url=url
    )


def works_of(hits: list[Hit], documents: dict[str, dict[str, Any]]) -> dict[str, Work]:
    """Return the works of the hits' documents, in the order of their first hit."""
    doc_ids = dict.fromkeys(hit.doc_id for hit in hits if hit.doc_id in documents)
    return {doc_id: work_of(documents, doc_id) for doc_id in doc_ids}
