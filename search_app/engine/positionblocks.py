"""The positions a phrase reads, from posting lists read whole and kept per index state.

A phrase reads the positions of its words in every passage that holds them all. Whoosh keeps a
posting's positions in its posting block, pickled and compressed with the block's documents and
weights, and steps from block to block through its matcher, unpickling each block's header from
the file a few bytes at a time. On the Linux documentation (175,604 passages) ``"device tree"``
took 14 ms, most of it stepping through and decompressing about 80 blocks. Here a term's posting
list in a segment is read in one read, its block headers are read from memory, and a block is
unpacked the first time a phrase needs it. Terms are kept, least recently used out first, up to a
number of bytes, so phrases of words searched before unpack no block again (the terms' documents
and weights are kept the same way by :class:`search_app.engine.arrays.IndexArrays`).

The block layout read here is that of Whoosh's W3 codec (``W3PostingsWriter._write_block``):
after a 4-byte tag, each block is a signed length (negative for the last block), a pickled tuple
of block statistics and the block's data, a pickled (and, as the statistics say, compressed)
tuple of delta-coded documents, weights and values.
"""

from __future__ import annotations

import io
import pickle
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE, unpack_int

from search_app.engine.postinglists import segment_postings

#: Bytes of posting lists (and unpacked values, about 60 bytes each) kept per index state.
MAX_KEPT_BYTES = 48_000_000
#: What an unpacked value (encoded positions, in a tuple) costs in memory, about.
VALUE_BYTES = 60
#: Terms kept per index state, at most.
MAX_KEPT_TERMS = 2048


class TermPositions:
    """One term's postings in one segment: the documents of each block, and each block's values
    (encoded positions) unpacked when first asked for."""

    def __init__(self, raw: bytes | None, lasts: list[int], extents: list[tuple[int, int, int]]):
        self._raw = raw
        self._lasts = np.array(lasts, dtype=np.int64)
        self._extents = extents  # (data start, data end, compression) of each block
        self._blocks: dict[int, tuple[np.ndarray, tuple[bytes, ...]]] = {}
        self.size = (len(raw) if raw else 0) + 16 * len(lasts)

    @classmethod
    def read(cls, matcher: Any) -> TermPositions:
        """Read a term's postings off a segment's matcher: whole, in one read, when they are in
        the postings file; one by one when the term index holds them inline."""
        if not isinstance(matcher, W3LeafMatcher):
            ids: list[int] = []
            values: list[bytes] = []
            while matcher.is_active():
                ids.append(matcher.id())
                values.append(matcher.value())
                matcher.next()
            inline = cls(None, [ids[-1]] if ids else [], [])
            if ids:
                inline._blocks[0] = (np.array(ids, dtype=np.int64), tuple(values))
                inline.size += VALUE_BYTES * len(ids)
            return inline
        # the tag's 4 bytes were read by the matcher: the blocks start after them
        start = matcher._baseoffset
        length = matcher._length  # a 1-tuple, as Whoosh's term info unpacks it
        length = length[0] if isinstance(length, tuple) else length
        raw = matcher._postfile.get(start, matcher._startoffset + length - start)
        stream = io.BytesIO(raw)
        lasts: list[int] = []
        extents: list[tuple[int, int, int]] = []
        position = 0
        while position < len(raw):
            length = unpack_int(raw[position : position + _INT_SIZE])[0]
            end = position + _INT_SIZE + abs(length)
            stream.seek(position + _INT_SIZE)
            _count, last, _max_weight, compression, _min, _max = pickle.load(stream)
            lasts.append(last)
            extents.append((stream.tell(), end, compression))
            position = end
            if length < 0:
                break
        return cls(raw, lasts, extents)

    def values_of(self, wanted: np.ndarray) -> Iterator[tuple[int, bytes]]:
        """Yield (document, encoded value) for each of the ``wanted`` documents (ascending)
        that the term is in."""
        if not len(wanted):
            return
        blocks = np.searchsorted(self._lasts, wanted)  # ascending, as ``wanted`` is
        for block in blocks[np.concatenate(([True], blocks[1:] != blocks[:-1]))].tolist():
            if block >= len(self._lasts):
                break
            ids, values = self._block(block)
            at = np.minimum(np.searchsorted(wanted, ids), len(wanted) - 1)
            for i in np.flatnonzero(wanted[at] == ids).tolist():
                yield int(ids[i]), values[i]

    def _block(self, block: int) -> tuple[np.ndarray, tuple[bytes, ...]]:
        found = self._blocks.get(block)
        if found is None:
            assert self._raw is not None
            start, end, compression = self._extents[block]
            data = self._raw[start:end]
            gaps, _weights, values = pickle.loads(zlib.decompress(data) if compression else data)
            found = self._blocks[block] = (np.cumsum(gaps, dtype=np.int64), values)
            self.size += VALUE_BYTES * len(values)  # read by the cache as it drops terms
        return found


class PositionBlocks:
    """Posting lists read for phrases, kept for the threads of one index state."""

    def __init__(self, max_bytes: int = MAX_KEPT_BYTES) -> None:
        self._terms: OrderedDict[tuple[str, str], list[tuple[int, int, TermPositions]]] = (
            OrderedDict()
        )
        self._max = max_bytes
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._terms)

    def term(
        self, searcher: Searcher, fieldname: str, text: str
    ) -> list[tuple[int, int, TermPositions]]:
        """Return (first document number, document count, postings) for each segment that
        holds the term."""
        key = (fieldname, text)
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
        found = [
            (offset, count, TermPositions.read(matcher))
            for matcher, offset, count in segment_postings(searcher, fieldname, text)
        ]
        with self._lock:
            self._terms[key] = found
            kept = sum(part.size for parts in self._terms.values() for _o, _c, part in parts)
            while (kept > self._max or len(self._terms) > MAX_KEPT_TERMS) and len(self._terms) > 1:
                _key, dropped = self._terms.popitem(last=False)
                kept -= sum(part.size for _o, _c, part in dropped)
        return found
