"""Ranking statistics of the passages an index holds now, however it got there.

Whoosh ranks with statistics of its segments: how many documents, how many hold a word, how long
a field is on average. An update deletes a changed document's passages only by marking them, and
Whoosh keeps counting them, so after updates an index ranked otherwise than a full build of the
same corpus. :class:`CorpusSearcher` gives the scoring model the statistics of the live passages
instead: their number, the live passages holding a word, and the exact total length of each field
(kept per document in the manifest, since a deleted passage's exact length is gone from the
index). Without deletions these are Whoosh's own, and it is not consulted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

#: Each document's manifest entry keeps its passages' total length in each scored field here.
LENGTHS = "lengths"


def field_totals(documents: Iterable[Mapping[str, Any]]) -> dict[str, int] | None:
    """Sum the per-document field lengths of manifest entries; ``None`` when an entry (of an
    index built before they were kept) has none."""
    totals: dict[str, int] = {}
    for entry in documents:
        lengths = entry.get(LENGTHS)
        if lengths is None:
            return None
        for fieldname, length in lengths.items():
            totals[fieldname] = totals.get(fieldname, 0) + length
    return totals


def live_doc_frequency(reader: IndexReader, fieldname: str, text: Any) -> int:
    """Count the live documents that hold a term (Whoosh counts deleted ones too)."""
    total = 0
    for leaf, _offset in reader.leaf_readers():
        if not leaf.has_deletions():
            total += leaf.doc_frequency(fieldname, text)
            continue
        try:
            matcher = leaf.postings(fieldname, text)  # deleted documents filtered out
        except TermNotFound:
            continue
        total += sum(1 for _ in matcher.all_ids())
    return total


class _LiveCounts:
    """What a weighting model's ``idf`` reads of a searcher, counting live documents only."""

    def __init__(self, searcher: CorpusSearcher) -> None:
        self._reader = searcher.reader()

    def get_parent(self) -> _LiveCounts:
        return self

    def doc_count_all(self) -> int:
        return self._reader.doc_count()

    def doc_frequency(self, fieldname: str, text: Any) -> int:
        return live_doc_frequency(self._reader, fieldname, text)


class CorpusSearcher(Searcher):
    """A Whoosh searcher that scores with the statistics of the live passages: an updated index
    ranks as a full build of the same corpus does."""

    def __init__(
        self, reader: IndexReader, field_totals: dict[str, int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(reader, **kwargs)
        self._field_totals = field_totals

    def _deletions(self) -> bool:
        return self.ixreader.has_deletions()

    def idf(self, fieldname: str, text: Any) -> float:
        if self.has_parent():
            return self.get_parent().idf(fieldname, text)
        if not self._deletions():
            return super().idf(fieldname, text)
        key = (fieldname, text)
        if key not in self._idf_cache:
            # the weighting model's own formula, on live counts
            self._idf_cache[key] = self.weighting.idf(_LiveCounts(self), fieldname, text)
        return self._idf_cache[key]

    def avg_field_length(self, fieldname: str, default: float | None = None) -> float | None:
        if self.has_parent():
            return self.get_parent().avg_field_length(fieldname, default)
        if not self.schema[fieldname].scorable:
            return default
        if not self._deletions() or self._field_totals is None:
            return super().avg_field_length(fieldname, default)
        return self._field_totals.get(fieldname, 0) / (self.ixreader.doc_count() or 1)
