"""Matching and BM25F scoring of queries on whole posting lists at once, with numpy.

Whoosh matches and scores one posting at a time in Python: a search for a frequent word (12,000
passages of the Linux documentation) took 60 ms to count its matches and 60 more to rank them.
Here a query (words, ``And``, ``Or``, ``AndNot``, ``AndMaybe``, ``Require``, phrases) is
evaluated on arrays: each word's posting list is read once (and kept, per index state), scored
with Whoosh's own BM25F formula and statistics, and combined with set operations; a phrase's
word positions are read only for the passages that hold all its words. The result is the same
set of passages with the same scores as Whoosh's, so the page does not change, only its cost.
Any other kind of query part is matched by Whoosh's own matcher.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

#: Posting entries kept in memory per index state (16 bytes each).
MAX_CACHED_POSTINGS = 4_000_000
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
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


class IndexArrays:
    """What vectorised search needs of one state of the index, shared by all threads: which
    document each passage belongs to, field lengths, live passages, and recent posting lists."""

    def __init__(self, reader: IndexReader, max_cached_postings: int = MAX_CACHED_POSTINGS) -> None:
        # an index of an empty corpus has no segment, and no column to read
        doc_ids = list(reader.column_reader("doc_id")) if reader.doc_count_all() else []
        self.doc_ids: list[str] = sorted(set(doc_ids))
        ordinal = {doc_id: n for n, doc_id in enumerate(self.doc_ids)}
        self.doc_of_passage = np.fromiter((ordinal[d] for d in doc_ids), np.int32, len(doc_ids))
        self.live: np.ndarray | None = None
        if reader.has_deletions():
            self.live = np.zeros(reader.doc_count_all(), dtype=bool)
            self.live[np.fromiter(reader.all_doc_ids(), np.int64)] = True
        self._size = reader.doc_count_all()
        self._lock = threading.Lock()
        self._lengths: dict[str, np.ndarray] = {}
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        self._max_cached = max_cached_postings
        self._filters: OrderedDict[str, np.ndarray] = OrderedDict()
        self._filtered = 0
        self._document_values: dict[str, tuple[np.ndarray, list[Any]]] = {}
        self._date_orders: dict[str, np.ndarray] = {}

    # -- per-field and per-term arrays -------------------------------------------------------

    def field_lengths(self, searcher: Searcher, fieldname: str) -> np.ndarray:
        """Return every passage's length in ``fieldname``, as Whoosh's scorer reads it."""
        with self._lock:
            lengths = self._lengths.get(fieldname)
        if lengths is not None:
            return lengths
        lengths = np.ones(self._size)  # Whoosh's default where a segment has no lengths
        for leaf, offset in searcher.reader().leaf_readers():  # this thread's open files
            count = leaf.doc_count_all()
            perdoc = leaf._perdoc  # Whoosh has no public reader of the length column
            column = _lenfield(fieldname)
            if perdoc.has_column(column):
                lengths[offset : offset + count] = _LENGTH_OF_BYTE[_column_bytes(perdoc, column)]
        with self._lock:
            self._lengths[fieldname] = lengths
        return lengths

    def postings(
        self, searcher: Searcher, fieldname: str, text: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the passages that hold a term and its weight in each."""
        key = (fieldname, text)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        ids: list[int] = []
        weights: list[float] = []
        for matcher, offset, _count in _segment_postings(searcher, fieldname, text):
            _append_postings(matcher, offset, ids, weights)
        found = (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64))
        with self._lock:
            if key in self._postings:  # another thread read it meanwhile
                return self._postings[key]
            self._postings[key] = found
            self._cached += len(ids)
            while self._cached > self._max_cached and len(self._postings) > 1:
                _key, (dropped, _weights) = self._postings.popitem(last=False)
                self._cached -= len(dropped)
        return found

    def positions(
        self, searcher: Searcher, fieldname: str, text: str, wanted: np.ndarray
    ) -> list[list[int]]:
        """Return the positions of a term in each of the ``wanted`` passages (ascending, all
        holding the term), reading only the posting blocks that hold them."""
        decode = searcher.schema[fieldname].format.decode_positions
        values: dict[int, bytes] = {}
        for matcher, offset, count in _segment_postings(searcher, fieldname, text):
            mine = wanted[(wanted >= offset) & (wanted < offset + count)] - offset
            for docnum, value in _values_of(matcher, mine) if len(mine) else ():
                values[docnum + offset] = value
        return [decode(values[docnum]) for docnum in wanted.tolist()]

    def filter_ids(self, searcher: Searcher, filter_query: wq.Query) -> np.ndarray:
        """Return the passages a filter (source, type, language, dates) lets through, kept
        per index state: the same few filters come back again and again."""
        key = repr(filter_query)
        with self._lock:
            found = self._filters.get(key)
            if found is not None:
                self._filters.move_to_end(key)
                return found
        found = np.fromiter(searcher.docs_for_query(filter_query), np.int64)
        found.sort()
        with self._lock:
            if key not in self._filters:
                self._filters[key] = found
                self._filtered += len(found)
            while self._filtered > self._max_cached // 4 and len(self._filters) > 1:
                _key, dropped = self._filters.popitem(last=False)
                self._filtered -= len(dropped)
        return found

    # -- evaluation --------------------------------------------------------------------------

    def matches(
        self,
        searcher: Searcher,
        query: wq.Query,
        filter_query: wq.Query | None = None,
        deadline: float = math.inf,
    ) -> tuple[Matches, bool]:
        """Return every passage that ``query`` matches (and ``filter_query`` lets through), with
        the score Whoosh gives it, and whether ``deadline`` (``time.monotonic()``) cut the
        matching short: only comparing phrase positions (and parts left to Whoosh) can be.

        The searcher must score with BM25F (:func:`search_app.ranking.weighting`), the model the
        arrays mirror.
        """
        evaluation = _Evaluation(self, searcher, deadline)
        allowed = None if filter_query is None else self.filter_ids(searcher, filter_query)
        found = evaluation.evaluate(query, allowed)  # phrases are only matched where allowed
        keep = None
        if self.live is not None:
            keep = self.live[found.ids]
        if allowed is not None:
            inside = np.isin(found.ids, allowed, assume_unique=True)
            keep = inside if keep is None else keep & inside
        if keep is not None:
            found = Matches(found.ids[keep], found.scores[keep])
        return found, evaluation.partial

    # -- what the result page needs ----------------------------------------------------------

    def document_counts(self, found: Matches) -> np.ndarray:
        """Return the number of matching passages of each document, by position in
        :attr:`doc_ids`."""
        return np.bincount(self.doc_of_passage[found.ids], minlength=len(self.doc_ids))

    def count_by(
        self, found: Matches, name: str, value_of: Callable[[str], Hashable | None]
    ) -> dict[Hashable, int]:
        """Count matching passages by a value of their document (``value_of(doc_id)``, ``None``
        for none), such as its source; the values are looked up once per index state."""
        with self._lock:
            coded = self._document_values.get(name)
        if coded is None:
            values = [value_of(doc_id) for doc_id in self.doc_ids]
            labels = sorted({v for v in values if v is not None}, key=str)
            number = {label: n for n, label in enumerate(labels)}
            codes = np.array([number.get(v, len(labels)) for v in values], dtype=np.int64)
            coded = (codes, labels)
            with self._lock:
                self._document_values[name] = coded
        codes, labels = coded
        counts = np.bincount(codes[self.doc_of_passage[found.ids]], minlength=len(labels) + 1)
        return {labels[n]: int(counts[n]) for n in np.flatnonzero(counts[:-1]).tolist()}

    def best(
        self,
        found: Matches,
        wanted: int,
        per_document: int | None,
        document_order: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """Return the ``wanted`` best (passage, score) pairs, at most ``per_document`` of each
        document: by ``document_order`` (a rank per document, lowest first) when given, then by
        score, ties in index order (as Whoosh breaks them)."""
        shortlist = wanted * (4 if per_document else 1)
        if document_order is None and len(found.ids) > 2 * shortlist:
            # by relevance, the best few times ``wanted`` (with every tie of the last) usually
            # hold the answer: sort those, and everything only if they do not
            cut = np.partition(found.scores, len(found.scores) - shortlist)[-shortlist]
            near = found.scores >= cut
            best = self._sorted_best(
                Matches(found.ids[near], found.scores[near]), wanted, per_document, None
            )
            if len(best) == wanted:
                return best
        return self._sorted_best(found, wanted, per_document, document_order)

    def _sorted_best(
        self,
        found: Matches,
        wanted: int,
        per_document: int | None,
        document_order: np.ndarray | None,
    ) -> list[tuple[int, float]]:
        keys = [found.ids, -found.scores]
        if document_order is not None:
            keys.append(document_order[self.doc_of_passage[found.ids]])
        order = np.lexsort(keys)
        ids, scores = found.ids[order], found.scores[order]
        if per_document is None:
            return list(zip(ids[:wanted].tolist(), scores[:wanted].tolist(), strict=True))
        taken: dict[int, int] = {}
        best: list[tuple[int, float]] = []
        for position, document in enumerate(self.doc_of_passage[ids].tolist()):
            if taken.get(document, 0) < per_document:
                taken[document] = taken.get(document, 0) + 1
                best.append((int(ids[position]), float(scores[position])))
                if len(best) == wanted:
                    break
        return best

    def date_order(self, documents: dict[str, dict[str, Any]], newest: bool) -> np.ndarray:
        """Rank documents by their date (``documents``: the manifest's entries), oldest or
        newest first; undated documents go last either way. Made once per index state."""
        key = "newest" if newest else "oldest"
        with self._lock:
            rank = self._date_orders.get(key)
        if rank is None:
            rank = self._rank_by_date(documents, newest)
            with self._lock:
                self._date_orders[key] = rank
        return rank

    def _rank_by_date(self, documents: dict[str, dict[str, Any]], newest: bool) -> np.ndarray:
        dates = [(documents.get(doc_id) or {}).get("date") or "" for doc_id in self.doc_ids]
        distinct, rank = np.unique(np.array(dates, dtype=object), return_inverse=True)
        rank = rank.astype(np.int64)
        if newest:
            rank = len(distinct) - 1 - rank
        undated = np.array([not date for date in dates], dtype=bool)
        rank[undated] = len(distinct)
        return rank


class _Evaluation:
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
        idf = searcher.idf(fieldname, text)
        average = searcher.avg_field_length(fieldname) or 1
        lengths = self.arrays.field_lengths(searcher, fieldname)[ids]
        # whoosh.scoring.bm25, on every posting at once
        scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / average)))
        return Matches(ids, scores)

    def _phrase(self, fieldname: str, words: Sequence[str], within: np.ndarray | None) -> Matches:
        """Match words at consecutive positions, scored as Whoosh does: the sum of the words'
        scores. Positions are only read for passages that have every word."""
        field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            return self._by_whoosh(wq.Phrase(fieldname, list(words)), within)
        parts = [self._term(fieldname, word) for word in words]
        candidates = within
        for part in parts:
            candidates = part.ids if candidates is None else np.intersect1d(candidates, part.ids)
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


