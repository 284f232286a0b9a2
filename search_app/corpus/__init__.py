"""The corpus: files on disk → documents with metadata → passages.

:mod:`.scanning` finds document files (:func:`scan_corpus`); :mod:`.loading` reads one
(:func:`load_document`), merging folder defaults (:mod:`.defaults`), what files say about
themselves, and sidecars; :mod:`.files` reads them whole, e-mails' attachments too
(:func:`load_corpus`); :mod:`.metadata` reads and checks front matter and sidecars;
:mod:`.reading` picks the reader of each format: :mod:`.extraction` (PDFs, web pages),
:mod:`.office` (Word, OpenDocument, EPUB), :mod:`.mail` (e-mails), :mod:`.ocr` (scans, with
Tesseract), :mod:`.encodings` (plain text); :mod:`.language` tells Persian from English by
script; :mod:`.passages` cuts text into passages; :mod:`.rendering` turns Markdown into safe
HTML and plain text; :mod:`.solar_calendar` converts dates; :mod:`.intake` is
``search-app add``. Nothing here knows about the index.
"""

from search_app.corpus.files import Corpus, load_corpus
from search_app.corpus.loading import Document, load_document
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
from search_app.corpus.reading import DOCUMENT_SUFFIXES
from search_app.corpus.scanning import CorpusFile, Scan, scan_corpus

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
