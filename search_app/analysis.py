"""Analyzers: how text becomes index terms, used alike for documents and for queries.

Two analyzers share one tokenizer and one folding step. The *stemmed* analyzer (the default for
searching) drops stop words and reduces words to their stems, so ``commissions`` finds
``commission``. The *exact* analyzer keeps every word as written (only lower-cased and folded); it
serves quoted phrases and ``exact=1`` searches, spelling suggestions and completion.

Whoosh keeps ``*`` inside tokens with its default pattern, so the tokenizer pattern is set here
explicitly. Apostrophes inside words are dropped rather than split on, so that ``Ra'isi``,
``Ra’isi`` and ``Raisi`` meet on one term (a possessive ``’s`` is split off), and accents are
folded (``Mojāhedin`` = ``Mojahedin``). Only built-in Whoosh components are used: analyzers are
pickled into the index, and an index must not depend on our class names.
"""

from __future__ import annotations

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

#: A word is a run of word characters, possibly joined by apostrophes (``Ra'isi``) or inner dots
#: (``U.S``); a possessive ``'s`` is not part of the word (``Khomeini's`` is ``Khomeini``, ``s``).
TOKEN_PATTERN = r"\w+(?:(?:['’ʼ‘`](?!s\b)|\.)\w+)*"

APOSTROPHES = "'’ʼ‘`"

_FOLDING = {**accent_map, **{ord(mark): "" for mark in APOSTROPHES}}


def exact_analyzer() -> Analyzer:
    """Return the analyzer that keeps words as written: lower-cased and folded only."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(_FOLDING)


def english_analyzer() -> Analyzer:
    """Return the analyzer for English text: fold, drop stop words, stem."""
    return exact_analyzer() | StopFilter() | StemFilter()
