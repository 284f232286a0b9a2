"""The search engine: documents in, an index on disk, queries in, plain-data result pages out.

Building: :mod:`.analysis` (words, stems, Persian folding), :mod:`.schema`, :mod:`.postings` (the
posting pool of full builds), :mod:`.indexing` (full builds and incremental updates) and
:mod:`.generations` (generation folders, the ``CURRENT`` pointer, the build lock).
Searching: :mod:`.readers` (:class:`SearchIndex`: open generations, caches, damage),
:mod:`.queries` (the query language), :mod:`.postinglists`, :mod:`.matching` and :mod:`.arrays`
(queries evaluated on whole posting lists), :mod:`.ranking`, :mod:`.highlighting`,
:mod:`.searching` (:func:`search` → :class:`ResultPage`), :mod:`.documents` (one document's
page), :mod:`.batching` (lists of names) and :mod:`.exporting` (CSV, JSON, citations).
Nothing here imports Flask or click.
"""

from search_app.engine.indexing import IndexReport, StrictModeError, build_index
from search_app.engine.queries import QueryError
from search_app.engine.readers import IndexUnavailable, SearchIndex
from search_app.engine.searching import ResultPage, SearchRequest, search

__all__ = [
    "IndexReport",
    "IndexUnavailable",
    "QueryError",
    "ResultPage",
    "SearchIndex",
    "SearchRequest",
    "StrictModeError",
    "build_index",
    "search",
]
