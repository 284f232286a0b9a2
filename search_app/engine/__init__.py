"""The search engine: documents in, an index on disk, queries in, plain-data result pages out.

Building: :mod:`.analysis` (words, stems, Persian folding), :mod:`.schema`, :mod:`.postings` (the
posting pool of full builds), :mod:`.indexing` (full builds and incremental updates) and
:mod:`.generations` (generation folders, the ``CURRENT`` pointer, the build lock).
Searching: :mod:`.readers` (:class:`SearchIndex`: open generations, caches, damage),
:mod:`.queries` (the query language) and :mod:`.expanding` (prefixes, fuzzy words and
suggestions from :mod:`.vocabulary`), :mod:`.postinglists`, :mod:`.matching` and :mod:`.arrays`
(queries evaluated on whole posting lists), :mod:`.ranking`, :mod:`.highlighting`,
:mod:`.searching` (:func:`search` → :mod:`.results`), :mod:`.facets`, :mod:`.spread` (words
spread over a document), :mod:`.mentioning` and :mod:`.entities` (the register's names),
:mod:`.documents` (one document's page), :mod:`.batching` (lists of names), :mod:`.exporting`,
:mod:`.citations` and :mod:`.result_json` (downloads, citations, the API's JSON).
Nothing here imports Flask or click.
"""

from search_app.engine.indexing import IndexReport, StrictModeError, build_index
from search_app.engine.queries import QueryError
from search_app.engine.readers import IndexUnavailable, SearchIndex
from search_app.engine.results import ResultPage, SearchRequest
from search_app.engine.searching import search

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
