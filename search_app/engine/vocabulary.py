"""The words of one field, indexed so that prefix and fuzzy lookups never scan them all.

Whoosh finds the words within ``~2`` of a word by computing the edit distance to every word of
the field, in Python: on a vocabulary of 300,000 words five fuzzy words took 20 seconds. A
:class:`Vocabulary` is built once per index state (with numpy, about a second for 300,000
words) and answers the same questions from two indexes:

- the words, sorted: a prefix is a range found by bisection;
- which words hold each pair of adjacent letters (the word padded with a start and an end mark):
  a word within ``d`` edits of a query word shares all but at most ``2 * d`` of the query's
  distinct pairs (one edit breaks at most two pairs), so only words sharing enough pairs, of a
  length within ``d`` of the query's, are compared. For short query words that bound says
  nothing, and the words of the few possible lengths are compared instead.

Candidates are compared with the Levenshtein distance Whoosh uses (a swap of two letters is two
edits), computed for all candidates of one length at once.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Iterable

import numpy as np
from whoosh.reading import IndexReader

#: Marks around a word for its pairs of letters: above every Unicode code point.
_START, _END = 0x110000, 0x110001
_BASE = 0x110002


class Vocabulary:
    """The words of one field of one index state, with their frequencies."""

    def __init__(self, entries: Iterable[tuple[str, int, float]]) -> None:
        """Index ``entries`` of (word, passages holding it, times it occurs), in word order."""
        words: list[str] = []
        doc_freq: list[int] = []
        freq: list[float] = []
        for word, docs, weight in entries:
            words.append(word)
            doc_freq.append(docs)
            freq.append(weight)
        self.words = words
        self.doc_frequency = np.asarray(doc_freq, dtype=np.int64)
        self.frequency = np.asarray(freq, dtype=np.float64)
        count = len(words)
        encoded = "".join(words).encode("utf-32-le")
        codes = np.frombuffer(encoded, dtype=np.uint32).astype(np.int64)
        self.lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=count)
        starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=starts[1:])
        # the words of each length as rows of a matrix of code points
        self._by_length: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for length in np.unique(self.lengths).tolist():
            ids = np.flatnonzero(self.lengths == length)
            rows = codes[starts[ids][:, None] + np.arange(length)] if length else codes[:0]
            self._by_length[length] = (ids, rows.reshape(len(ids), length))
        self._row = np.zeros(count, dtype=np.int64)
        for ids, _rows in self._by_length.values():
            self._row[ids] = np.arange(len(ids))
        # pairs of letters: every word padded as START, letters..., END
        padded = np.full(len(codes) + 2 * count, _END, dtype=np.int64)
        padded_starts = starts[:-1] + 2 * np.arange(count)
        padded[padded_starts] = _START
        inner = np.repeat(padded_starts + 1 - starts[:-1], self.lengths)
        padded[np.arange(len(codes)) + inner] = codes
        owner = np.repeat(np.arange(count), self.lengths + 2)
        same_word = owner[:-1] == owner[1:]
        keys = (padded[:-1] * _BASE + padded[1:])[same_word]
        pair_owner = owner[:-1][same_word]
        combined = np.sort(keys * max(count, 1) + pair_owner)  # by pair, then by word
        combined = combined[_firsts(combined)]  # one entry per word and pair
        self._pair_owner = combined % max(count, 1)
        pairs = combined // max(count, 1)
        self._pair_start = np.flatnonzero(_firsts(pairs))
        self._pairs = pairs[self._pair_start]
        self._pair_end = np.append(self._pair_start[1:], len(combined))

    @classmethod
    def of(cls, reader: IndexReader, fieldname: str) -> Vocabulary:
        """Read the words of ``fieldname`` from ``reader``, once."""
        if fieldname not in reader.schema or not reader.doc_count_all():
            return cls([])
        field = reader.schema[fieldname]
        return cls(
            (field.from_bytes(btext), info.doc_frequency(), info.weight())
            for btext, info in reader.iter_field(fieldname)
        )

    def __len__(self) -> int:
        return len(self.words)

    def prefixed(self, prefix: str) -> np.ndarray:
        """Return the ids of the words starting with ``prefix``."""
        first = bisect.bisect_left(self.words, prefix)
        last = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo=first)
        return np.arange(first, last)

    def within(
        self, word: str, maxdist: int, prefix: int = 0, deadline: float = math.inf
    ) -> tuple[np.ndarray, bool]:
        """Return the ids of the words within ``maxdist`` edits of ``word`` that share its first
        ``prefix`` letters, and whether ``deadline`` (``time.monotonic()``) cut the search."""
        length = len(word)
        pairs = _pairs(word)
        needed = len(pairs) - 2 * maxdist
        low, high = max(0, length - maxdist), length + maxdist
        if needed > 0:
            at = np.minimum(np.searchsorted(self._pairs, pairs), max(len(self._pairs) - 1, 0))
            known = at[self._pairs[at] == pairs] if len(self._pairs) else at[:0]
            found = [self._pair_owner[self._pair_start[i] : self._pair_end[i]] for i in known]
            shared = np.bincount(
                np.concatenate(found) if found else np.zeros(0, np.int64), minlength=len(self)
            )
            candidates = np.flatnonzero(shared >= needed)
            lengths = self.lengths[candidates]
            candidates = candidates[(lengths >= low) & (lengths <= high)]
        else:  # a short word: every word of a possible length is a candidate
            candidates = np.flatnonzero((self.lengths >= low) & (self.lengths <= high))
        if prefix:  # the words sharing the prefix are a range of the sorted words
            shared = self.prefixed(word[:prefix])
            first, last = (shared[0], shared[-1]) if len(shared) else (0, -1)
            candidates = candidates[(candidates >= first) & (candidates <= last)]
        query = np.frombuffer(word.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        close: list[np.ndarray] = []
        lengths = self.lengths[candidates]
        for size in np.unique(lengths).tolist():
            if time.monotonic() > deadline:
                return np.sort(np.concatenate(close)) if close else candidates[:0], True
            ids = candidates[lengths == size]
            rows = self._by_length[size][1][self._row[ids]]
            close.append(ids[_distances(query, rows, maxdist) <= maxdist])
        return (np.sort(np.concatenate(close)) if close else candidates[:0]), False


def _firsts(ordered: np.ndarray) -> np.ndarray:
    """Mark the first of each run of equal values in a sorted array (a faster ``np.unique``)."""
    return np.concatenate(([True], ordered[1:] != ordered[:-1])) if len(ordered) else ordered > 0


def _pairs(word: str) -> np.ndarray:
    """Return the distinct pairs of adjacent letters of ``word``, padded, as sorted keys."""
    codes = [_START, *map(ord, word), _END]
    return np.unique(np.asarray([a * _BASE + b for a, b in zip(codes, codes[1:], strict=False)]))


def _distances(query: np.ndarray, rows: np.ndarray, limit: int) -> np.ndarray:
    """Return the Levenshtein distance from ``query`` to each row (words of one length); any
    distance over ``limit`` may be returned as ``limit + 1``."""
    count, width = rows.shape
    previous = np.tile(np.arange(width + 1), (count, 1))
    for position, letter in enumerate(query.tolist(), start=1):
        current = np.empty_like(previous)
        current[:, 0] = position
        current[:, 1:] = np.minimum(previous[:, 1:] + 1, previous[:, :-1] + (rows != letter))
        for column in range(1, width + 1):  # an insertion carries along the row
            np.minimum(current[:, column], current[:, column - 1] + 1, out=current[:, column])
        previous = current
        if previous.min(initial=limit + 1) > limit:  # every row is already too far
            return np.full(count, limit + 1)
    return previous[:, width]
