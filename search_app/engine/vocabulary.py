"""The words of a field, sorted in memory, for spelling suggestions and ``~`` words.

Whoosh finds the words within an edit distance of a word by stepping a Levenshtein automaton
through the term index on disk: each step is a binary search of the file, a read per key. For a
rare word, the one a "Did you mean" is for, that was most of the first search's time (300 ms on
10k passages of the Linux documentation). Here the same automaton steps through a sorted list,
read once per index state (and read ahead when the state opens: see
:meth:`search_app.engine.readers.SearchIndex.arrays`). The words found, and so the suggestion and
the expansions, are Whoosh's.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
from whoosh.reading import IndexReader

#: Stands for "no letter" past the end of a shorter word: no code point equals it.
_NO_LETTER = np.uint32(0xFFFFFFFF)


class Vocabulary:
    """Every word of one field, sorted, with their letters as one array of code points."""

    def __init__(self, reader: IndexReader, fieldname: str) -> None:
        words = (w.decode("utf-8") for w in reader.lexicon(fieldname))
        self.words: list[str] = sorted(set(words))  # several segments list a word again
        self._lengths = np.fromiter(map(len, self.words), np.int64, len(self.words))
        self._starts = np.zeros(len(self.words) + 1, dtype=np.int64)
        np.cumsum(self._lengths, out=self._starts[1:])
        letters = "".join(self.words).encode("utf-32-le")
        self._letters = np.append(np.frombuffer(letters, dtype=np.uint32), _NO_LETTER)

    def within(self, word: str, maxdist: int, prefix: int = 0) -> list[str]:
        """Return the words that start with the first ``prefix`` letters of ``word`` and are at
        most ``maxdist`` edits (insertions, deletions, substitutions; a swap counts two) from
        it, in order: the words Whoosh's Levenshtein automaton finds in its term index
        (``IndexReader.terms_within``), here for every candidate at once with numpy."""
        head, tail = word[:prefix], word[prefix:]
        first = bisect_left(self.words, head)
        last = bisect_left(self.words, head + "\U0010ffff", first) if head else len(self.words)
        while last < len(self.words) and self.words[last].startswith(head):
            last += 1  # words continuing with the highest code point itself
        lengths = self._lengths[first:last] - len(head)
        near = np.flatnonzero(np.abs(lengths - len(tail)) <= maxdist) + first
        if not len(near):
            return []
        sizes = self._lengths[near] - len(head)  # the rest of each candidate, after the prefix
        width = int(sizes.max())
        columns = np.arange(width)
        at = np.minimum(self._starts[near, None] + len(head) + columns, len(self._letters) - 1)
        letters = np.where(columns < sizes[:, None], self._letters[at], _NO_LETTER)
        steps = np.arange(width + 1)
        # Levenshtein distances, one row per letter of ``tail``, every candidate at once
        row = np.broadcast_to(steps, (len(near), width + 1))
        for i, letter in enumerate(map(ord, tail), start=1):
            replaced = row[:, :-1] + (letters != letter)
            removed = row[:, 1:] + 1
            best = np.minimum(replaced, removed)
            # inserting: cur[j] = min(best[j], cur[j-1] + 1), a running minimum of best[j] - j
            shifted = np.concatenate([np.full((len(near), 1), i), best], axis=1) - np.arange(
                width + 1
            )
            row = np.minimum.accumulate(shifted, axis=1) + np.arange(width + 1)
        distances = row[np.arange(len(near)), sizes]
        return [self.words[n] for n in near[distances <= maxdist].tolist()]


def closest(
    vocabulary: Vocabulary, reader: IndexReader, fieldname: str, word: str, maxdist: int = 2
) -> str | None:
    """Return the word Whoosh's ``ReaderCorrector`` suggests first for ``word``: of the words
    within ``maxdist`` edits sharing its first letter, the most frequent (ties: the last in
    order), never ``word`` itself."""
    scored = [
        (0 - (maxdist + (1.0 / (reader.frequency(fieldname, found) or 1) * 0.5)), found)
        for found in vocabulary.within(word, maxdist, prefix=1)
        if found != word
    ]  # Whoosh's score, written as it writes it
    return max(scored)[1] if scored else None
