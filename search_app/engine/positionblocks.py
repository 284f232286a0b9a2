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

import functools

from whoosh.searching import Searcher

from search_app.engine.keeping import Kept
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
        self._kept: Kept[Parts] = Kept(max_bytes, _size, MAX_KEPT_TERMS, _forget)

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def kept_bytes(self) -> int:
        """The bytes the kept posting lists hold, as counted."""
        return self._kept.total_cost

    def term(self, searcher: Searcher, fieldname: str, text: str) -> Parts:
        """Return (first document number, document count, postings) for each segment that
        holds the term."""
        key = (fieldname, text)
        found = self._kept.get(key)
        if found is not None:
            return found
        found = [
            (offset, count, PostingList.read(matcher))
            for matcher, offset, count in segment_postings(searcher, fieldname, text)
        ]
        for _offset, _count, postings in found:  # blocks unpacked later count too
            postings.on_grow = functools.partial(self._kept.grew, key)
        kept = self._kept.keep(key, found)
        if kept is not found:  # another thread read it meanwhile
            _forget(found)
        return kept


def _size(parts: Parts) -> int:
    return sum(postings.size for _offset, _count, postings in parts)


def _forget(parts: Parts) -> None:
    """A term's lists, no longer kept: their blocks no longer count."""
    for _offset, _count, postings in parts:
        postings.on_grow = None
