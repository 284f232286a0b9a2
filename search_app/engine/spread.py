"""Searches whose words may be spread over a document (``within=document``).

An ordinary search wants every word in one passage. A researcher asking "which documents name
both Raisi and the Death Commission" wants documents in which each word (and each selected
entity) appears in some passage, not necessarily the same. Each part of the query is matched on
its own; a document qualifies when every part matches one of its passages and no excluded word
does; it ranks by the sum of its best passage's score for each part, and shows that best passage
for each part.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from whoosh import query as wq

from search_app.config import Settings
from search_app.engine.arrays import IndexArrays
from search_app.engine.expanding import cap_expansions
from search_app.engine.facets import count_facets
from search_app.engine.highlighting import Highlighter
from search_app.engine.matching import Matches
from search_app.engine.queries import QueryError
from search_app.engine.readers import SearchIndex
from search_app.engine.results import Hit, ResultPage, SearchRequest
from search_app.engine.searching import (
    date_order,
    hit_from_fields,
    marked_query,
    parse_request,
    passage_filter,
)


def _parts(query: wq.Query, request: SearchRequest) -> tuple[list[wq.Query], list[wq.Query]]:
    """Split a query into the parts each document needs and the parts it must not have."""
    if isinstance(query, wq.AndMaybe):  # the title boost ranks passages, not documents
        query = query.a
    wanted: list[wq.Query] = []
    unwanted: list[wq.Query] = []
    if isinstance(query, wq.AndNot):
        unwanted.append(query.b)
        query = query.a
    for part in query.subqueries if isinstance(query, wq.And) else [query]:
        if isinstance(part, wq.Not):
            unwanted.append(part.query)
        elif not (isinstance(part, wq.Term) and part.fieldname == "entities"):
            wanted.append(part)  # an entity-only query's terms come back just below
    wanted.extend(wq.Term("entities", slug) for slug in request.entities)
    return wanted, unwanted


def _best_per_document(arrays: IndexArrays, found: Matches) -> np.ndarray:
    """Return each document's best passage score for one part (-inf where none matches)."""
    best = np.full(len(arrays.doc_ids), -np.inf)
    np.maximum.at(best, arrays.doc_of_passage[found.ids], found.scores)
    return best


def _best_passage(arrays: IndexArrays, found: Matches, document: int) -> tuple[int, float]:
    inside = arrays.doc_of_passage[found.ids] == document
    ids, scores = found.ids[inside], found.scores[inside]
    at = int(np.argmax(scores))  # the first of equal scores: index order, as Whoosh breaks ties
    return int(ids[at]), float(scores[at])


def search_documents(
    index: SearchIndex, request: SearchRequest, limits: Settings, deadline: float
) -> ResultPage:
    """Return one page of documents in which every part of the query matches some passage,
    within ``deadline`` (``time.monotonic()``; past it the page is partial).

    :raises QueryError: when the query or a parameter cannot be searched.
    """
    parsed = parse_request(index, request, limits)
    with index.searcher() as (generation, searcher):
        arrays = index.arrays(searcher)
        parsed = cap_expansions(parsed, arrays.words(searcher), deadline)
        filter_query = passage_filter(request)
        wanted, unwanted = _parts(parsed.query, request)
        if not wanted:
            raise QueryError("The query has no words to look for in a document.")
        partial = parsed.partial
        matched: list[Matches] = []
        for part in wanted:
            found, cut = arrays.matches(searcher, part, filter_query, deadline)
            matched.append(found)
            partial = partial or cut
        best = [_best_per_document(arrays, found) for found in matched]
        qualifies = np.logical_and.reduce([np.isfinite(b) for b in best])
        for part in unwanted:  # excluded anywhere in a document: the document is out
            found, _ = arrays.matches(searcher, part, filter_query)
            qualifies[arrays.doc_of_passage[found.ids]] = False
        documents = np.flatnonzero(qualifies)
        scores = np.sum([b[documents] for b in best], axis=0)
        keys = [documents, -scores]
        order = date_order(arrays, generation, request.sort)
        if order is not None:
            keys.append(order[documents])
        documents = documents[np.lexsort(keys)]
        union = np.unique(np.concatenate([found.ids for found in matched]))
        union = union[qualifies[arrays.doc_of_passage[union]]]
        per_document = np.bincount(arrays.doc_of_passage[union], minlength=len(arrays.doc_ids))
        highlighter = Highlighter.for_query(
            marked_query(parsed.query, request, generation), searcher.reader()
        )
        start = (request.page - 1) * limits.page_size
        hits: list[Hit] = []
        for document in documents[start : start + limits.page_size].tolist():
            shown: list[int] = []
            for found in matched:
                passage, score = _best_passage(arrays, found, document)
                if passage not in shown:
                    shown.append(passage)
                    relevance = score if request.sort == "relevance" else None
                    hit = hit_from_fields(searcher.stored_fields(passage), relevance, highlighter)
                    hits.append(
                        replace(
                            hit,
                            matches_in_document=int(per_document[document]),
                            first_of_document=len(shown) == 1,
                        )
                    )
        facets = count_facets(arrays, searcher, Matches(union, np.zeros(len(union))), generation)
    return ResultPage(
        request=request,
        total=len(union),
        documents=len(documents),
        page=request.page,
        pages=max(1, math.ceil(len(documents) / limits.page_size)),
        hits=hits,
        facets=facets,
        variants=parsed.variants,
        notes=parsed.notes,
        partial=partial,
    )
