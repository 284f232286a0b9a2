"""Posting lists and length columns read off Whoosh's segment files whole, as arrays.

Whoosh reads postings one at a time through its matchers; here whole blocks are read at once
(through the private parts of its ``W3LeafMatcher``, which is why this lives in one module).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

#: The field length that each one-byte code of a length column stands for.
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def reader_state(reader: IndexReader) -> tuple[tuple[str, int], ...]:
    """Identify what a reader reads: its segments and how many deletions each has."""
    state = []
    for leaf, _offset in reader.leaf_readers():
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        state.append((segment.segment_id(), segment.deleted_count()) if segment else ("", 0))
    return tuple(state)


def column_bytes(perdoc: Any, column: str) -> np.ndarray:
    """Read a one-byte-per-document length column whole (Whoosh reads it one value at a time)."""
    reader = perdoc.column_reader(column, LENGTHS_COLUMN)
    codes = np.zeros(reader._doccount, dtype=np.uint8)  # missing trailing values are 0
    stored = reader._dbfile.get(reader._basepos, reader._count)
    codes[: len(stored)] = np.frombuffer(stored, dtype=np.uint8)
    return codes


def segment_postings(
    searcher: Searcher, fieldname: str, text: str
) -> Iterator[tuple[Any, int, int]]:
    """Yield (posting matcher, first document number, document count) for each segment that
    holds the term; deleted documents are left in (the live mask drops them once)."""
    for leaf, offset in searcher.reader().leaf_readers():
        try:
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child
        yield matcher, offset, leaf.doc_count_all()


def blocks(matcher: W3LeafMatcher) -> Iterator[int]:
    """Step through the blocks of an on-disk posting list, yielding the first document number
    each block can hold; the caller reads what it needs of the block (Whoosh's private API)."""
    first = 0
    while matcher.is_active():
        yield first
        if matcher._lastblock:
            return
        first = matcher._maxid + 1
        matcher._next_block()


def values_of(matcher: Any, wanted: np.ndarray) -> Iterator[tuple[int, bytes]]:
    """Yield (document, encoded value) for the ``wanted`` documents of a posting list."""
    if isinstance(matcher, W3LeafMatcher):  # whole blocks, skipping those without any wanted
        for first in blocks(matcher):
            last = matcher._maxid
            if np.searchsorted(wanted, first) < np.searchsorted(wanted, last, side="right"):
                matcher._read_ids()
                matcher._read_values()
                ids = np.asarray(matcher._ids)
                at = np.minimum(np.searchsorted(wanted, ids), len(wanted) - 1)
                for i in np.flatnonzero(wanted[at] == ids).tolist():
                    yield int(ids[i]), matcher._values[i]
        return
    wanted_set = set(wanted.tolist())
    while matcher.is_active():
        if matcher.id() in wanted_set:
            yield matcher.id(), matcher.value()
        matcher.next()


def append_postings(matcher: Any, offset: int, ids: list[int], weights: list[float]) -> None:
    if isinstance(matcher, W3LeafMatcher):  # whole blocks at once
        for _first in blocks(matcher):
            matcher._read_ids()
            matcher._read_weights()
            start = matcher._i
            ids.extend(docnum + offset for docnum in matcher._ids[start:])
            weights.extend(matcher._weights[start:])
        return
    while matcher.is_active():  # short lists kept inline in the term index
        ids.append(matcher.id() + offset)
        weights.append(matcher.weight())
        matcher.next()
