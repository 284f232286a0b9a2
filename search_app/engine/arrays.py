"""What array search needs of one state of the index, kept and shared by every thread.

Whoosh matches and scores one posting at a time in Python: a search for a frequent word (12,000
passages of the Linux documentation) took 60 ms to count its matches and 60 more to rank them.
:class:`IndexArrays` keeps, per index state, which document each passage belongs to, the field
lengths, the live passages and the recent posting lists, evaluates queries on them
(:mod:`search_app.engine.matching`) and answers what a result page needs (counts, facets, the
best passages per document, date orders) from the same array of matches.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import _lenfield
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from search_app.engine.keeping import Kept
from search_app.engine.matching import Evaluation, Matches
from search_app.engine.positionblocks import PositionBlocks
from search_app.engine.postinglists import (
    LENGTH_OF_BYTE,
    PostingList,
    column_bytes,
    segment_postings,
)
from search_app.engine.vocabulary import Vocabulary


@dataclass(frozen=True)
class Mentions:
    """Every (passage, register entry) pair of the index: passage ``passages[i]`` names
    ``slugs[codes[i]]``. Counting the entries named in any set of passages is then one
    ``bincount``, with no search."""

    slugs: list[str]
    passages: np.ndarray
    codes: np.ndarray
    #: how many passages the index has (deleted ones included): the size of a mask of them
    size: int

    def count(self, passages: np.ndarray) -> dict[str, int]:
        """Return how many of ``passages`` name each entry, where any do."""
        chosen = np.zeros(self.size, dtype=bool)
        chosen[passages] = True
        counts = np.bincount(self.codes[chosen[self.passages]], minlength=len(self.slugs))
        return {self.slugs[n]: int(counts[n]) for n in np.flatnonzero(counts).tolist()}

    def passages_naming(self, slug: str) -> np.ndarray:
        """Return the passages that name an entry (ascending ids)."""
        if slug not in self.slugs:
            return np.zeros(0, dtype=np.int64)
        return np.sort(self.passages[self.codes == self.slugs.index(slug)])


#: Posting entries kept in memory per index state (16 bytes each).
MAX_CACHED_POSTINGS = 4_000_000
#: Documents whose passage numbers are kept per index state.
DOCUMENTS_KEPT = 256

#: Passages (ascending) and a value for each: a term's weights, or a document's numbers.
Postings = tuple[np.ndarray, np.ndarray]


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
        live = None if self.live is None else self.live.astype(np.float64)
        #: documents with a live passage
        self.live_documents = int(
            np.count_nonzero(np.bincount(self.doc_of_passage, live, len(self.doc_ids)))
        )
        self._lock = threading.Lock()
        self._lengths: dict[str, np.ndarray] = {}
        self._document_lengths: dict[str, np.ndarray] = {}
        #: each term's passages and weights, by the passages they hold
        self._postings: Kept[Postings] = Kept(max_cached_postings, lambda found: len(found[0]))
        #: each term's BM25 score in each passage that holds it, by the weighting's B and K1
        #: (8 bytes each: half as many as postings, 16 MB at most)
        self._scores: Kept[np.ndarray] = Kept(max_cached_postings // 2, len)
        #: the posting lists phrases read, with their positions
        self.position_blocks = PositionBlocks()
        #: the passages each filter lets through (the same few filters come back)
        self._filters: Kept[np.ndarray] = Kept(max_cached_postings // 4, len)
        self._document_values: dict[str, tuple[np.ndarray, list[Any]]] = {}
        self._date_orders: dict[str, np.ndarray] = {}
        self._mentions: Mentions | None = None
        self._vocabularies: dict[str, Vocabulary] = {}
        self._documents: Kept[Postings] = Kept(max_items=DOCUMENTS_KEPT)
        self._vocabulary_lock = threading.Lock()

    # -- per-field and per-term arrays -------------------------------------------------------

    def words(self, searcher: Searcher) -> Callable[[str], Vocabulary]:
        """Return the field name -> :class:`Vocabulary` lookup that query expansion uses."""
        return functools.partial(self.vocabulary, searcher)

    def document_passages(self, searcher: Searcher, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Return a document's passages (ascending) and the number of each, kept for the most
        recent documents: a long document's parts are then read without its other passages.

        (A document's passages need not be neighbours in the index: a build in several
        processes may put them in different segments.)
        """
        found = self._documents.get(doc_id)
        if found is not None:
            return found
        ids = np.sort(np.fromiter(searcher.docs_for_query(wq.Term("doc_id", doc_id)), np.int64))
        numbers = np.fromiter(
            (searcher.stored_fields(n)["number"] for n in ids.tolist()), np.int64, len(ids)
        )
        return self._documents.keep(doc_id, (ids, numbers))

    def vocabulary(self, searcher: Searcher, fieldname: str) -> Vocabulary:
        """Return the words of ``fieldname``, indexed for prefix and fuzzy lookups (built by the
        first thread that needs them; the others wait for it)."""
        with self._vocabulary_lock:
            words = self._vocabularies.get(fieldname)
            if words is None:
                words = Vocabulary.of(searcher.reader(), fieldname)
                self._vocabularies[fieldname] = words
            return words

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
                lengths[offset : offset + count] = LENGTH_OF_BYTE[column_bytes(perdoc, column)]
        with self._lock:
            self._lengths[fieldname] = lengths
        return lengths

    def per_document(
        self, values: np.ndarray, ids: np.ndarray, rows: np.ndarray, repeated: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Add up ``values`` of the live passages ``ids`` by (row, document): return the rows,
        the documents (positions in :attr:`doc_ids`) and the sums, or the means when every
        passage of a document repeats its value (its title)."""
        if self.live is not None:
            keep = self.live[ids]
            ids, values, rows = ids[keep], values[keep], rows[keep]
        documents = len(self.doc_ids)
        keys = rows * documents + self.doc_of_passage[ids]
        size = (int(rows.max()) + 1) * documents if len(rows) else 0
        if size <= max(4 * len(keys), 1 << 16):  # a count per (row, document): no sort
            held = np.bincount(keys, minlength=size)
            pairs = np.flatnonzero(held)
            totals = np.bincount(keys, values, size)[pairs].astype(np.float64)
            passages = held[pairs]
        else:
            pairs, where = np.unique(keys, return_inverse=True)
            totals = np.bincount(where, values, len(pairs)).astype(np.float64)  # int when empty
            passages = np.bincount(where, minlength=len(pairs))
        if repeated:
            totals /= passages
        return pairs // documents, pairs % documents, totals

    def document_lengths(self, searcher: Searcher, fieldname: str, repeated: bool) -> np.ndarray:
        """Return every document's length in ``fieldname`` (the sum over its live passages, or
        the title's), by position in :attr:`doc_ids`."""
        with self._lock:
            found = self._document_lengths.get(fieldname)
        if found is None:
            lengths = self.field_lengths(searcher, fieldname)
            every = np.arange(len(lengths))
            _rows, documents, totals = self.per_document(lengths, every, every * 0, repeated)
            found = np.zeros(len(self.doc_ids))
            found[documents] = totals
            with self._lock:
                self._document_lengths[fieldname] = found
        return found

    def postings(
        self, searcher: Searcher, fieldname: str, text: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the passages that hold a term and its weight in each."""
        key = (fieldname, text)
        found = self._postings.get(key)
        if found is not None:
            return found
        parts = [
            (PostingList.read(matcher).everything(), offset)
            for matcher, offset, _count in segment_postings(searcher, fieldname, text)
        ]
        ids = np.concatenate([np.zeros(0, np.int64), *(part[0] + at for part, at in parts)])
        weights = np.concatenate([np.zeros(0), *(part[1] for part, _at in parts)])
        ids.flags.writeable = weights.flags.writeable = False  # kept: shared by every query
        return self._postings.keep(key, (ids, weights))

    def term_scores(self, key: Hashable, score: Callable[[], np.ndarray]) -> np.ndarray:
        """Return a term's scores kept under ``key``, or ``score()`` them and keep them: a term's
        BM25 score in a passage depends only on the index state (its statistics, which every
        searcher of this state shares) and the weighting, so the frequent words of many queries
        are scored once (read-only: queries only combine them)."""
        found = self._scores.get(key)
        if found is None:
            found = score()
            found.flags.writeable = False
            found = self._scores.keep(key, found)
        return found

    def positions(
        self, searcher: Searcher, fieldname: str, text: str, wanted: np.ndarray
    ) -> list[list[int]]:
        """Return the positions of a term in each of the ``wanted`` passages (ascending, all
        holding the term): from its posting lists, kept for phrases, unpacking only the blocks
        that hold those passages."""
        decode = searcher.schema[fieldname].format.decode_positions
        values: dict[int, bytes] = {}
        for offset, count, postings in self.position_blocks.term(searcher, fieldname, text):
            mine = wanted[(wanted >= offset) & (wanted < offset + count)] - offset
            for docnum, value in postings.values_of(mine):
                values[docnum + offset] = value
        return [decode(values[docnum]) for docnum in wanted.tolist()]

    def filter_ids(self, searcher: Searcher, filter_query: wq.Query) -> np.ndarray:
        """Return the passages a filter (source, type, language, dates) lets through, kept
        per index state: the same few filters come back again and again."""
        key = repr(filter_query)
        found = self._filters.get(key)
        if found is not None:
            return found
        found = np.fromiter(searcher.docs_for_query(filter_query), np.int64)
        found.sort()
        return self._filters.keep(key, found)

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

        The searcher must score with BM25F (:func:`search_app.engine.ranking.weighting`), the
        model the arrays mirror.
        """
        evaluation = Evaluation(self, searcher, deadline)
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
        self, per_document: np.ndarray, name: str, value_of: Callable[[str], Hashable | None]
    ) -> dict[Hashable, int]:
        """Count matching passages by a value of their document (``value_of(doc_id)``, ``None``
        for none), such as its source, given the matches of each document
        (:meth:`document_counts`); the values are looked up once per index state."""
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
        counts = np.bincount(codes, per_document, minlength=len(labels) + 1).astype(np.int64)
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
        score, ties by document id, then passage (Whoosh breaks them in index order, which an
        update changes)."""
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
        # ties by document (in the order of their names), then passage: the same order however
        # the index is segmented or was updated (a document's passages are numbered in order)
        keys = [found.ids, self.doc_of_passage[found.ids], -found.scores]
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

    def mentions(self, searcher: Searcher) -> Mentions:
        """Return which passages name which register entries, read once per index state."""
        with self._lock:
            found = self._mentions
        if found is not None:
            return found
        reader = searcher.reader()
        slugs = sorted(
            term.decode("utf-8") if isinstance(term, bytes) else term
            for term in (reader.field_terms("entities") if "entities" in reader.schema else ())
        )
        ids, codes = [], []
        for code, slug in enumerate(slugs):
            passages = self.postings(searcher, "entities", slug)[0]
            if self.live is not None:
                passages = passages[self.live[passages]]
            ids.append(passages)
            codes.append(np.full(len(passages), code, dtype=np.int32))
        found = Mentions(
            slugs,
            np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64),
            np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32),
            self._size,
        )
        with self._lock:
            self._mentions = found
        return found

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