def reader_state(reader: IndexReader) -> tuple[tuple[str, int], ...]:
    """Identify what a reader reads: its segments and how many deletions each has."""
    state = []
    for leaf, _offset in reader.leaf_readers():
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        state.append((segment.segment_id(), segment.deleted_count()) if segment else ("", 0))
    return tuple(state)


def _tree_sum(parts: list[np.ndarray]) -> np.ndarray:
    """Add arrays in the order of Whoosh's ``make_binary_tree`` (the last bits of a sum)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


def _column_bytes(perdoc: Any, column: str) -> np.ndarray:
    """Read a one-byte-per-document length column whole (Whoosh reads it one value at a time)."""
    reader = perdoc.column_reader(column, LENGTHS_COLUMN)
    codes = np.zeros(reader._doccount, dtype=np.uint8)  # missing trailing values are 0
    stored = reader._dbfile.get(reader._basepos, reader._count)
    codes[: len(stored)] = np.frombuffer(stored, dtype=np.uint8)
    return codes


def _segment_postings(
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


def _blocks(matcher: W3LeafMatcher) -> Iterator[int]:
    """Step through the blocks of an on-disk posting list, yielding the first document number
    each block can hold; the caller reads what it needs of the block (Whoosh's private API)."""
    first = 0
    while matcher.is_active():
        yield first
        if matcher._lastblock:
            return
        first = matcher._maxid + 1
        matcher._next_block()


def _values_of(matcher: Any, wanted: np.ndarray) -> Iterator[tuple[int, bytes]]:
    """Yield (document, encoded value) for the ``wanted`` documents of a posting list."""
    if isinstance(matcher, W3LeafMatcher):  # whole blocks, skipping those without any wanted
        for first in _blocks(matcher):
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


def _append_postings(matcher: Any, offset: int, ids: list[int], weights: list[float]) -> None:
    if isinstance(matcher, W3LeafMatcher):  # whole blocks at once
        for _first in _blocks(matcher):
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
