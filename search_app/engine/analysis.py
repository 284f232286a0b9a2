"""Analyzers: how text becomes index terms, used alike for documents and for queries.

One pipeline serves English and Persian, so that one query box searches both:

1. a tokenizer that keeps combining marks and the tatweel inside words (so that they can be
   dropped, not split on), splits at the zero-width non-joiner (see :data:`ZWNJ_JOINS`), and
   keeps apostrophes between letters (``Ra'isi``);
2. lower-casing and *folding*: Latin accents (``Mojāhedin`` = ``Mojahedin``), apostrophes,
   Arabic ي/ى/ك written as Persian ی/ک, ۀ/ة as ه, أ/إ as ا, Persian and Arabic-Indic digits as
   ASCII (``۱۳۶۷`` = ``١٣٦٧`` = ``1367``), Arabic diacritics and the tatweel dropped;
3. for ordinary searches, English and Persian stop words dropped and English words stemmed. The
   stemmer only changes Latin-script words: Persian has no stemmer here, on purpose (light Persian
   stemmers conflate unrelated words, and names matter more than inflections in this corpus).

The *exact* analyzer stops after step 2: it serves quoted phrases, ``exact=1``, spelling
suggestions and completion. The choices for Persian (splitting at the zero-width non-joiner, the
stop list) were measured on ParsiNLU questions: ``docs/benchmarks.md``.

Only built-in Whoosh components are used: analyzers are pickled into the index, and an index must
not depend on our class names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

#: A step of an analyzer chain, on one word: its new form, or ``None`` to drop it.
Step = Callable[[str], "str | None"]

ZWNJ = "\u200c"
#: Split words at a zero-width non-joiner (``می‌شود`` is ``می`` + ``شود``, as a user typing a
#: space finds it) rather than join them (``میشود``). Splitting found the right passage first
#: for 64.5% of ParsiNLU questions, joining for 62.7%: docs/benchmarks.md.
ZWNJ_JOINS = False

APOSTROPHES = "'’ʼ‘`"
_MARKS = (
    "\u0300-\u036f\u064b-\u065f\u0670\u0640"  # Latin combining accents, Arabic harakat, tatweel
)
#: A word is a run of word characters and marks, possibly joined by apostrophes (``Ra'isi``) or
#: inner dots (``U.S``); a possessive ``'s`` is not part of the word (``Khomeini's``).
_WORD = rf"[\w{_MARKS}{{zwnj}}]+"
TOKEN_PATTERN = (
    _WORD.format(zwnj=ZWNJ) + r"(?:(?:['’ʼ‘`](?!s\b)|\.)" + _WORD.format(zwnj=ZWNJ) + ")*"
)
TOKEN_PATTERN_SPLIT_ZWNJ = (
    _WORD.format(zwnj="") + r"(?:(?:['’ʼ‘`](?!s\b)|\.)" + _WORD.format(zwnj="") + ")*"
)

PERSIAN_LETTERS = {
    "ي": "ی",  # Arabic yeh
    "ى": "ی",  # alef maksura
    "ك": "ک",  # Arabic kaf
    "ۀ": "ه",  # heh with yeh above
    "ة": "ه",  # teh marbuta
    "أ": "ا",
    "إ": "ا",
}
DIGITS = {
    **{chr(0x06F0 + n): str(n) for n in range(10)},
    **{chr(0x0660 + n): str(n) for n in range(10)},
}

_FOLDING: dict[int, str | None] = {
    **accent_map,
    **{ord(mark): "" for mark in APOSTROPHES},
    **{ord(a): b for a, b in PERSIAN_LETTERS.items()},
    **{ord(a): b for a, b in DIGITS.items()},
    **{code: "" for code in range(0x064B, 0x0660)},  # harakat: fatha, kasra, shadda, sukun...
    0x0670: "",  # superscript alef
    0x0640: "",  # tatweel
    ord(ZWNJ): "",
}

#: Common Persian function words: conjunctions, prepositions, pronouns, auxiliaries.
PERSIAN_STOP_WORDS = frozenset(
    """
    و در به از که این آن را با است برای تا بر هم نیز یا اما اگر چه چون پس هر همه هیچ
    یک ای ها های هایی ی می نمی شد شده شود شوند بود بوده بودند باشد باشند است هست نیست
    اند ام ای ایم اید کرد کرده کند کنند کردن کردند خواهد خواهند دارد دارند داشت داشته
    من تو او ما شما آنها ایشان وی خود خویش خودش این‌ها آن‌ها اینها آنها همین همان چنین
    چنان دیگر بی درباره روی زیر پیش بین میان نزد سوی مانند جز بدون برای توسط طی ضمن
    """.split()
)

STOP_WORDS_EN_FA = frozenset(STOP_WORDS) | frozenset(
    word.replace(ZWNJ, "") for word in PERSIAN_STOP_WORDS
)


def exact_analyzer(join_zwnj: bool = ZWNJ_JOINS) -> Analyzer:
    """Return the analyzer that keeps words as written: lower-cased and folded only."""
    pattern = TOKEN_PATTERN if join_zwnj else TOKEN_PATTERN_SPLIT_ZWNJ
    return RegexTokenizer(pattern) | LowercaseFilter() | CharsetFilter(_FOLDING)


def persian_analyzer(join_zwnj: bool = ZWNJ_JOINS, stop_words: bool = True) -> Analyzer:
    """Return the Persian part of the pipeline alone: folding and stop words, no stemmer."""
    analyzer = exact_analyzer(join_zwnj)
    if stop_words:
        stops = {word.replace(ZWNJ, "") for word in PERSIAN_STOP_WORDS}
        analyzer = analyzer | StopFilter(stoplist=stops, minsize=1)
    return analyzer


def stemmed_analyzer() -> Analyzer:
    """Return the analyzer for ordinary searches: fold, drop English and Persian stop words,
    stem English words."""
    return exact_analyzer() | StopFilter(stoplist=STOP_WORDS_EN_FA) | StemFilter()


_EXACT_WORD = re.compile(TOKEN_PATTERN if ZWNJ_JOINS else TOKEN_PATTERN_SPLIT_ZWNJ)


def exact_words(text: str) -> list[tuple[str, int, int]]:
    """Return the words of ``text`` as the exact analyzer gives them, with where each stands
    (start and end character): the same words, without Whoosh's per-token filter chain, each
    distinct word folded once (remembered: result pages and builds read the same words again)."""
    folded = _FOLDED
    found = []
    for match in _EXACT_WORD.finditer(text):
        word = match.group()
        form = folded.get(word)
        if form is None:
            if len(folded) >= _FOLDED_KEPT:
                folded.clear()
            form = folded[word] = word.lower().translate(_FOLDING)
        found.append((form, match.start(), match.end()))
    return found


#: Words folded already (see :func:`exact_words`), at most :data:`_FOLDED_KEPT` of them.
_FOLDED: dict[str, str] = {}
_FOLDED_KEPT = 100_000


def exact_word_list(text: str) -> list[str]:
    """Return the words of ``text`` as the exact analyzer gives them."""
    return [word for word, _, _ in exact_words(text)]


#: Shared instances for reading queries and marking passages (the index keeps its own copies).
STEMMED = stemmed_analyzer()
EXACT = exact_analyzer()


def stop_step(stop: StopFilter) -> Step:
    """Return a stop filter's test as a step on one word: ``None`` for a stop word (or one too
    short or too long), else the word."""
    stops, smallest, largest = stop.stops, stop.min, stop.max

    def step(text: str) -> str | None:
        too_long = largest is not None and len(text) > largest
        return None if len(text) < smallest or too_long or text in stops else text

    return step


def stem_step(stem: StemFilter) -> Callable[[str], str]:
    """Return a stem filter as a step on one word (its own cached stemming function)."""
    stemfn: Callable[[str], str] = stem._stem
    ignore = stem.ignore
    return lambda text: text if text in ignore else stemfn(text)


_STOP, _STEM = STEMMED.items[-2:]
assert isinstance(_STOP, StopFilter) and isinstance(_STEM, StemFilter), "the chain has changed"
_KEPT_UNLESS_STOP, _STEMMED_WORD = stop_step(_STOP), stem_step(_STEM)


@functools.lru_cache(maxsize=100_000)
def stemmed_form(word: str) -> str:
    """Return the stemmed analyzer's term for a word as :func:`exact_words` gives it, stop
    words kept as they are: what the analyzer gives with ``removestops=False`` (queries and
    highlighting read words so)."""
    return word if _KEPT_UNLESS_STOP(word) is None else _STEMMED_WORD(word)
