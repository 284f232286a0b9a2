"""A passage's index terms, as its fields' Whoosh analyzers give them, from the whole text at once.

Whoosh analyses a field through a chain of generators, one token object at a time: on a full build
that was a third of the time. Here the chain of a field's analyzer (a regular-expression tokenizer,
then lower-casing, a character map, a stop list, a stemmer: the components of
:mod:`search_app.engine.analysis`) is read once and applied to whole passages: the tokenizer's
compiled expression finds every word, and each distinct word is lower-cased, folded, checked
against the stop list and stemmed once, then remembered. The terms, their counts and their
positions are those of Whoosh's analysis (``tests/test_termcounts.py`` compares them). A chain
with any other component is not read: :func:`field_terms` returns ``None`` and the caller uses
Whoosh's own analysis.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.fields import FieldType
from whoosh.formats import Existence, Format, Frequency, Positions
from whoosh.system import pack_uint

#: (term bytes, frequency, weight, encoded value) for each distinct term, as ``field.index``.
Posting = tuple[bytes, int, float, bytes]

#: Words remembered per field: past this the memory is emptied and filled again.
MAX_REMEMBERED_WORDS = 500_000


class FieldTerms:
    """The terms of one field's analyzer: tokenizer expression, then one memoised function from
    a word to its term (``None`` for a stop word)."""

    def __init__(
        self,
        expression: re.Pattern[str],
        steps: list[Callable[[str], str | None]],
        format_: Format,
    ) -> None:
        self._findall = expression.findall
        self._steps = steps
        self._terms: dict[str, str | None] = {}
        self._format = format_
        self._boost = format_.field_boost
        self._frequencies: dict[int, bytes] = {}

    def _term(self, word: str) -> str | None:
        term: str | None = word
        for step in self._steps:
            term = step(term)
            if term is None:
                break
        if len(self._terms) >= MAX_REMEMBERED_WORDS:
            self._terms.clear()
        self._terms[word] = term
        return term

    def terms(self, text: str) -> list[str | None]:
        """Return the term of each word of ``text`` in order, ``None`` where a stop word was."""
        known = self._terms
        term_of = self._term
        return [known[w] if w in known else term_of(w) for w in self._findall(text)]

    def counts(self, text: str) -> Counter[str]:
        """Return how often each term occurs in ``text``."""
        counts = Counter(self.terms(text))
        counts.pop(None, None)
        return counts  # type: ignore[return-value]

    def positions(self, text: str) -> dict[str, list[int]]:
        """Return each term's positions in ``text`` (the word's number, from 0). Only for chains
        without a stop list: Whoosh renumbers positions around stop words."""
        found: dict[str, list[int]] = {}
        for position, term in enumerate(self.terms(text)):
            found.setdefault(term, []).append(position)  # type: ignore[arg-type]
        return found

    def postings(self, text: str) -> list[Posting]:
        """Return what Whoosh's ``field.index(text)`` returns, in another order: for each
        distinct term its bytes, frequency, weight and encoded posting value."""
        boost = self._boost
        if type(self._format) is Positions:
            encode = self._format.encode  # a new value each time: the block's pickle must
            # not refer back to an equal value it holds already, as Whoosh's does not
            return [
                (term.encode("utf-8"), len(found), len(found) * boost, encode(found))
                for term, found in self.positions(text).items()
            ]
        if type(self._format) is Existence:
            return [
                (term.encode("utf-8"), 1, boost, b"") for term in set(self.terms(text)) - {None}
            ]  # type: ignore[union-attr]
        return [
            (term.encode("utf-8"), freq, freq * boost, self._frequency(freq))
            for term, freq in self.counts(text).items()
        ]

    def _frequency(self, freq: int) -> bytes:
        value = self._frequencies.get(freq)
        if value is None:
            value = self._frequencies[freq] = pack_uint(freq)
        return value


def _stop_step(stop: StopFilter) -> Callable[[str], str | None]:
    stops, smallest, largest = stop.stops, stop.min, stop.max

    def step(text: str) -> str | None:
        too_long = largest is not None and len(text) > largest
        return None if len(text) < smallest or too_long or text in stops else text

    return step


def _stem_step(stem: StemFilter) -> Callable[[str], str | None]:
    stemfn: Callable[[str], str] = stem._stem  # the filter's own (cached) stemming function
    ignore = stem.ignore
    return lambda text: text if text in ignore else stemfn(text)


def field_terms(field: FieldType) -> FieldTerms | None:
    """Return the whole-passage analysis of ``field``, or ``None`` when its analyzer has a part
    this module does not read (Whoosh's own analysis is then used)."""
    analyzer: Any = getattr(field, "analyzer", None)
    parts = list(analyzer.items) if isinstance(analyzer, CompositeAnalyzer) else [analyzer]
    tokenizer = parts[0]
    if type(tokenizer) is not RegexTokenizer or tokenizer.gaps or tokenizer.expression.groups:
        return None
    if type(field.format) not in (Existence, Frequency, Positions):
        return None
    positioned = type(field.format) is Positions
    steps: list[Callable[[str], str | None]] = []
    for part in parts[1:]:
        if type(part) is LowercaseFilter:
            steps.append(str.lower)
        elif type(part) is CharsetFilter:
            charmap = part.charmap
            steps.append(lambda text, charmap=charmap: text.translate(charmap))
        elif type(part) is StopFilter and not positioned:
            steps.append(_stop_step(part))
        elif type(part) is StemFilter and not part.lang:
            steps.append(_stem_step(part))
        else:
            return None
    return FieldTerms(tokenizer.expression, steps, field.format)
