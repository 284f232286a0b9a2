"""Search the index: parse, filter, rank, collapse, count facets, highlight.

What a search returns is plain data (:mod:`search_app.engine.results`), built while the Whoosh
searcher is open. Access to the index being served is
:class:`search_app.engine.readers.SearchIndex`.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import replace
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from search_app.config import Settings
from search_app.corpus.solar_calendar import day_number, parse_year_span
from search_app.engine.arrays import IndexArrays
from search_app.engine.entities import spelling_query
from search_app.engine.expanding import cap_expansions, suggest
from search_app.engine.facets import count_facets
from search_app.engine.generations import Generation
from search_app.engine.highlighting import Highlighter
from search_app.engine.matching import Matches
from search_app.engine.queries import ParsedQuery, QueryError, exact_terms, parse
from search_app.engine.ranking import with_document_evidence
from search_app.engine.readers import SearchIndex
from search_app.engine.results import (
    FILTER_FIELDS,
    FILTERS,
    SORTS,
    WITHIN,
    Export,
    Hit,
    ResultPage,
    SearchRequest,
    works_of,
)
from search_app.engine.schema import stored

DEFAULTS = Settings()
#: Fewer matches than this and the page suggests a spelling.
SUGGEST_BELOW = 3


def passage_filter(request: SearchRequest) -> wq.Query | None:
    parts: list[wq.Query] = []
    for name in FILTERS:
        value = getattr(request, name)
        if value is not None:
            parts.append(wq.Term(FILTER_FIELDS[name], value))
    if request.doc is not None:
        parts.append(wq.Term("doc_id", request.doc))
    if request.within == "passage":  # else each entity is a part of the query (spread)
        parts.extend(wq.Term("entities", slug) for slug in request.entities)
    if request.year_from is not None:  # documents whose date reaches into the span
        first = year_span(request.year_from)[0]
        parts.append(wq.NumericRange("date_end", day_number(first), None))
    if request.year_to is not None:
        last = year_span(request.year_to)[1]
        parts.append(wq.NumericRange("date_start", None, day_number(last)))
    return wq.And(parts) if parts else None


def hit_from_fields(fields: dict[str, Any], score: float | None, highlighter: Highlighter) -> Hit:
    return Hit(
        doc_id=fields["doc_id"],
        passage=fields["number"],
        title=fields["title"],
        source=fields["source_facet"],
        source_type=stored(fields, "source_type"),
        date=stored(fields, "date"),
        language=fields["language"],
        url=stored(fields, "url"),
        page=fields.get("page"),
        text=fields["text"],
        highlight=highlighter.mark(fields["text"]),
        score=round(score, 4) if isinstance(score, float | int) else None,
        ocr=bool(fields.get("ocr")),
    )


def marked_query(query: wq.Query, request: SearchRequest, generation: Generation) -> wq.Query:
    """Return what passages should show marked: the query's words, and the spellings of the
    entities the request filters by."""
    entries = [generation.register.get(slug) for slug in request.entities]
    spellings = [s for entry in entries if entry is not None for s in entry.spellings]
    return wq.Or([query, spelling_query(spellings)]) if spellings else query


def parse_request(index: SearchIndex, request: SearchRequest, limits: Settings) -> ParsedQuery:
    if request.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {request.sort!r}.")
    if request.page < 1:
        raise QueryError("Page numbers start at 1.")
    if request.entities:  # the register is read only when names are asked for
        register = index.register()
        for slug in request.entities:
            if register.get(slug) is None:
                raise QueryError(
                    f"The register of names has no entry {slug!r}: pick one from the list of names."
                )
    if request.entities and not request.q.strip():  # every passage that names them
        terms = [wq.Term("entities", slug) for slug in request.entities]
        return ParsedQuery("", terms[0] if len(terms) == 1 else wq.And(terms))
    return parse(
        request.q,
        exact=request.exact,
        variants=index.variants(),
        max_length=limits.max_query_length,
        title_boost=limits.title_boost,
    )


def search(
    index: SearchIndex,
    request: SearchRequest,
    limits: Settings = DEFAULTS,
    deadline: float | None = None,
) -> ResultPage:
    """Run ``request`` and return one page of passages, a few at most per document; with
    ``within="document"``, one page of documents in which the words may be spread.

    Every stage (listing the words of prefixes and fuzzy words, matching, the "any of these
    words" offer, the spelling suggestion) shares one time budget: ``limits.search_seconds``
    from now, or ``deadline`` (``time.monotonic()``) if it is sooner. A page cut short by it
    is ``partial``.

    :raises QueryError: when the query or a parameter cannot be searched.
    :raises IndexUnavailable: when there is no usable index.
    """
    if request.within not in WITHIN:
        raise QueryError(f"within must be one of {', '.join(WITHIN)}, not {request.within!r}.")
    budget = time.monotonic() + limits.search_seconds
    deadline = budget if deadline is None else min(deadline, budget)
    if request.within == "document":
        # imported here: the document-wide search is built on this module's helpers
        from search_app.engine.spread import search_documents

        return index.cached(
            request, limits, lambda: search_documents(index, request, limits, deadline)
        )
    return index.cached(request, limits, lambda: _search(index, request, limits, deadline))


def _search(
    index: SearchIndex, request: SearchRequest, limits: Settings, deadline: float
) -> ResultPage:
    parsed = parse_request(index, request, limits)
    page_size = limits.page_size
    with index.searcher() as (generation, searcher):
        parsed, found, partial = _scored(index, searcher, parsed, request, limits, deadline)
        query = parsed.query
        arrays = index.arrays(searcher)
        words = arrays.words(searcher)
        filter_query = passage_filter(request)
        # matches are counted by document: the facets follow from the documents' metadata
        per_doc = arrays.document_counts(found)
        cap = None if request.doc else limits.per_document
        listed = arrays.best(
            found, request.page * page_size, cap, date_order(arrays, generation, request.sort)
        )
        # the length of the list after at most per_document passages of each document
        listed_total = int(np.minimum(per_doc, cap).sum() if cap else per_doc.sum())
        highlighter = Highlighter.for_query(
            marked_query(query, request, generation), searcher.reader()
        )
        hits: list[Hit] = []
        seen: set[str] = set()
        for docnum, score in listed[(request.page - 1) * page_size :]:
            relevance = score if request.sort == "relevance" else None
            found_hit = hit_from_fields(searcher.stored_fields(docnum), relevance, highlighter)
            hits.append(
                replace(
                    found_hit,
                    matches_in_document=int(per_doc[arrays.doc_of_passage[docnum]]),
                    first_of_document=found_hit.doc_id not in seen,
                )
            )
            seen.add(found_hit.doc_id)
        total = len(found.ids)
        any_words, any_total, suggestion = None, 0, None
        # the offer and the suggestion only in the time left: past it the page is partial
        if total == 0 and len(parsed.plain_words) > 1 and not partial:
            partial = time.monotonic() > deadline
            if not partial:
                any_words = " OR ".join(parsed.plain_words)
                offer = parse(
                    any_words,
                    exact=request.exact,
                    variants=index.variants(),
                    max_length=10**6,
                    title_boost=limits.title_boost,
                )
                any_found, partial = arrays.matches(searcher, offer.query, filter_query, deadline)
                any_total = 0 if partial else len(any_found.ids)
        if total < SUGGEST_BELOW and not partial:
            suggestion = suggest(parsed, searcher.reader(), words, deadline)
            partial = time.monotonic() > deadline  # some words may not have been looked up
        facets = count_facets(arrays, searcher, found, generation)
        works = works_of(hits, generation.documents)
    return ResultPage(
        undated=total - sum(f.count for f in facets["year"]),
        request=request,
        total=total,
        documents=int(np.count_nonzero(per_doc)),
        page=request.page,
        pages=max(1, math.ceil(listed_total / page_size)),
        hits=hits,
        facets=facets,
        suggestion=suggestion,
        variants=parsed.variants,
        notes=parsed.notes,
        any_words=any_words if any_total else None,
        any_words_total=any_total,
        partial=partial,
        works=works,
    )


def _scored(
    index: SearchIndex,
    searcher: Searcher,
    parsed: ParsedQuery,
    request: SearchRequest,
    limits: Settings,
    deadline: float = math.inf,
) -> tuple[ParsedQuery, Matches, bool]:
    """Match ``parsed`` (expansions capped) within the request's filters and score every
    passage, with its document's evidence when sorting by relevance; say if time ran out."""
    arrays = index.arrays(searcher)
    parsed = cap_expansions(parsed, arrays.words(searcher), deadline)
    found, partial = arrays.matches(searcher, parsed.query, passage_filter(request), deadline)
    partial = partial or parsed.partial
    if request.sort == "relevance":
        weight = limits.document_weight
        found = with_document_evidence(arrays, searcher, parsed.query, found, weight)
    return parsed, found, partial


def best_documents(
    index: SearchIndex, request: SearchRequest, wanted: int, limits: Settings = DEFAULTS
) -> list[tuple[str, float]]:
    """Return the ``wanted`` best documents for ``request`` with their scores, each ranked by
    its best passage, as the result page ranks them but without building one (to measure
    rankings).

    :raises QueryError: when the query or a parameter cannot be searched.
    """
    parsed = parse_request(index, request, limits)
    with index.searcher() as (generation, searcher):
        _parsed, found, _partial = _scored(index, searcher, parsed, request, limits)
        arrays = index.arrays(searcher)
        listed = arrays.best(found, wanted, 1, date_order(arrays, generation, request.sort))
        return [(arrays.doc_ids[arrays.doc_of_passage[n]], score) for n, score in listed]


def date_order(arrays: IndexArrays, generation: Generation, sort: str) -> np.ndarray | None:
    """Rank documents for a sort by date (undated last), or ``None`` for relevance."""
    if sort == "relevance":
        return None
    return arrays.date_order(generation.documents, newest=sort == "newest")


def export(
    index: SearchIndex, request: SearchRequest, cap: int, limits: Settings = DEFAULTS
) -> Export:
    """Return every matching passage in result order (not collapsed), at most ``cap``.

    :raises QueryError: when the query or a parameter cannot be searched.
    """
    parsed = parse_request(index, request, limits)
    deadline = time.monotonic() + limits.search_seconds
    with index.searcher() as (generation, searcher):
        parsed, found, partial = _scored(index, searcher, parsed, request, limits, deadline)
        arrays = index.arrays(searcher)
        listed = arrays.best(found, cap, None, date_order(arrays, generation, request.sort))
        highlighter = Highlighter.for_query(
            marked_query(parsed.query, request, generation), searcher.reader()
        )
        by_relevance = request.sort == "relevance"
        hits = [
            hit_from_fields(searcher.stored_fields(n), score if by_relevance else None, highlighter)
            for n, score in listed
        ]
        return Export(
            request=request,
            total=len(found.ids),
            cap=cap,
            hits=hits,
            partial=partial,
            works=works_of(hits, generation.documents),
        )


def complete(index: SearchIndex, typed: str, limit: int = 8, scan: int = 2000) -> list[str]:
    """Complete the last word of ``typed`` from the index's words, most frequent first."""
    head, _, last = typed.rstrip().rpartition(" ") if typed.strip() else ("", "", "")
    terms = exact_terms(last)
    if len(terms) != 1 or not typed[-1:].strip():
        return []
    with index.searcher() as (_generation, searcher):
        reader = searcher.reader()
        candidates = []
        for number, word in enumerate(reader.expand_prefix("text_exact", terms[0])):
            if number >= scan:
                break
            text = word.decode("utf-8") if isinstance(word, bytes) else word
            candidates.append((-reader.doc_frequency("text_exact", text), text))
    prefix = f"{head} " if head else ""
    return [prefix + text for _, text in sorted(candidates)[:limit]]


def parse_year(value: str | None, name: str) -> int | None:
    """Read a year parameter: Gregorian (``1988``) or Solar Hijri (``1367``), in any digits.

    :raises QueryError: when it is not a year.
    """
    if value is None or not value.strip():
        return None
    try:
        return parse_year_span(value)[0]
    except ValueError:
        raise QueryError(
            f"{name} must be a year such as 1988 or (Solar Hijri) 1367, not {value!r}."
        ) from None


def year_span(year: int) -> tuple[dt.date, dt.date]:
    """Return the days a year filter covers; 1200-1499 are Solar Hijri years."""
    return parse_year_span(str(year))[1:]
