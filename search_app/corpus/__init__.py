"""The corpus: files on disk → documents with metadata → passages.

:mod:`.loading` finds document files and reads them (:func:`load_corpus`, :func:`scan_corpus`,
:func:`load_document`); :mod:`.metadata` reads and checks front matter and sidecars;
:mod:`.extraction` takes the text out of PDFs and web pages; :mod:`.passages` cuts text into
passages; :mod:`.rendering` turns Markdown into safe HTML and plain text; :mod:`.solar_calendar`
converts dates; :mod:`.intake` is ``search-app add``. Nothing here knows about the index.
"""

from search_app.corpus.loading import (
    DOCUMENT_SUFFIXES,
    Corpus,
    CorpusFile,
    Document,
    Scan,
    load_corpus,
    load_document,
    scan_corpus,
)
from search_app.corpus.metadata import (
    LANGUAGES,
    SOURCE_TYPES,
    DocumentError,
    Metadata,
    Problem,
    parse_date,
    parse_metadata,
)
from search_app.corpus.passages import Passage

__all__ = [
    "DOCUMENT_SUFFIXES",
    "LANGUAGES",
    "SOURCE_TYPES",
    "Corpus",
    "CorpusFile",
    "Document",
    "DocumentError",
    "Metadata",
    "Passage",
    "Problem",
    "Scan",
    "load_corpus",
    "load_document",
    "parse_date",
    "parse_metadata",
    "scan_corpus",
]
