"""The segment writer of builds and updates: Whoosh's files, without its per-token machinery.

Whoosh's ``SegmentWriter`` analyses a field one token object at a time through a chain of
generators, adds each posting to its pool with a call, and at the end hands every posting, one
call each, to its codec's block writer. On a full build those two were two thirds of the time.
:class:`PassageWriter` keeps Whoosh's segment, codec, per-document writer and file format (any
Whoosh reads the index; ``tests/test_segments.py`` checks the files are the ones Whoosh's writer
makes) and changes how the postings get there:

- text fields are analysed a whole passage at a time (:mod:`search_app.engine.termcounts`);
- postings are grouped by term as documents arrive (:class:`GroupedPostingPool`);
- each term's posting blocks and term record are written in one step
  (:mod:`search_app.engine.blocks`), the lengths read back as one array.

Fields it cannot analyse whole go through Whoosh's analysis; boosts, spelling and term vectors
(which the schema has none of) are refused. Updates use it too: deletions are Whoosh's, and the
documents added and segments merged arrive in order as well.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3FieldWriter, _lenfield
from whoosh.index import Index
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from search_app.engine.blocks import TermWriter
from search_app.engine.postinglists import column_bytes
from search_app.engine.postings import MAX_POSTINGS_IN_MEMORY, GroupedPostingPool
from search_app.engine.termcounts import FieldTerms, field_terms

#: A posting's frequency, as ``field.index`` gives postings: (term, frequency, weight, value).
_FREQUENCY = itemgetter(1)
#: The one-byte code of a field length (remembered: lengths repeat).
_length_byte = functools.lru_cache(maxsize=4096)(length_to_byte)

#: Makes the writer of a full build, given the new index and a folder for temporary files.
NewWriter = Callable[[Index, Path], SegmentWriter]


def whoosh_writer(ix: Index, tempdir: Path) -> SegmentWriter:
    """Whoosh's own writer, with the grouped pool: what full builds used before
    :class:`PassageWriter`, kept as the reference that tests and benchmarks compare it with."""
    writer = ix.writer()
    writer.pool = GroupedPostingPool(tempdir)  # documents only arrive in order here
    return writer


class PassageWriter(SegmentWriter):
    """A Whoosh segment writer: whole-passage analysis, grouped postings, posting blocks
    written whole."""

    def __init__(
        self,
        ix: Index,
        tempdir: Path,
        max_postings: int = MAX_POSTINGS_IN_MEMORY,
        **options: Any,
    ) -> None:
        super().__init__(ix, **options)
        self.pool = GroupedPostingPool(tempdir, max_postings)
        #: the length of each scored field of the document added last (Whoosh keeps only a
        #: one-byte approximation of it, and a total per segment)
        self.last_lengths: dict[str, int] = {}
        shared: list[Any] = []  # fields whose chains begin alike split a passage once
        self._terms: dict[str, FieldTerms | None] = {
            name: field_terms(field, shared) for name, field in self.schema.items()
        }
        self._last_indexed: dict[str, tuple[Any, list[Any]]] = {}
        self._plain = all(
            not field.vector and not field.separate_spelling() for field in self.schema
        )

    def add_document(self, **fields: Any) -> None:
        """Add one passage, as ``SegmentWriter.add_document`` does (same postings, stored values,
        lengths and columns)."""
        if not self._plain or any(name.startswith("_") for name in fields):
            raise ValueError("boosts, spelling and term vectors are not written here")
        self._check_state()
        schema = self.schema
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        docnum = self.docnum
        perdoc = self.perdocwriter
        add_postings = self.pool.add_document_postings
        lengths = self.last_lengths = {}
        perdoc.start_doc(docnum)
        # what the codec's add_field and add_column_value do, without a call or two per field
        stored = perdoc._storedfields
        totals = perdoc._fieldlengths
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            if field.indexed:
                terms = self._terms[fieldname]
                if terms is not None and isinstance(value, str):
                    postings = terms.postings(value)
                else:
                    postings = self._indexed(fieldname, field, value)
                if field.scorable:
                    length = lengths[fieldname] = sum(map(_FREQUENCY, postings))
                    if length:
                        self._column(_lenfield(fieldname), LENGTHS_COLUMN).add(
                            docnum, _length_byte(length)
                        )
                        totals[fieldname] += length
                add_postings(fieldname, docnum, postings)
            if field.stored:
                stored[fieldname] = value
            if field.column_type:
                column = self._column(fieldname, field.column_type)
                column.add(docnum, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _column(self, name: str, column: Any) -> Any:
        """The per-document writer's writer of a column, made when first needed."""
        writers = self.perdocwriter._colwriters
        writer = writers.get(name)
        if writer is None:
            self.perdocwriter._create_column(name, column)
            writer = writers[name]
        return writer

    def _indexed(self, fieldname: str, field: Any, value: Any) -> list[Any]:
        """Whoosh's postings of a field it analyses; a document's metadata (its id, source,
        dates) repeats in each of its passages: analysed once."""
        last = self._last_indexed.get(fieldname)
        if last is None or last[0] != value or type(last[0]) is not type(value):
            last = self._last_indexed[fieldname] = (value, list(field.index(value)))
        return last[1]

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            _write_postings(self.fieldwriter, self.schema, self.pool, lengths, self.docnum)
        finally:
            if lengths is not None:
                lengths.close()
        self.fieldwriter.close()


def _length_codes(lengths: Any, fieldname: str, count: int) -> list[int]:
    """Each of the ``count`` documents' one-byte length code in a field, 0 where there is
    none."""
    column = _lenfield(fieldname)
    if lengths is None or not lengths.has_column(column):
        return [0] * count
    return column_bytes(lengths, column).tolist()


def _write_postings(
    fieldwriter: W3FieldWriter, schema: Any, pool: GroupedPostingPool, lengths: Any, count: int
) -> None:
    """Write every term's posting blocks, field by field and term by term in order."""
    terms = TermWriter(fieldwriter)
    current = None
    for (fieldname, btext), docnums, weights, values in pool.term_postings():
        if fieldname != current:
            if current is not None:
                terms.finish_field()
            terms.start_field(
                fieldname, schema[fieldname], _length_codes(lengths, fieldname, count)
            )
            current = fieldname
        terms.write_term(btext, docnums, weights, values)
    if current is not None:
        terms.finish_field()
