"""The web layer: a Flask blueprint of HTML pages, the JSON API, downloads and OpenSearch.

A thin layer over :mod:`search_app.engine`: :mod:`.params` reads and canonicalises the query
string, :mod:`.links` builds links, :mod:`.views`, :mod:`.batch` and :mod:`.entities` are the
routes, :mod:`.guards` turns errors into pages and applies rate limits (:mod:`.ratelimit`) and
security headers, and :mod:`.serving` runs it all under waitress. Exports ``bp`` (with every route
and guard registered), ``TEMPLATE_HELPERS``, ``as_markup`` and ``without_bidi_controls`` (every
printed value passes through it) for :func:`search_app.create_app`.
"""

from search_app.web import batch, entities, guards  # noqa: F401 (routes and hooks register on bp)
from search_app.web.views import TEMPLATE_HELPERS, as_markup, bp, without_bidi_controls

__all__ = ["TEMPLATE_HELPERS", "as_markup", "bp", "without_bidi_controls"]
