"""Links between pages: to a passage, to a result page, and to a facet value's filter; and the
public address that absolute links start with.

Result pages carry about a hundred links (one per facet value), so the query string of each is
encoded once, as ``url_for`` would, without its routing cost (tested equal to ``url_for``'s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from flask import request, url_for

from search_app.engine.documents import passage_location, query_string
from search_app.engine.results import SearchRequest
from search_app.web.params import canonical_args, query_items


def _per_request(name: str, make: Callable[[], str]) -> str:
    """Return the start of a kind of link, made once per request: kept in the request's own
    environment (Flask's ``g`` belongs to the application context, which requests may share)."""
    key = f"search_app.links.{name}"
    environ = request.environ
    found = environ.get(key)
    if found is None:
        found = environ[key] = make()
    return found


_DOC_ID = "\x00"  # where the document id goes in a passage link (url_for escapes it: %00)


def passage_link(
    doc_id: str, number: int, q: str | None, exact: bool = False, external: bool = False
) -> str:
    """Link to one passage of a document, with the query's words marked there; as ``url_for``
    builds it, without its routing cost (a result page has two for each passage).

    A passage past the first part of a long document carries its part (``part=N``); links to
    the first part are as they always were.
    """
    base = _per_request(
        f"document_base_{external}",
        lambda: url_for("search.document", doc_id=_DOC_ID, _external=external).split("%00")[0],
    )
    return base + passage_location(doc_id, number, q, exact)


def link_builder(req: SearchRequest) -> Callable[[str, int, str], str]:
    """Return ``link(doc_id, number, q)``: absolute passage links, with the query's words."""
    return lambda doc_id, number, q: passage_link(doc_id, number, q, req.exact, external=True)


def citation_link_builder(req: SearchRequest, with_query: bool) -> Callable[[str, int, str], str]:
    """Return ``link(doc_id, number, q)`` for citations and downloads: absolute, and without
    the query unless the operator asked for it (search words may be a victim's name)."""
    if with_query:
        return link_builder(req)
    return lambda doc_id, number, _q: passage_link(doc_id, number, None, external=True)


class PublicAddress:
    """WSGI middleware: absolute URLs are built from the public address, never from the ``Host``
    header a client sends (which would let anyone put their own site into a redirect or a
    citation).

    With a public URL, requests are seen as made to it (its scheme and host; its path, if any,
    is where the site is mounted, whether the proxy in front passes it on or strips it). Without
    one, the server's own name and port stand in for the ``Host`` header.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], public_url: str) -> None:
        self.app = app
        parts = urlsplit(public_url) if public_url else None
        self.scheme = parts.scheme if parts else None
        self.host = parts.netloc if parts else None
        self.prefix = parts.path.rstrip("/") if parts else ""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.pop("HTTP_X_FORWARDED_HOST", None)
        if self.host is None:
            environ.pop("HTTP_HOST", None)  # werkzeug falls back to SERVER_NAME:SERVER_PORT
            return self.app(environ, start_response)
        environ["HTTP_HOST"] = self.host
        environ["wsgi.url_scheme"] = self.scheme
        if self.prefix:
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(self.prefix + "/"):
                environ["PATH_INFO"] = path[len(self.prefix) :]
            environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)


def search_url(params: Mapping[str, Any]) -> str:
    """Return the result page's URL for ``params``, encoded as ``url_for`` encodes it, without
    its routing cost: a result page has a link for each facet value, about a hundred."""
    base = _per_request("search_base", lambda: url_for("search.search_page"))
    items = query_items(params)
    return f"{base}?{query_string(items)}" if items else base


_VALUE = object()  # where a facet value goes in a link


def facet_link(req: SearchRequest, name: str) -> Callable[[str, bool], str]:
    """Return ``link(value, selected)``: the link that filters ``req`` by a facet value, or that
    removes the filter when it is the selected one. A page has about a hundred such links, so the
    rest of each link is encoded once."""
    names = ("from", "to") if name == "year" else (name,)
    removed = search_url(canonical_args(req, page=None, **dict.fromkeys(names)))
    items = query_items(canonical_args(req, page=None, **dict.fromkeys(names, _VALUE)))
    first = next(n for n, (key, _value) in enumerate(items) if key == names[0])
    before = query_string(items[:first])
    after = query_string(items[first + len(names) :])
    base = search_url({})

    def link(value: str, selected: bool) -> str:
        if selected:
            return removed
        middle = query_string((key, value) for key in names)
        return base + "?" + "&".join(part for part in (before, middle, after) if part)

    return link


def entity_link(req: SearchRequest) -> Callable[[str, bool], str]:
    """Return ``link(slug, selected)``: the link that also requires an entity, or that drops it
    when it is already required (several entities: passages must name them all). As for
    :func:`facet_link`, what the links share is encoded once."""
    items = query_items(canonical_args(req, page=None, entity=[_VALUE]))
    at = next(n for n, (key, _value) in enumerate(items) if key == "entity")
    before = query_string(items[:at])
    after = query_string(items[at + 1 :])
    base = search_url({})

    def link(slug: str, selected: bool) -> str:
        chosen = set(req.entities) - {slug} if selected else set(req.entities) | {slug}
        middle = query_string(("entity", s) for s in sorted(chosen))
        query = "&".join(part for part in (before, middle, after) if part)
        return f"{base}?{query}" if query else base

    return link


def entity_href(slug: str) -> str:
    """Return the link to an entry's page (its base made once per request)."""
    base = _per_request(
        "entity_base",
        lambda: url_for("search.entity_page_view", slug="_").removesuffix("_"),
    )
    return base + quote(slug, safe="")
