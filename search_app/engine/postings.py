"""A faster posting pool for full builds: postings grouped by term in memory, spilled in runs.

Whoosh's own pool pickles every posting to a temporary run and merges the runs with a heap, one
posting at a time: on the Linux documentation (9 million postings) that was over half of a full
build. A full build adds documents in order, so each term's postings arrive already sorted by
document: grouping them under their term leaves only the terms to sort, and a run written to disk
is one pickle per term, not per posting. Memory stays bounded: past ``max_postings`` the groups are
written to an (unlinked) temporary file and merged term by term at the end.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

#: (field name, term bytes, document number, weight, encoded value), as Whoosh's writer adds them.
Posting = tuple[str, bytes, int, float, bytes | None]
#: A term's postings, flattened: document number, weight, value, document number, ...
_Group = tuple[tuple[str, bytes], list[Any]]

MAX_POSTINGS_IN_MEMORY = 1_000_000  # about 130 MB


class GroupedPostingPool:
    """Stands in for ``whoosh.writing.PostingPool`` (``add``, ``iter_postings``, ``cleanup``)
    in a writer that only adds new documents, in order."""

    def __init__(self, tempdir: Path, max_postings: int = MAX_POSTINGS_IN_MEMORY) -> None:
        self._tempdir = tempdir
        self._max_postings = max_postings
        #: field -> term -> the term's postings, flattened (no key tuple made per posting)
        self._fields: dict[str, dict[bytes, list[Any]]] = {}
        self._count = 0
        self._runs: list[IO[bytes]] = []

    def add(self, posting: Posting) -> None:
        fieldname, term, docnum, weight, value = posting
        self.add_document_postings(fieldname, docnum, [(term, 0, weight, value)])

    def add_document_postings(
        self, fieldname: str, docnum: int, postings: list[tuple[bytes, int, float, bytes]]
    ) -> None:
        """Add one document's postings in a field: (term, frequency, weight, value) each."""
        groups = self._fields.get(fieldname)
        if groups is None:
            groups = self._fields[fieldname] = {}
        for term, _freq, weight, value in postings:
            group = groups.get(term)
            if group is None:
                group = groups[term] = []
            group += (docnum, weight, value)
        self._count += len(postings)
        if self._count >= self._max_postings:
            self._spill()

    def _sorted_groups(self) -> list[_Group]:
        groups = [
            ((fieldname, term), flat)
            for fieldname, terms in sorted(self._fields.items(), key=itemgetter(0))
            for term, flat in sorted(terms.items(), key=itemgetter(0))
        ]
        self._fields, self._count = {}, 0
        return groups

    def _spill(self) -> None:
        run = tempfile.TemporaryFile(dir=self._tempdir, prefix="postings-", suffix=".run")
        for group in self._sorted_groups():
            run.write(pickle.dumps(group, protocol=pickle.HIGHEST_PROTOCOL))
        run.seek(0)
        self._runs.append(run)

    @staticmethod
    def _read_run(run: IO[bytes]) -> Iterator[_Group]:
        while True:  # one unpickler per group: an unpickler's memo keeps all it has read
            try:
                yield pickle.load(run)
            except EOFError:
                return

    def _merged_groups(self) -> Iterator[_Group]:
        if not self._runs:
            yield from self._sorted_groups()
            return
        # runs were written in document order, and merge keeps equal keys in run order
        sources = [self._read_run(run) for run in self._runs] + [iter(self._sorted_groups())]
        merged = heapq.merge(*sources, key=itemgetter(0))
        for key, parts in groupby(merged, key=itemgetter(0)):
            flat: list[Any] = []
            for _key, part in parts:
                flat += part
            yield key, flat

    def iter_postings(self) -> Iterator[Posting]:
        """Yield every posting, sorted by field, term and document, as Whoosh's pool does."""
        for (fieldname, term), flat in self._merged_groups():
            for i in range(0, len(flat), 3):
                yield fieldname, term, flat[i], flat[i + 1], flat[i + 2]

    def term_postings(self) -> Iterator[tuple[tuple[str, bytes], list[int], list[float], list]]:
        """Yield each term's postings, sorted by field and term: ((field, term), documents,
        weights, values)."""
        for key, flat in self._merged_groups():
            yield key, flat[0::3], flat[1::3], flat[2::3]

    def cleanup(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []
        self._fields, self._count = {}, 0
