"""People, places, organisations and events: facets, entity pages and co-mentions.

Each passage records at index time which entries of the register it names (the ``entities``
field, :mod:`search_app.names.mentions`). Counting the entries named in a result, the passages
that name an entry, or the entries named beside it is then arithmetic on one array of
(passage, entry) pairs (:class:`search_app.engine.arrays.Mentions`), never another search.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import query as wq

from search_app.corpus.loading import Document
from search_app.corpus.solar_calendar import iso_span
from search_app.engine.analysis import exact_words
from search_app.engine.arrays import Mentions
from search_app.engine.matching import Matches
from search_app.engine.mentioning import mention_finder, mentions_in, named_in
from search_app.engine.readers import SearchIndex
from search_app.names.mentions import MentionFinder
from search_app.names.register import KINDS, Entry, Register

#: Entries listed in a facet, most mentioned first.
FACET_SIZE = 10


def spelling_query(spellings: Iterable[str]) -> wq.Query:
    """Return a query for the passages that write one of these spellings (as whole words)."""
    parts: list[wq.Query] = []
    for spelling in spellings:
        words = [word for word, _, _ in exact_words(spelling)]
        if len(words) == 1:
            parts.append(wq.Term("text_exact", words[0]))
        elif words:
            parts.append(wq.Phrase("text_exact", words))
    return wq.Or(parts)


@dataclass(frozen=True)
class Named:
    """An entry and how many passages name it."""

    entry: Entry
    count: int


def count_by_kind(mentions: Mentions, found: Matches, register: Register) -> dict[str, list[Named]]:
    """Count the matching passages that name each entry, by kind; most named first."""
    counts = mentions.count(found.ids)
    by_kind: dict[str, list[Named]] = {}
    for kind in KINDS:
        named = [Named(e, counts[e.slug]) for e in register.of_kind(kind) if counts.get(e.slug)]
        named.sort(key=lambda item: (-item.count, item.entry.name))
        if named:
            by_kind[kind] = named[:FACET_SIZE]
    return by_kind


@dataclass
class EntityPage:
    """What the corpus says about one entry: where, when, how written, and with whom."""

    entry: Entry
    passages: int
    documents: int
    #: (spelling, passages that write it), most frequent first
    spellings: list[tuple[str, int]] = field(default_factory=list)
    #: (source, passages), most first
    by_source: list[tuple[str, int]] = field(default_factory=list)
    #: (year, passages), in order; undated passages are left out
    by_year: list[tuple[int, int]] = field(default_factory=list)
    undated: int = 0
    #: the entries most often named in the same passages
    co_mentions: list[Named] = field(default_factory=list)


def _year(entry: dict[str, Any] | None) -> int | None:
    date = (entry or {}).get("date")
    return iso_span(date)[0].year if date else None


def _written_forms(index: SearchIndex, entry: Entry) -> list[str]:
    """Return the entry's spellings, then the index's other spellings of its one-word ones (the
    forms its name key found: ``khomeyni`` for ``Khomeini``), each written one way only."""

    def words(text: str) -> tuple[str, ...]:
        return tuple(word for word, _, _ in exact_words(text))

    forms: dict[tuple[str, ...], str] = {}
    for spelling in entry.spellings:
        forms.setdefault(words(spelling), spelling)
    grouped = index.variants().spellings
    for spelling in entry.spellings:
        if len(words(spelling)) == 1:
            for other in grouped.others(spelling):
                forms.setdefault(words(other), other)
    return list(forms.values())


def entity_page(index: SearchIndex, slug: str, co_mentions: int = 12) -> EntityPage | None:
    """Return what the index knows about the entry ``slug``, or ``None`` if there is none."""
    with index.searcher() as (generation, searcher):
        register = generation.register
        entry = register.get(slug)
        if entry is None:
            return None
        arrays = index.arrays(searcher)
        mentions = arrays.mentions(searcher)
        naming = mentions.passages_naming(slug)
        documents = arrays.doc_of_passage[naming]
        per_document = Counter(documents.tolist())
        page = EntityPage(entry, len(naming), len(per_document))
        by_source: Counter[str] = Counter()
        by_year: Counter[int] = Counter()
        for number, count in per_document.items():
            manifest_entry = generation.documents.get(arrays.doc_ids[number])
            if manifest_entry is None:  # removed while this page was built
                continue
            by_source[manifest_entry["source"]] += count
            year = _year(manifest_entry)
            if year is None:
                page.undated += count
            else:
                by_year[year] += count
        page.by_source = sorted(by_source.items(), key=lambda item: (-item[1], item[0]))
        page.by_year = sorted(by_year.items())
        for spelling in _written_forms(index, entry):
            written, _ = arrays.matches(searcher, spelling_query([spelling]))
            count = int(np.isin(written.ids, naming).sum())
            if count:
                page.spellings.append((spelling, count))
        page.spellings.sort(key=lambda item: -item[1])
        beside = mentions.count(naming)
        beside.pop(slug, None)
        named = [Named(e, n) for other, n in beside.items() if (e := register.get(other))]
        named.sort(key=lambda item: (-item.count, item.entry.name))
        page.co_mentions = named[:co_mentions]
        return page


def register_counts(index: SearchIndex) -> list[Named]:
    """Return every entry of the register with the number of passages that name it."""
    with index.searcher() as (generation, searcher):
        arrays = index.arrays(searcher)
        counts = arrays.mentions(searcher).count(np.arange(searcher.doc_count_all()))
        return [Named(entry, counts.get(entry.slug, 0)) for entry in generation.register.entries]


def unmentioned(register: Register, documents: Iterable[Document]) -> list[Entry]:
    """Return the entries that no passage of ``documents`` names (a typo in a spelling?)."""
    finder = mention_finder(register)
    named: set[str] = set()
    for document in documents:
        for passage in document.passages:
            named.update(named_in(finder, passage.text))
    return [entry for entry in register.entries if entry.slug not in named]


class NameLinker:
    """Turn the register's names in a text into links to their pages (HTML, escaped)."""

    def __init__(self, finder: MentionFinder, href: Callable[[str], str]) -> None:
        self.finder = finder
        self.href = href

    def link(self, text: str, mark: Callable[[str], str]) -> str:
        """Return ``text`` as HTML: each name a link, the rest through ``mark`` (which escapes
        and highlights; a name's words are highlighted inside its link)."""
        mentions, spans = mentions_in(self.finder, text)
        out: list[str] = []
        position = 0
        for mention in mentions:
            start, end = spans[mention.start][0], spans[mention.end - 1][1]
            href = html.escape(self.href(mention.slugs[0]))
            out.append(mark(text[position:start]))
            out.append(f'<a class="name" href="{href}">{mark(text[start:end])}</a>')
            position = end
        out.append(mark(text[position:]))
        return "".join(out)
