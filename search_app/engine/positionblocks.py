"""The posting lists phrases read, kept per index state.

A phrase reads the positions of its words in every passage that holds them all. Whoosh keeps a
posting's positions in its posting block, pickled and compressed with the block's documents and
weights: on the Linux documentation (175,604 passages) ``"device tree"`` took 14 ms, most of it
stepping through and decompressing about 80 blocks. The posting lists phrases read
(:class:`search_app.engine.postinglists.PostingList`: read in one read, a block unpacked when
first needed) are kept here, least recently used out first, up to a number of bytes counted as
their blocks are unpacked, so phrases of words searched before unpack no block again (the terms'
documents and weights are kept the same way by :class:`search_app.engine.arrays.IndexArrays`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from whoosh.searching import Searcher

from search_app.engine.postinglists import PostingList, segment_postings

#: Bytes of posting lists (with their unpacked blocks) kept per index state.
MAX_KEPT_BYTES = 48_000_000
#: Terms kept per index state, at most.
MAX_KEPT_TERMS = 2048

#: (first document number of a segment, its document count, the term's postings there)
Parts = list[tuple[int, int, PostingList]]


class PositionBlocks:
    """Posting lists read for phrases, shared by the threads of one index state."""

    def __init__(self, max_bytes: int = MAX_KEPT_BYTES) -> None:
        self._terms: OrderedDict[tuple[str, str], Parts] = OrderedDict()
        self._max = max_bytes
        self._kept = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._terms)

    @property
    def kept_bytes(self) -> int:
        """The bytes the kept posting lists hold, as counted."""
        return self._kept

    def term(self, searcher: Searcher, fieldname: str, text: str) -> Parts:
        """Return (first document number, document count, postings) for each segment that
        holds the term."""
        key = (fieldname, text)
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
        found = [
            (offset, count, PostingList.read(matcher))
            for matcher, offset, count in segment_postings(searcher, fieldname, text)
        ]
        with self._lock:
            if key in self._terms:  # another thread read it meanwhile
                return self._terms[key]
            self._terms[key] = found
            for _offset, _count, postings in found:
                postings.on_grow = self._grew
                self._kept += postings.size
            self._trim()
        return found

    def _grew(self, added: int) -> None:
        with self._lock:
            self._kept += added
            self._trim()

    def _trim(self) -> None:
        """Drop the least recently used terms past the limits (the lock held)."""
        while (self._kept > self._max or len(self._terms) > MAX_KEPT_TERMS) and len(
            self._terms
        ) > 1:
            _key, dropped = self._terms.popitem(last=False)
            for _offset, _count, postings in dropped:
                postings.on_grow = None
                self._kept -= postings.size
