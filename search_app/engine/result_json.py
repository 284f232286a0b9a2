"""Results in the JSON shape of the external contract (``/api/search``, downloads, the CLI).

Links are made by the caller (``link(doc_id, passage, q)``): the web layer's are absolute, the
CLI's are paths or start with the public address. Only http(s) URLs are passed on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search_app.corpus.rendering import is_http_url
from search_app.engine.results import Hit, ResultPage

LinkBuilder = Callable[[str, int, str], str]


def hit_as_dict(hit: Hit, q: str, link: LinkBuilder) -> dict[str, Any]:
    """Return one result in the JSON shape of the external contract."""
    return {
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
        "ocr": hit.ocr,
    }


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
        "results": [hit_as_dict(hit, q, link) for hit in result.hits],
        "facets": {
            name: [value.as_dict() for value in values] for name, values in result.facets.items()
        },
        "suggestion": result.suggestion,
        "partial": result.partial,
        "variants": [{"word": word, "also": list(also)} for word, also in result.variants],
        "notes": list(result.notes),
        "undated": result.undated,
    }
