"""Posting lists and length columns read off Whoosh's segment files whole, as arrays.

Whoosh reads postings one at a time through its matchers; here a term's posting list is read in
one read and its blocks are unpacked whole (what is private to Whoosh's ``W3LeafMatcher`` and its
file layout is read here, in this module only).
"""

from __future__ import annotations

import io
import pickle
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE, unpack_int
from whoosh.util.numeric import byte_to_length

#: A block's documents, weights and encoded values.
Block = tuple[np.ndarray, np.ndarray, tuple[Any, ...]]
#: What an unpacked value (encoded positions, in a tuple) costs in memory, about.
VALUE_BYTES = 60

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


class PostingList:
    """One term's postings in one segment, read off Whoosh's postings file in one read; each
    block is unpacked when first asked for, and kept.

    Whoosh's matcher steps from block to block, unpickling each block's header a few bytes at a
    time through the file. The layout read here is that of Whoosh's W3 codec
    (``W3PostingsWriter._write_block``): after a 4-byte tag, each block is a signed length
    (negative for the last block), a pickled tuple of block statistics, and the block's data: a
    pickled (and, as the statistics say, compressed) tuple of delta-coded documents, weights and
    values. Deleted documents are left in (the live mask drops them once).
    """

    def __init__(self, raw: bytes, lasts: list[int], extents: list[tuple[int, int, int]]) -> None:
        self._raw = raw
        self._lasts = np.array(lasts, dtype=np.int64)
        self._extents = extents  # (data start, data end, compression) of each block
        self._blocks: dict[int, Block] = {}
        #: bytes held, about (what the posting lists phrases keep are counted by)
        self.size = len(raw) + 16 * len(lasts)
        #: told how many bytes an unpacked block adds, while the list is kept
        self.on_grow: Callable[[int], None] | None = None

    @classmethod
    def read(cls, matcher: Any) -> PostingList:
        """Read a term's postings off its matcher in a segment: whole, in one read, when they
        are in the postings file; one by one when the term index holds them inline."""
        if not isinstance(matcher, W3LeafMatcher):
            return cls._inline(matcher)
        # the matcher read the 4-byte tag: the blocks start after it
        start = matcher._baseoffset
        length = matcher._length  # a 1-tuple, as Whoosh's term info unpacks it
        length = length[0] if isinstance(length, tuple) else length
        raw = matcher._postfile.get(start, matcher._startoffset + length - start)
        stream = io.BytesIO(raw)
        lasts: list[int] = []
        extents: list[tuple[int, int, int]] = []
        position = 0
        while position < len(raw):
            block_length = unpack_int(raw[position : position + _INT_SIZE])[0]
            end = position + _INT_SIZE + abs(block_length)
            stream.seek(position + _INT_SIZE)
            _count, last, _max_weight, compression, _min, _max = pickle.load(stream)
            lasts.append(last)
            extents.append((stream.tell(), end, compression))
            position = end
            if block_length < 0:
                break
        return cls(raw, lasts, extents)

    @classmethod
    def _inline(cls, matcher: Any) -> PostingList:
        ids: list[int] = []
        weights: list[float] = []
        values: list[Any] = []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            values.append(matcher.value())
            matcher.next()
        found = cls(b"", [ids[-1]] if ids else [], [])
        if ids:
            found._blocks[0] = (np.array(ids, np.int64), np.array(weights), tuple(values))
        return found

    def everything(self) -> tuple[np.ndarray, np.ndarray]:
        """Return every posting's document and weight."""
        blocks = [self.block(n) for n in range(len(self._lasts))]
        if not blocks:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])

    def values_of(self, wanted: np.ndarray) -> Iterator[tuple[int, bytes]]:
        """Yield (document, encoded value) for each of the ``wanted`` documents (ascending)
        that the term is in; only the blocks that may hold them are unpacked."""
        if not len(wanted):
            return
        which = np.searchsorted(self._lasts, wanted)  # ascending, as ``wanted`` is
        for n in which[np.concatenate(([True], which[1:] != which[:-1]))].tolist():
            if n >= len(self._lasts):
                break
            ids, _weights, values = self.block(n)
            at = np.minimum(np.searchsorted(wanted, ids), len(wanted) - 1)
            for i in np.flatnonzero(wanted[at] == ids).tolist():
                yield int(ids[i]), values[i]

    def block(self, n: int) -> Block:
        """Return block ``n``'s documents, weights and encoded values."""
        found = self._blocks.get(n)
        if found is not None:
            return found
        start, end, compression = self._extents[n]
        data = self._raw[start:end]
        gaps, weights, values = pickle.loads(zlib.decompress(data) if compression else data)
        ids = np.cumsum(gaps, dtype=np.int64)
        if weights is None:  # every weight 1, or all alike: Whoosh's shortening
            weights = np.ones(len(ids))
        elif isinstance(weights, float):
            weights = np.full(len(ids), weights)
        else:
            weights = np.array(weights, dtype=np.float64)
        found = self._blocks.setdefault(n, (ids, weights, values or ()))
        on_grow = self.on_grow
        if found[0] is ids and on_grow is not None:  # unpacked here, not by another thread
            added = 24 * len(ids) + VALUE_BYTES * len(found[2])
            self.size += added
            on_grow(added)
        return found
