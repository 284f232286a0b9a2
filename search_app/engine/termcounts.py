"""A passage's index terms, as its fields' Whoosh analyzers give them, from the whole text at once.

Whoosh analyses a field through a chain of generators, one token object at a time: on a full build
that was a third of the time. Here the chain of a field's analyzer (a regular-expression tokenizer,
then lower-casing, a character map, a stop list, a stemmer: the components of
:mod:`search_app.engine.analysis`) is read once and applied to whole passages: the tokenizer's
compiled expression finds every word, and each distinct word is lower-cased, folded, checked
against the stop list and stemmed once, then remembered. Fields whose chains begin alike (the
stemmed text and the text as written) split and fold a passage once between them; the stemmed
field's terms come from the distinct folded words, not from every word again. The terms, their
counts and their positions are those of Whoosh's analysis (``tests/test_termcounts.py`` compares
them). A chain with any other component is not read: :func:`field_terms` returns ``None`` and
the caller uses Whoosh's own analysis.
"""

from __future__ import annotations

import re
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
from whoosh.system import _INT_SIZE, pack_uint

from search_app.engine.analysis import Step, stem_step, stop_step

#: (term bytes, frequency, weight, encoded value) for each distinct term, as ``field.index``.
Posting = tuple[bytes, int, float, bytes]

#: Words remembered per field: past this the memory is emptied (and filled again by the words
#: that come back: the frequent ones).
MAX_REMEMBERED_WORDS = 100_000
#: Encoded lists of positions remembered per field, of at most :data:`SHORT_POSITIONS` each.
MAX_REMEMBERED_VALUES = 50_000
SHORT_POSITIONS = 3


class Words:
    """A tokenizer and the steps after it that change a word but never drop one (lower-casing,
    folding). Fields whose chains begin with the same ones share it, so that a passage indexed
    in several of them (stemmed and as written) is split and folded once."""

    def __init__(self, expression: re.Pattern[str], steps: list[Step]) -> None:
        self._findall = expression.findall
        self._steps = steps
        self._forms: dict[str, str] = {}
        self._last_text: str | None = None
        self._last: dict[str, list[int]] = {}

    def _form(self, word: str) -> str:
        form = word
        for step in self._steps:
            form = step(form)  # type: ignore[assignment]
        if len(self._forms) >= MAX_REMEMBERED_WORDS:
            self._forms.clear()
        self._forms[word] = form
        return form

    def positions(self, text: str) -> dict[str, list[int]]:
        """Return each form's positions in ``text`` (the word's number, from 0); the result of
        the last text is kept for the next field that asks (not to be changed)."""
        if text is self._last_text:
            return self._last
        known = self._forms
        form_of = self._form
        found: dict[str, list[int]] = {}
        for position, word in enumerate(self._findall(text)):
            form = known[word] if word in known else form_of(word)
            found.setdefault(form, []).append(position)
        self._last_text, self._last = text, found
        return found


