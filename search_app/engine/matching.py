"""A parsed query evaluated on whole posting lists: set operations on arrays of passages.

A query (words, ``And``, ``Or``, ``AndNot``, ``AndMaybe``, ``Require``, phrases) is evaluated on
arrays: each word's posting list is read once, scored with Whoosh's own BM25F formula and
statistics, and combined with set operations; a phrase's word positions are read only for the
passages that hold all its words. The result is the same set of passages with the same scores as
Whoosh's. Any other kind of query part is matched by Whoosh's own matcher.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

if TYPE_CHECKING:  # the arrays call the evaluation, which reads postings through them
    from search_app.engine.arrays import IndexArrays

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
#: Passages whose word positions are compared between two looks at the time limit.
PHRASE_CHUNK = 2048


@dataclass(frozen=True)
class Matches:
    """Matching passages (index document numbers, ascending) and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> Matches:
        return cls(_EMPTY_IDS, np.zeros(0))


class Evaluation:
    """One query evaluated on the arrays: words on whole posting lists, phrases on the positions
    of their candidates, anything else by Whoosh's matcher; the last two until the deadline."""

    def __init__(self, arrays: IndexArrays, searcher: Searcher, deadline: float) -> None:
        self.arrays = arrays
        self.searcher = searcher
        self.deadline = deadline
        self.partial = False

    def evaluate(self, node: wq.Query, within: np.ndarray | None = None) -> Matches:
        """Return what ``node`` matches; ``within``, when given, are the only passages that
        matter (the rest of an AND), which saves matching phrases elsewhere."""
        if isinstance(node, wq.CompoundQuery) and len(node.subqueries) < 2:
            # as Whoosh does: one part stands for the whole (its boost too), none matches nothing
            if not node.subqueries:
                return Matches.empty()
            return self.evaluate(node.subqueries[0], within)
        if isinstance(node, wq.Term):
            found = self._term(node.fieldname, node.text)
        elif isinstance(node, wq.Phrase) and node.slop == 1:
            found = self._phrase(node.fieldname, node.words, within)
        elif isinstance(node, wq.And):
            found = self._and(node.subqueries, within)
        elif type(node) is wq.Or and not node.minmatch and not node.scale:
            found = _union([self.evaluate(sub, within) for sub in node.subqueries])
        elif isinstance(node, wq.AndNot):
            found = self.evaluate(node.a, within)
            found = _without(found, self._excluded(node.b, found.ids))
        elif isinstance(node, wq.AndMaybe):
            found = self.evaluate(node.a, within)
            found = _maybe(found, self.evaluate(node.b, found.ids))
        elif isinstance(node, wq.Require):
            found = self.evaluate(node.a, within)
            found = _require(found, self.evaluate(node.b, found.ids))
        elif isinstance(node, type(wq.NullQuery)):
            return Matches.empty()
        else:
            return self._by_whoosh(node, within)  # its matcher applies its boost itself
        boost = node.boost
        return found if boost == 1.0 else Matches(found.ids, found.scores * boost)

    def _and(self, subqueries: Sequence[wq.Query], within: np.ndarray | None) -> Matches:
        wanted = [sub for sub in subqueries if not isinstance(sub, wq.Not)]
        unwanted = [sub.query for sub in subqueries if isinstance(sub, wq.Not)]
        if not wanted:
            return self._by_whoosh(wq.And(subqueries), within)
        # words first: phrases are then only matched where the words are
        wanted.sort(key=lambda sub: not isinstance(sub, wq.Term))
        found = self.evaluate(wanted[0], within)
        for sub in wanted[1:]:
            other = self.evaluate(sub, found.ids)
            common, mine, theirs = np.intersect1d(
                found.ids, other.ids, assume_unique=True, return_indices=True
            )
            found = Matches(common, found.scores[mine] + other.scores[theirs])
        for sub in unwanted:
            found = _without(found, self._excluded(sub, found.ids))
            # Whoosh intersects with the inverse of the word, whose every "match" scores 1
            found = Matches(found.ids, found.scores + 1.0)
        return found

    def _excluded(self, node: wq.Query, within: np.ndarray) -> Matches:
        """Match what a query excludes, among ``within``, in full: cut short by the time limit,
        it would let excluded passages through (a partial page must only miss passages)."""
        deadline, self.deadline = self.deadline, math.inf
        try:
            return self.evaluate(node, within)
        finally:
            self.deadline = deadline

    def _term(self, fieldname: str, text: Any) -> Matches:
        searcher = self.searcher
        if fieldname not in searcher.schema:
            return Matches.empty()
        ids, weights = self.arrays.postings(searcher, fieldname, text)
        field = searcher.schema[fieldname]
        if not len(ids) or not field.scorable:
            return Matches(ids, weights)
        weighting: BM25F = searcher.weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1

        def score() -> np.ndarray:  # whoosh.scoring.bm25, on every posting at once
            idf = searcher.idf(fieldname, text)
            average = searcher.avg_field_length(fieldname) or 1
            lengths = self.arrays.field_lengths(searcher, fieldname)[ids]
            return idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / average)))

        return Matches(ids, self.arrays.term_scores((fieldname, text, b, k1), score))

    def _phrase(self, fieldname: str, words: Sequence[str], within: np.ndarray | None) -> Matches:
        """Match words at consecutive positions, scored as Whoosh does: the sum of the words'
        scores. Positions are only read for passages that have every word."""
        field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            return self._by_whoosh(wq.Phrase(fieldname, list(words)), within)
        parts = [self._term(fieldname, word) for word in words]
        candidates = within
        for part in parts:
            candidates = (
                part.ids
                if candidates is None
                else np.intersect1d(candidates, part.ids, assume_unique=True)
            )
        assert candidates is not None
        keep = np.zeros(len(candidates), dtype=bool)
        for start in range(0, len(candidates), PHRASE_CHUNK):
            if time.monotonic() > self.deadline:
                self.partial = True
                break
            chunk = candidates[start : start + PHRASE_CHUNK]
            found = [self.arrays.positions(self.searcher, fieldname, w, chunk) for w in words]
            for n in range(len(chunk)):
                starts = set(found[0][n])
                for offset, later in enumerate(found[1:], start=1):
                    following = set(later[n])
                    starts = {p for p in starts if p + offset in following}
                keep[start + n] = bool(starts)
        ids = candidates[keep]
        # Whoosh adds the words' scores as a binary tree: a + (b + c)
        scores = _tree_sum([part.scores[np.searchsorted(part.ids, ids)] for part in parts])
        return Matches(ids, scores)

    def _by_whoosh(self, node: wq.Query, within: np.ndarray | None = None) -> Matches:
        """Match ``node`` with Whoosh's own matcher, only among ``within`` when given."""
        ids: list[int] = []
        scores: list[float] = []
        matcher = node.matcher(self.searcher, self.searcher.context())
        candidates = iter(within.tolist()) if within is not None else None
        steps = 0
        while matcher.is_active():
            if steps % 256 == 0 and time.monotonic() > self.deadline:
                self.partial = True
                break
            steps += 1
            if candidates is not None:
                wanted = next(candidates, None)
                if wanted is None:
                    break
                matcher.skip_to(wanted)
                if not matcher.is_active() or matcher.id() != wanted:
                    continue
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        return Matches(np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64))


