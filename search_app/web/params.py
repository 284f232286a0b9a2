"""Request parameters: read once, validated, and written back in one canonical form.

All state lives in the query string, so every page is a link that can be shared. Parameters are
read once, in :func:`read_request`, into a :class:`SearchRequest`; a URL that is not canonical
(:func:`canonical_args`) is redirected to the one that is. A bad value is a :class:`BadRequest`
that says what to change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from search_app.config import Settings
from search_app.engine.queries import QueryError
from search_app.engine.readers import SearchIndex
from search_app.engine.results import FILTERS, SORTS, WITHIN, SearchRequest
from search_app.engine.searching import parse_year, year_span

#: Query-string parameters of a search, in their canonical order.
PARAMETERS = ("q", *FILTERS, "from", "to", "doc", "entity", "within", "sort", "exact", "page")
#: Parameters that may be given several times (each a filter that must hold).
REPEATABLE = {"entity"}
#: Most entities one search may require.
MAX_ENTITIES = 10
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


MAX_PARAMETER_LENGTH = 300
_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() accepts "²"


def settings() -> Settings:
    """Return the running application's settings."""
    return current_app.extensions["search_app.settings"]


def search_index() -> SearchIndex:
    """Return the running application's index."""
    return current_app.extensions["search_app.index"]


@dataclass(frozen=True)
class BadRequest(Exception):
    """A parameter that cannot be used: a 400 page (or JSON) with ``message``."""

    message: str


def single(args: Mapping[str, Any], name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"Give {name!r} once, not {len(values)} times.")
    value = values[0].strip() if values else ""
    if len(value) > MAX_PARAMETER_LENGTH and name != "q":
        raise BadRequest(f"{name!r} is too long (over {MAX_PARAMETER_LENGTH} characters).")
    return value or None


def exact_switch(args: Mapping[str, Any]) -> bool:
    """Read the ``exact`` switch: 1 on, 0 or absent off."""
    value = single(args, "exact")
    if value not in (None, "1", "0"):
        raise BadRequest(f"exact must be 1 (on) or 0 (off), not {value!r}.")
    return value == "1"


def read_request(args: Mapping[str, Any]) -> SearchRequest:
    """Read and validate the search parameters of a query string.

    :raises BadRequest: naming the parameter that is wrong.
    """
    values = {name: single(args, name) for name in PARAMETERS if name not in REPEATABLE}
    page_text = values["page"] or "1"
    if not _NUMBER.fullmatch(page_text) or not 1 <= int(page_text) <= settings().max_page:
        raise BadRequest(
            f"page must be a number from 1 to {settings().max_page}, not {page_text!r}."
        )
    try:
        year_from = parse_year(values["from"], "from")
        year_to = parse_year(values["to"], "to")
    except QueryError as error:
        raise BadRequest(str(error)) from None
    if year_from is not None and year_to is not None:
        if year_span(year_from)[0] > year_span(year_to)[1]:
            raise BadRequest(f"from ({year_from}) is after to ({year_to}): swap them.")
    sort = values["sort"] or "relevance"
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not {sort!r}.")
    within = values["within"] or "passage"
    if within not in WITHIN:
        raise BadRequest(f"within must be one of {', '.join(WITHIN)}, not {within!r}.")
    return SearchRequest(
        q=values["q"] or "",
        page=int(page_text),
        source=values["source"],
        source_type=values["source_type"],
        language=values["language"],
        year_from=year_from,
        year_to=year_to,
        doc=values["doc"],
        sort=sort,
        exact=exact_switch(args),
        entities=entities(args),
        within=within,
    )


def entities(args: Mapping[str, Any]) -> tuple[str, ...]:
    """Read the ``entity`` filters: register ids, each given once or more, kept sorted."""
    given = [value.strip() for value in args.getlist("entity") if value.strip()]
    for value in given:
        if not _SLUG.fullmatch(value) or len(value) > MAX_PARAMETER_LENGTH:
            raise BadRequest(
                f"entity must be the id of a name in the register (such as ebrahim-raisi), "
                f"not {value[:60]!r}."
            )
    chosen = tuple(sorted(set(given)))
    if len(chosen) > MAX_ENTITIES:
        raise BadRequest(f"Choose at most {MAX_ENTITIES} names, not {len(chosen)}.")
    return chosen


def canonical_args(req: SearchRequest, **changes: Any) -> dict[str, Any]:
    """Return the query-string parameters of ``req`` (with ``changes``), defaults left out."""
    values: dict[str, Any] = {
        "q": req.q,
        "source": req.source,
        "source_type": req.source_type,
        "language": req.language,
        "from": req.year_from,
        "to": req.year_to,
        "doc": req.doc,
        "entity": list(req.entities),
        "within": req.within if req.within != "passage" else None,
        "sort": req.sort if req.sort != "relevance" else None,
        "exact": 1 if req.exact else None,
        "page": req.page if req.page != 1 else None,
    }
    values.update(changes)
    names = (*PARAMETERS, "format")  # a download link is a result page's link plus its format
    return {name: values[name] for name in names if values.get(name) not in (None, "", [], ())}


def query_items(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return a query string's (name, value) pairs in order, a list value once per item."""
    items = []
    for name, value in params.items():
        for one in value if isinstance(value, list | tuple) else [value]:
            if one is not None:
                items.append((name, str(one)))
    return items


def is_canonical(args: Mapping[str, Any], canonical: dict[str, Any]) -> bool:
    """Tell whether a query string is exactly its canonical form, in order."""
    return list(args.items(multi=True)) == query_items(canonical)
