"""The language of a text, told from its script: Persian (Arabic script) or English (Latin).

The corpus holds two languages, and they never share a script, so counting letters is enough and
guesses nothing else: the language with the majority of letters wins, a text with no letters of
either script has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ARABIC_LETTER = re.compile(
    r"[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]"
)
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def script_counts(text: str) -> tuple[int, int]:
    """Return the number of (Arabic-script, Latin) letters in ``text``."""
    return len(_ARABIC_LETTER.findall(text)), len(_LATIN_LETTER.findall(text))


def detect_language(texts: Iterable[str]) -> str | None:
    """Return ``"fa"`` or ``"en"``, whichever script has most letters in ``texts``; ``None``
    when there are no letters of either."""
    persian = latin = 0
    for text in texts:
        arabic, roman = script_counts(text)
        persian += arabic
        latin += roman
    if not persian and not latin:
        return None
    return "fa" if persian > latin else "en"


def passage_is_rtl(text: str, language: str) -> bool:
    """Tell whether a passage reads right to left: most of its letters are Arabic-script; one
    without letters (numbers, a date) follows its document's ``language``."""
    arabic, latin = script_counts(text)
    if arabic or latin:
        return arabic > latin
    return language == "fa"