def _tree_sum(parts: list[np.ndarray]) -> np.ndarray:
    """Add arrays in the order of Whoosh's ``make_binary_tree`` (the last bits of a sum)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


def _union(parts: list[Matches]) -> Matches:
    parts = [part for part in parts if len(part.ids)]
    if not parts:
        return Matches.empty()
    if len(parts) == 1:
        return parts[0]
    ids, where = np.unique(np.concatenate([p.ids for p in parts]), return_inverse=True)
    scores = np.bincount(
        where, weights=np.concatenate([p.scores for p in parts]), minlength=len(ids)
    )
    return Matches(ids, scores)


def _without(found: Matches, unwanted: Matches) -> Matches:
    keep = ~np.isin(found.ids, unwanted.ids, assume_unique=True)
    return Matches(found.ids[keep], found.scores[keep])


def _maybe(found: Matches, optional: Matches) -> Matches:
    _common, mine, theirs = np.intersect1d(
        found.ids, optional.ids, assume_unique=True, return_indices=True
    )
    scores = found.scores.copy()
    scores[mine] += optional.scores[theirs]
    return Matches(found.ids, scores)


def _require(found: Matches, required: Matches) -> Matches:
    keep = np.isin(found.ids, required.ids, assume_unique=True)
    return Matches(found.ids[keep], found.scores[keep])
