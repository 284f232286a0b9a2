"""What the index keeps of a document: one index document per passage, and a manifest entry.

Shared by full builds (in one process or several: :mod:`search_app.engine.parallel`) and updates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from whoosh.writing import IndexWriter

from search_app.config import Settings
from search_app.corpus.files import load_file
from search_app.corpus.loading import Document
from search_app.corpus.metadata import Problem
from search_app.corpus.scanning import CorpusFile
from search_app.corpus.solar_calendar import day_number, iso_span
from search_app.engine.mentioning import named_in
from search_app.engine.statistics import LENGTHS
from search_app.names.mentions import MentionFinder

Progress = Callable[[int, int], None]


def load_each(
    files: list[CorpusFile],
    limits: Settings,
    problems: list[Problem],
    progress: Progress | None,
    ocr_progress: Progress | None = None,
) -> Iterator[tuple[CorpusFile, list[Document]]]:
    """Load each file's documents (an e-mail's attachments too), adding what cannot be loaded
    to ``problems``."""
    for done, file in enumerate(files, start=1):
        documents, found = load_file(file, limits, ocr_progress)
        problems.extend(found)
        yield file, documents
        if progress is not None:
            progress(done, len(files))


def load_documents(
    files: list[CorpusFile],
    limits: Settings,
    problems: list[Problem],
    progress: Progress | None,
    ocr_progress: Progress | None = None,
) -> Iterator[Document]:
    for _file, documents in load_each(files, limits, problems, progress, ocr_progress):
        yield from documents


def passage_fields(document: Document, finder: MentionFinder) -> Iterator[dict[str, Any]]:
    meta = document.meta
    for passage in document.passages:
        fields: dict[str, Any] = {
            "passage_id": f"{document.doc_id}#{passage.number}",
            "doc_id": document.doc_id,
            "number": passage.number,
            "text": passage.text,
            "text_exact": passage.text,
            "markdown": passage.markdown,
            "title": meta.title,
            "title_exact": meta.title,
            "source": meta.source,
            "source_facet": meta.source,
            "language": meta.language,
            "url": meta.url,
        }
        if finder:
            named = named_in(finder, passage.text)
            if named:
                fields["entities"] = " ".join(named)
        if meta.source_type:
            fields["source_type"] = meta.source_type
        if passage.page is not None:
            fields["page"] = passage.page
        if passage.ocr:
            fields["ocr"] = True
        if meta.date is not None:
            fields["date"] = meta.date
            first, last = iso_span(meta.date)
            fields["date_start"] = day_number(first)
            fields["date_end"] = day_number(last)
        yield fields


def add_document(
    writer: IndexWriter, document: Document, finder: MentionFinder
) -> dict[str, int] | None:
    """Add a document's passages; return the total length of each scored field, when the
    writer tells (:class:`PassageWriter` does; Whoosh's writer, the reference, does not)."""
    totals: dict[str, int] | None = {}
    for fields in passage_fields(document, finder):
        writer.add_document(**fields)
        lengths = getattr(writer, "last_lengths", None)
        if lengths is None or totals is None:
            totals = None
            continue
        for fieldname, length in lengths.items():
            totals[fieldname] = totals.get(fieldname, 0) + length
    return totals


def manifest_entry(document: Document, lengths: dict[str, int] | None) -> dict[str, Any]:
    meta = document.meta
    entry = {
        "path": document.relative_path,
        "hash": document.content_hash,
        "passages": len(document.passages),
        "title": meta.title,
        "source": meta.source,
        "source_type": meta.source_type,
        "date": meta.date,
        "language": meta.language,
        "format": document.format,
        "url": meta.url,
        "author": meta.author,
        "tags": list(meta.tags),
        "cited_in": meta.cited_in,
        "translation_of": meta.translation_of,
        "translator": meta.translator,
        "attached_to": meta.attached_to,
    }
    if document.message is not None:  # an attachment read from its message: where it is
        entry["message"] = document.message
        if document.within:
            entry["within"] = list(document.within)
    if lengths is not None:  # ranking statistics after deletions: search_app.engine.statistics
        entry[LENGTHS] = dict(sorted(lengths.items()))
    return entry
