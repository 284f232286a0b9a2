"""Whole documents and the corpus overview, read from the index generation being served.

A document page is rebuilt from the passages stored in the index, not from the corpus file, so
its passage numbers always agree with the search results that link to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh import query as wq

from search_app.config import Settings
from search_app.corpus.rendering import markdown_to_html, text_to_html, transform_text_nodes
from search_app.engine.entities import NameLinker
from search_app.engine.facets import FacetValue
from search_app.engine.highlighting import Highlighter
from search_app.engine.queries import cap_expansions, parse
from search_app.engine.readers import SearchIndex
from search_app.engine.searching import DEFAULTS


@dataclass(frozen=True)
class DocumentPassage:
    number: int
    html: str
    matched: bool
    page: int | None = None


@dataclass(frozen=True)
class DocumentSummary:
    doc_id: str
    title: str
    source: str
    date: str | None
    language: str
    passages: int


def _summary(doc_id: str, entry: dict[str, Any]) -> DocumentSummary:
    return DocumentSummary(
        doc_id=doc_id,
        title=entry["title"],
        source=entry["source"],
        date=entry.get("date"),
        language=entry.get("language", "en"),
        passages=entry["passages"],
    )


@dataclass
class DocumentView:
    """A whole document, passage by passage, with query terms marked, and its relations."""

    doc_id: str
    title: str
    source: str
    source_type: str | None
    date: str | None
    language: str
    url: str | None
    author: str | None
    tags: list[str]
    passages: list[DocumentPassage]
    #: markdown, text, pdf or html: what the original file in the corpus is
    format: str = "markdown"
    #: the document this one is cited in, and the documents that say they are cited in this one
    cited_in: DocumentSummary | None = None
    cites: list[DocumentSummary] = field(default_factory=list)
    translation_of: DocumentSummary | None = None
    #: who translated it, when it is a translation
    translator: str | None = None

    @property
    def matched(self) -> list[int]:
        return [p.number for p in self.passages if p.matched]


@dataclass(frozen=True)
class Overview:
    generation: str
    documents: int
    passages: int
    sources: list[FacetValue]
    listing: list[DocumentSummary]


def get_document(
    index: SearchIndex,
    doc_id: str,
    q: str | None = None,
    exact: bool = False,
    limits: Settings = DEFAULTS,
    entity_href: Callable[[str], str] | None = None,
) -> DocumentView | None:
    """Return the document ``doc_id`` as passages of safe HTML, or ``None`` if there is none.

    With ``q``, the words it matches are marked (as on the result page, variants included)
    and the matching passages are flagged. With ``entity_href`` (an entry's id -> its page),
    the names of the register link to their pages.

    :raises QueryError: when ``q`` is given and cannot be searched.
    """
    parsed = None
    if q and q.strip():
        parsed = parse(
            q,
            exact=exact,
            variants=index.variants(),
            max_length=limits.max_query_length,
            title_boost=limits.title_boost,
        )
    with index.searcher() as (generation, searcher):
        passages_found = searcher.search(wq.Term("doc_id", doc_id), limit=None)
        if passages_found.is_empty():
            return None
        matched: set[int] = set()
        highlighter = Highlighter()
        names = None
        if entity_href is not None and generation.register.entries:
            names = NameLinker(generation.finder, entity_href)
        if parsed is not None:
            vocabulary_of = index.arrays(searcher).vocabulary_of(searcher)
            query = cap_expansions(parsed, searcher.reader(), vocabulary_of).query
            hits = searcher.search(query, filter=wq.Term("doc_id", doc_id), limit=None)
            matched = {hit["number"] for hit in hits}
            highlighter = Highlighter.for_query(query, searcher.reader())
        passages = []
        in_order = sorted((hit.fields() for hit in passages_found), key=itemgetter("number"))
        for fields in in_order:
            if fields.get("markdown") is not None:
                rendered = markdown_to_html(fields["markdown"])
            else:
                rendered = text_to_html(fields["text"])
            outside_links = highlighter.mark
            if names is not None:
                outside_links = partial(names.link, mark=highlighter.mark)
            passages.append(
                DocumentPassage(
                    number=fields["number"],
                    html=transform_text_nodes(rendered, outside_links, highlighter.mark),
                    matched=fields["number"] in matched,
                    page=fields.get("page"),
                )
            )
        documents = generation.documents
        entry = documents[doc_id]

        def related(other: str | None) -> DocumentSummary | None:
            return _summary(other, documents[other]) if other in documents else None

        return DocumentView(
            doc_id=doc_id,
            title=entry["title"],
            source=entry["source"],
            source_type=entry.get("source_type"),
            date=entry.get("date"),
            language=entry.get("language", "en"),
            url=entry.get("url"),
            author=entry.get("author"),
            tags=entry.get("tags", []),
            passages=passages,
            format=entry.get("format", "markdown"),
            cited_in=related(entry.get("cited_in")),
            cites=[_summary(i, e) for i, e in documents.items() if e.get("cited_in") == doc_id],
            translation_of=related(entry.get("translation_of")),
            translator=entry.get("translator") if entry.get("translation_of") else None,
        )


def overview(index: SearchIndex, listed: int = 100) -> Overview:
    """Summarise the indexed corpus: counts, sources, and the newest ``listed`` documents."""
    with index.searcher() as (generation, searcher):
        counts: dict[str, int] = {}
        for entry in generation.documents.values():
            counts[entry["source"]] = counts.get(entry["source"], 0) + 1
        summaries = sorted(
            (_summary(doc_id, entry) for doc_id, entry in generation.documents.items()),
            key=lambda d: (d.date or "", d.title),
            reverse=True,
        )
        return Overview(
            generation=generation.name,
            documents=len(generation.documents),
            passages=searcher.doc_count(),
            sources=[
                FacetValue(s, c) for s, c in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
            ],
            listing=summaries[:listed],
        )


def stats(index: SearchIndex) -> tuple[str, int, int]:
    """Return the generation served, and how many documents and passages it holds.

    It reads a stored passage and a term list, so that a damaged index shows here too.
    """
    with index.searcher() as (generation, searcher):
        count = searcher.doc_count()
        if count:
            searcher.stored_fields(0)
            next(iter(searcher.reader().lexicon("doc_id")), None)
        return generation.name, len(generation.documents), count


def original_file(index: SearchIndex, corpus_dir: Path, doc_id: str) -> Path | None:
    """Return the corpus file a document was indexed from, if it is still there."""
    with index.searcher() as (generation, _searcher):
        entry = generation.documents.get(doc_id)
    if entry is None:
        return None
    root = corpus_dir.resolve()
    path = (root / entry["path"]).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None