class FieldTerms:
    """The terms of one field's analyzer: the shared :class:`Words`, then one memoised function
    from a word's form to its term (``None`` for a stop word)."""

    def __init__(self, words: Words, steps: list[Step], format_: Format) -> None:
        self._words = words
        self._steps = steps
        self._terms: dict[str, str | None] = {}
        self._format = format_
        self._boost = format_.field_boost
        self._frequencies: dict[int, bytes] = {}
        self._encoded: dict[tuple[int, ...], tuple[bytes, bytes]] = {}
        #: each term's bytes, one object per term: its hash is computed once
        self._bytes: dict[str, bytes] = {}

    def _term(self, form: str) -> str | None:
        term: str | None = form
        for step in self._steps:
            term = step(term)
            if term is None:
                break
        if len(self._terms) >= MAX_REMEMBERED_WORDS:
            self._terms.clear()
        self._terms[form] = term
        return term

    def positions(self, text: str) -> dict[str, list[int]]:
        """Return each term's positions in ``text`` (the word's number, from 0). Only for chains
        without a stop list: Whoosh renumbers positions around stop words."""
        found = self._words.positions(text)
        if not self._steps:
            return found
        known = self._terms
        term_of = self._term
        terms: dict[str, list[int]] = {}
        for form, positions in found.items():
            term = known[form] if form in known else term_of(form)
            if term in terms:  # two forms, one term: positions in order
                terms[term] = sorted(terms[term] + positions)
            else:
                terms[term] = positions  # type: ignore[index]
        return terms

    def counts(self, text: str) -> dict[str, int]:
        """Return how often each term occurs in ``text``."""
        found = self._words.positions(text)
        if not self._steps:
            return {form: len(positions) for form, positions in found.items()}
        known = self._terms
        term_of = self._term
        counts: dict[str, int] = {}
        for form, positions in found.items():
            term = known[form] if form in known else term_of(form)
            if term is not None:
                counts[term] = counts.get(term, 0) + len(positions)
        return counts

    def postings(self, text: str) -> list[Posting]:
        """Return what Whoosh's ``field.index(text)`` returns, in another order: for each
        distinct term its bytes, frequency, weight and encoded posting value."""
        boost = self._boost
        known = self._bytes
        as_bytes = self._term_bytes
        if type(self._format) is Positions:
            encoded = self._encoded_positions
            return [
                (
                    known[term] if term in known else as_bytes(term),
                    len(found),
                    len(found) * boost,
                    encoded(found),
                )
                for term, found in self.positions(text).items()
            ]
        counts = self.counts(text)
        if type(self._format) is Existence:
            return [(known[t] if t in known else as_bytes(t), 1, boost, b"") for t in counts]
        return [
            (known[t] if t in known else as_bytes(t), freq, freq * boost, self._frequency(freq))
            for t, freq in counts.items()
        ]

    def _term_bytes(self, term: str) -> bytes:
        if len(self._bytes) >= MAX_REMEMBERED_WORDS:
            self._bytes.clear()
        encoded = self._bytes[term] = term.encode("utf-8")
        return encoded

    def _encoded_positions(self, positions: list[int]) -> bytes:
        """``Positions.encode``, remembered; a new value each time all the same: a block's
        pickle must not refer back to an equal value it holds already, as Whoosh's does not."""
        if len(positions) > SHORT_POSITIONS:  # rarely the same twice
            return self._format.encode(positions)
        key = tuple(positions)
        parts = self._encoded.get(key)
        if parts is None:
            if len(self._encoded) >= MAX_REMEMBERED_VALUES:
                self._encoded.clear()
            value = self._format.encode(positions)
            parts = self._encoded[key] = (value[:_INT_SIZE], value[_INT_SIZE:])
        return parts[0] + parts[1]

    def _frequency(self, freq: int) -> bytes:
        value = self._frequencies.get(freq)
        if value is None:
            value = self._frequencies[freq] = pack_uint(freq)
        return value


def field_terms(
    field: FieldType, shared: list[tuple[list[Any], Words]] | None = None
) -> FieldTerms | None:
    """Return the whole-passage analysis of ``field``, or ``None`` when its analyzer has a part
    this module does not read (Whoosh's own analysis is then used). Fields analysed with the same
    ``shared`` list share their :class:`Words` where their chains begin alike."""
    analyzer: Any = getattr(field, "analyzer", None)
    parts = list(analyzer.items) if isinstance(analyzer, CompositeAnalyzer) else [analyzer]
    tokenizer = parts[0]
    if type(tokenizer) is not RegexTokenizer or tokenizer.gaps or tokenizer.expression.groups:
        return None
    if type(field.format) not in (Existence, Frequency, Positions):
        return None
    positioned = type(field.format) is Positions
    folding = 1
    while folding < len(parts) and type(parts[folding]) in (LowercaseFilter, CharsetFilter):
        folding += 1
    steps: list[Step] = []
    for part in parts[folding:]:
        if type(part) is StopFilter and not positioned:
            steps.append(stop_step(part))
        elif type(part) is StemFilter and not part.lang:
            steps.append(stem_step(part))
        else:
            return None
    return FieldTerms(
        _words(parts[:folding], [] if shared is None else shared), steps, field.format
    )


def _words(parts: list[Any], shared: list[tuple[list[Any], Words]]) -> Words:
    """The :class:`Words` of a tokenizer and its folding steps, shared where they are equal."""
    for known_parts, words in shared:
        if known_parts == parts:
            return words
    steps: list[Step] = []
    for part in parts[1:]:
        if type(part) is LowercaseFilter:
            steps.append(str.lower)
        else:
            charmap = part.charmap
            steps.append(lambda text, charmap=charmap: text.translate(charmap))
    words = Words(parts[0].expression, steps)
    shared.append((parts, words))
    return words
