"""A field's terms and their posting blocks, written as Whoosh's W3 codec writes them.

Whoosh's codec writes a term through a chain of calls: a postings writer gathers each posting,
checks its types, keeps running statistics and writes each block; a term-info object adds up each
block's statistics and is turned into bytes. On a full build that was a call or ten per posting
and a dozen per term, and most terms have one or two postings. :class:`TermWriter` writes a term's
postings, already grouped, in one step: the same pickled and compressed blocks, the same block
statistics and the same term record (``tests/test_segments.py`` compares the files with those of
Whoosh's writer, under whoosh3 and under Whoosh 2.7.4, which compresses every block).

The statistics of lengths are kept as Whoosh's one-byte length codes: the codec only ever writes
``length_to_byte`` of a length it read back from such a code, and the two agree on every code.
"""

from __future__ import annotations

import zlib
from array import array
from operator import sub
from pickle import dumps
from typing import Any

from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3FieldWriter, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_ushort

#: Blocks whose pickle is shorter than this are stored uncompressed (whoosh3 does so; Whoosh
#: 2.7.4 compresses every block)
UNCOMPRESSED_BELOW: int = getattr(whoosh3, "COMPRESSION_MIN_SIZE", 0)

_TERM_INFO = W3TermInfo._struct


class TermWriter:
    """Writes the terms of a segment, field by field and term by term in order, through a
    ``W3FieldWriter`` (which keeps its files, field numbers and term table)."""

    def __init__(self, fieldwriter: W3FieldWriter) -> None:
        codec = fieldwriter._codec
        if codec._inlinelimit > 1:
            raise ValueError("postings inlined in the term table are not written here")
        self._fieldwriter = fieldwriter
        self._postfile = fieldwriter._postfile
        self._add_record = fieldwriter._tindex.add
        self._limit: int = codec._blocklimit
        self._compression: int = codec._compression
        self._prefix = b""
        self._fixed_size: int | None = None
        self._codes: list[int] = []

    def start_field(self, fieldname: str, field: Any, length_codes: list[int]) -> None:
        """Start ``field``; ``length_codes`` holds each document's one-byte length code in it
        (0: none)."""
        self._fieldwriter.start_field(fieldname, field)
        self._prefix = pack_ushort(self._fieldwriter._fieldid)
        self._fixed_size = field.format.fixed_value_size()
        self._codes = length_codes

    def finish_field(self) -> None:
        self._fieldwriter.finish_field()

    def write_term(
        self, btext: bytes, docnums: list[int], weights: list[float], values: list[Any]
    ) -> None:
        """Write one term's postings (in document order) as blocks, and its term record."""
        postfile = self._postfile
        start = postfile.tell()
        written = [WHOOSH3_HEADER_MAGIC]  # the term's bytes, written at once
        limit = self._limit
        count = len(docnums)
        total_weight = 0.0
        max_weight: float = 0
        min_code: int | None = None
        max_code = 0
        for begin in range(0, count, limit):
            end = begin + limit
            ids = docnums[begin:end]
            unrounded = weights[begin:end]
            block_weights = array("f", unrounded)
            total_weight += sum(block_weights)
            block_max_weight = max(0, max(unrounded))
            codes = [code for code in map(self._codes.__getitem__, ids) if code]
            block_min = min(codes) if codes else None
            block_max = max(codes) if codes else 0
            data = dumps(
                (_deltas(ids), _mini_weights(block_weights), self._mini_values(values[begin:end])),
                2,
            )
            compression = self._compression if len(data) >= UNCOMPRESSED_BELOW else 0
            if compression:
                data = zlib.compress(data, compression)
            info = dumps(
                (len(ids), ids[-1], block_max_weight, compression, block_min or 0, block_max), 2
            )
            length = len(info) + len(data)
            written += (pack_int(-length if end >= count else length), info, data)
            max_weight = max(max_weight, block_max_weight)
            if block_min is not None:
                min_code = block_min if min_code is None else min(min_code, block_min)
            max_code = max(max_code, block_max)
        record = _TERM_INFO.pack(
            False,
            total_weight,
            count,
            min_code or 0,
            max_code,
            max_weight,
            docnums[0],
            docnums[-1],
        )
        postings = b"".join(written)
        postfile.write(postings)
        extent = pack_long(start) + pack_int(len(postings))
        self._add_record(self._prefix + btext, record + extent)

    def _mini_values(self, values: list[Any]) -> Any:
        size = self._fixed_size
        if size is None or size < 0:
            return tuple(value for value in values if value)
        if size == 0:
            return None
        return b"".join(value for value in values if value)


def _deltas(ids: list[int]) -> tuple[int, ...]:
    """Document numbers as the first and then the gaps, as Whoosh minifies them."""
    if len(ids) == 1:
        return (ids[0],)
    return (ids[0], *map(sub, ids[1:], ids))


def _mini_weights(weights: array) -> Any:
    """``None`` when every weight is 1, the weight when all are equal, else all of them."""
    first = weights[0]
    if weights.count(first) == len(weights):
        return None if first == 1.0 else first
    return tuple(weights)
