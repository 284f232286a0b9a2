"""Batch search: a list of names in, the evidence for each name out.

Each line is one name (or a few words) and is searched *as a name*: its words must all appear in
a passage, with name variants applied unless ``exact``; characters that mean something in the
query language (``AND``, ``/``, quotes, parentheses, ``-``) are taken as part of the name, not as
operators, so ``PMOI/MEK`` or ``Ali (Ali-Reza) Avaei`` are searched, never refused. Every line is
reported: with its hits, with no hit, or with the reason it could not be searched. Lines past the
batch's limits are reported as not searched, never dropped.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass, field, replace

from search_app.config import Settings
from search_app.engine.queries import QueryError
from search_app.engine.readers import SearchIndex
from search_app.engine.results import Hit, SearchRequest
from search_app.engine.searching import DEFAULTS, search

#: A word of a name: letters and digits, with inner apostrophes (``Ra'isi``).
_WORD = re.compile(r"\w+(?:['’ʼ]\w+)*")
_OPERATORS = {"AND", "OR", "NOT", "TO"}
TOP_PASSAGES = 3


@dataclass(frozen=True)
class BatchLine:
    number: int
    text: str


@dataclass
class LineResult:
    """What one line of the batch found."""

    number: int
    text: str
    query: str
    status: str  # "found", "no hits", "error", "not searched"
    passages: int = 0
    documents: int = 0
    variants: tuple[tuple[str, tuple[str, ...]], ...] = ()
    top: list[Hit] = field(default_factory=list)
    reason: str | None = None
    #: for a name of several words: its last word, and the passages that have it without the
    #: full name ("also as Raisi alone: 12")
    alone: tuple[str, int] | None = None


@dataclass
class BatchResult:
    lines: list[LineResult]
    stopped: str | None = None  # why some lines were not searched

    @property
    def summary(self) -> list[LineResult]:
        """Lines by hits, most first; lines without hits and errors kept, in list order."""
        return sorted(self.lines, key=lambda line: (-line.passages, line.number))


#: First cells that make a CSV file's first row a header, not a name (compared lower-cased).
HEADER_CELLS = frozenset(
    {"name", "names", "full name", "fullname", "full_name", "person", "people", "surname",
     "last name", "family name", "نام", "اسم", "نام و نام خانوادگی", "نام خانوادگی"}
)  # fmt: skip


def read_lines(text: str, table: bool = False) -> list[BatchLine]:
    """Read a list: one name per line, or with ``table`` (a CSV file) the first column of each
    row, whose header row, when it has one, is skipped; blank lines and lines starting with
    ``#`` are skipped.

    Only a file the user says is CSV is read as one: a pasted ``Raisi, Ebrahim`` is one name.
    """
    rows: list[BatchLine] = []
    reader = csv.reader(io.StringIO(text)) if table else None
    lines = (row[0] if row else "" for row in reader) if reader else text.splitlines()
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not rows and reader is not None and line.lower() in HEADER_CELLS:
            continue  # the header row of a CSV file
        if line and not line.startswith("#"):
            rows.append(BatchLine(number, line))
    return rows


def name_query(text: str) -> str:
    """Turn a name into a query of its words; ``AND``, ``OR`` and ``NOT`` only join words."""
    return " ".join(word for word in _WORD.findall(text) if word not in _OPERATORS)


def run_batch(
    index: SearchIndex,
    lines: list[BatchLine],
    *,
    exact: bool = False,
    filters: SearchRequest | None = None,
    limits: Settings = DEFAULTS,
) -> BatchResult:
    """Search every line; stop (reporting the rest as not searched) at the batch's limits."""
    template = filters or SearchRequest(q="")
    results: list[LineResult] = []
    stopped = None
    if len(lines) > limits.batch_lines:
        stopped = (
            f"A batch may have {limits.batch_lines} lines; lines after line "
            f"{lines[limits.batch_lines - 1].number} were not searched. Split the list."
        )
    deadline = time.monotonic() + limits.batch_seconds
    per_line = replace(limits, page_size=TOP_PASSAGES, per_document=1)
    for position, line in enumerate(lines):
        query = name_query(line.text)
        if position >= limits.batch_lines or time.monotonic() > deadline:
            if stopped is None:
                stopped = (
                    f"The batch took longer than {limits.batch_seconds:g} s; lines from line "
                    f"{line.number} on were not searched. Split the list."
                )
            results.append(LineResult(line.number, line.text, query, "not searched"))
            continue
        if not query:
            reason = "no words to search (only punctuation or symbols)"
            results.append(LineResult(line.number, line.text, query, "error", reason=reason))
            continue
        request = replace(template, q=query, page=1, exact=exact, doc=None)
        try:
            found = search(index, request, per_line, deadline)
        except QueryError as error:
            results.append(LineResult(line.number, line.text, query, "error", reason=str(error)))
            continue
        results.append(
            LineResult(
                number=line.number,
                text=line.text,
                query=query,
                status="found" if found.total else "no hits",
                passages=found.total,
                documents=found.documents,
                variants=found.variants,
                top=found.hits,
                alone=_surname_alone(index, request, per_line, found.total),
            )
        )
    return BatchResult(results, stopped)


def _surname_alone(
    index: SearchIndex, request: SearchRequest, limits: Settings, with_full_name: int
) -> tuple[str, int] | None:
    """Count the passages that name only the last word of a name of several words: every passage
    with the full name has its last word, so they are the difference of the two counts."""
    words = request.q.split()
    if len(words) < 2:
        return None
    try:
        surname = search(index, replace(request, q=words[-1]), limits)
    except QueryError:
        return None
    return words[-1], max(surname.total - with_full_name, 0)
