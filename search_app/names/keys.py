"""Name keys: when two spellings, in Latin or Persian script, may be the same Persian name.

A Persian name reaches English text through many transliterations (Khomeini, Khomeyni,
Khumayni) and Persian script writes it once more (خمینی). What they share is their *consonants*;
what they disagree on is how vowels are written. A :class:`NameKey` is therefore two parts:

- the **skeleton**: the name's consonants as sound classes, one letter each, with ``^`` in front
  when the name starts with a vowel and ``$`` at the end when it ends with one (so ``Tabrizi`` is
  ``TBRZ$`` and stays apart from ``Tabriz``, ``TBRZ``). Latin digraphs are read first (kh, gh,
  sh, ch, zh, dj, ph), doubled consonants count once, q is gh, w is v, p is f (Ispahan =
  Esfahan), accents, apostrophes, ʿayn marks, hyphens and spaces are dropped, and h is silent
  except at the start (Khamenehi = Khamenei). Persian letters map into the same classes:
  ث س ص are S, ذ ز ض ظ are Z, ت ط are T, غ ق are G, ح ه are silent except at the start like
  h, ا ی ع ء ئ are vowels; و is v at the start, before a vowel letter or after ا, a vowel when
  last, and either between consonants (so a Persian word may have two readings).
- the **vowels**: one class per gap around the consonants, because transliterations do agree on
  some vowels: o/u (Khomeini) is not a (Khamenei), i/ee/y/ei are one class, e goes with a, i or
  no vowel at all. Persian leaves short vowels unwritten, so its empty gap accepts any Latin
  vowel, while its written ی, و and ا each accept their Latin counterparts.

Two spellings are the same name (:func:`same_name`) when one of their keys has the same skeleton
and every gap's vowels are compatible (:func:`compatible`). Grouping words by skeleton first keeps
that a dictionary look-up: see :mod:`search_app.names.spellings`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import product

#: Characters that join or separate parts of one name and are dropped from its key.
_JOINERS = "-\u2010\u2011 \u200c\u200d'’ʼ‘`ʿʾ"

_LATIN_DIGRAPHS = {"kh": "K", "gh": "G", "sh": "X", "ch": "C", "zh": "J", "dj": "J", "ph": "F"}
_LATIN_LETTERS = {
    **{c: c.upper() for c in "bdfjklmnrstvz"},
    "p": "F",  # Ispahan = Esfahan; پ and ف are one class too
    "c": "K",
    "g": "G",
    "q": "G",
    "w": "V",
    "x": "KS",
}
_LATIN_VOWELS = frozenset("aeiouy")

_PERSIAN_LETTERS = {
    "ب": "B", "پ": "F", "ت": "T", "ط": "T", "ث": "S", "س": "S", "ص": "S", "ج": "J", "چ": "C",
    "خ": "K", "د": "D", "ذ": "Z", "ر": "R", "ز": "Z", "ض": "Z", "ظ": "Z", "ژ": "J", "ش": "X",
    "غ": "G", "ق": "G", "ف": "F", "ک": "K", "ك": "K", "گ": "G", "ل": "L", "م": "M", "ن": "N",
}  # fmt: skip
#: Persian letters that write a vowel (or nothing a Latin spelling keeps), by vowel class.
_PERSIAN_VOWELS = {
    "ا": "a", "آ": "a", "أ": "a", "إ": "a", "ی": "i", "ي": "i", "ى": "i", "ئ": "i",
    "ع": "", "ء": "", "ؤ": "u",
}  # fmt: skip
_SILENT_H = frozenset("هحۀة")


@dataclass(frozen=True)
class NameKey:
    """One reading of a spelling: its consonant skeleton and the vowel class of each gap.

    ``vowels`` has one entry per gap: before the first consonant, between each two, after the
    last. Latin classes are ``A`` (a), ``E`` (e alone), ``I`` (i or y), ``O`` (o or u) and ``""``
    (no vowel); Persian classes are ``a`` (ا), ``i`` (ی), ``u`` (و), ``e`` (a final ه) and
    ``""`` (nothing written: any short vowel).
    """

    skeleton: str
    vowels: tuple[str, ...]
    persian: bool


def _is_persian(text: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in text)


def _latin_part_class(part: str) -> str:
    if "i" in part or "y" in part or "ee" in part:
        return "I"
    if "o" in part or "u" in part:
        return "O"
    return "A" if "a" in part else "E"


def _latin_vowel_class(cluster: str) -> str:
    """Class a gap's vowels; around a silent h, each side's class (``Ebrahim``: ``A|I``)."""
    return "|".join(_latin_part_class(part) for part in cluster.split("|") if part)


def _persian_vowel_class(cluster: str) -> str:
    for name in "iuae":
        if name in cluster:
            return name
    return "·" if cluster.strip("|") else ""


def _key(consonants: list[str], gaps: list[str], classify, persian: bool) -> NameKey:
    """Make a key from consonant classes and the vowel letters of the gaps around them."""
    skeleton = "".join(consonants)
    vowels = tuple(classify(gap) for gap in gaps)
    if gaps[0].strip("|"):
        skeleton = "^" + skeleton
    if gaps[-1].strip("|"):
        skeleton += "$"
    return NameKey(skeleton, vowels, persian)


def _latin_key(word: str) -> NameKey | None:
    folded = unicodedata.normalize("NFKD", word.lower())
    letters = [c for c in folded if "a" <= c <= "z"]
    collapsed = [
        c
        for i, c in enumerate(letters)
        if i == 0 or c != letters[i - 1] or c in _LATIN_VOWELS  # Nayyeri, not Raeesi
    ]
    text = "".join(collapsed)
    consonants: list[str] = []
    gaps = [""]
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _LATIN_DIGRAPHS:
            sounds, i = _LATIN_DIGRAPHS[pair], i + 2
        elif text[i] in _LATIN_VOWELS:
            gaps[-1] += text[i]
            i += 1
            continue
        elif text[i] == "h":  # silent unless it starts the name (Hossein)
            i += 1
            if i > 1:
                gaps[-1] += "|"
                continue
            sounds = "H"
        else:
            sounds, i = _LATIN_LETTERS[text[i]], i + 1
        for sound in sounds:
            if not (consonants and consonants[-1] == sound and not gaps[-1]):
                consonants.append(sound)
                gaps.append("")
    if not consonants:
        return None
    return _key(consonants, gaps, _latin_vowel_class, persian=False)


def _persian_readings(word: str) -> list[list[tuple[str, str]]]:
    """Read each letter as a consonant class or a vowel: ``[(kind, value), ...]`` per reading,
    kind ``c`` (consonant) or ``v`` (vowel letter); و between consonants is read both ways."""
    letters = [c for c in word if c in _PERSIAN_LETTERS or c in _PERSIAN_VOWELS or c in "وهحۀة"]
    options: list[list[tuple[str, str]]] = []
    for i, char in enumerate(letters):
        before = letters[i - 1] if i else ""
        after = letters[i + 1] if i + 1 < len(letters) else ""
        if char in _PERSIAN_LETTERS:
            options.append([("c", _PERSIAN_LETTERS[char])])
        elif char in _SILENT_H:
            if i == 0:
                options.append([("c", "H")])
            elif not after and char in "هۀة":
                options.append([("v", "e")])
            else:
                options.append([("s", "")])
        elif char == "و":
            vowel_after = after in _PERSIAN_VOWELS and _PERSIAN_VOWELS[after] in ("a", "i")
            if i == 0 or vowel_after or (before in "اآ" and i > 1):
                options.append([("c", "V")])
            elif not after or (i == 1 and before in "اآ"):
                options.append([("v", "u")])
            else:
                options.append([("v", "u"), ("c", "V")])
        else:
            options.append([("v", _PERSIAN_VOWELS[char])])
    if len([o for o in options if len(o) > 1]) > 3:  # at most 8 readings of one word
        options = [o[:1] for o in options]
    return [list(reading) for reading in product(*options)]


def _persian_keys(word: str) -> list[NameKey]:
    keys = []
    for reading in _persian_readings(word):
        consonants: list[str] = []
        gaps = [""]
        for kind, value in reading:
            if kind == "s":
                gaps[-1] += "|"
            elif kind == "v":
                gaps[-1] += value or "·"  # ع and ء: a vowel position with no class
            else:  # Persian writes a doubled consonant once
                consonants.append(value)
                gaps.append("")
        if consonants:
            keys.append(_key(consonants, gaps, _persian_vowel_class, persian=True))
    return list(dict.fromkeys(keys))


def name_keys(spelling: str) -> tuple[NameKey, ...]:
    """Return the keys of a spelling of a name: one for Latin script, one or more for Persian.

    A spelling of several words (``Gohar Dasht``, ``Mohseni-Ejei``, ``قزل‌حصار``) is keyed as
    one word: hyphens, spaces and zero-width non-joiners are dropped. Text with no consonant (or
    in another script) has no key.
    """
    word = "".join(c for c in spelling if c not in _JOINERS)
    if not word:
        return ()
    if _is_persian(word):
        return tuple(_persian_keys(word))
    key = _latin_key(word)
    return (key,) if key else ()


#: Latin vowel classes that two Latin spellings of one name may show in the same gap.
_LATIN_PAIRS = frozenset({("A", "E"), ("E", "I"), ("E", "")})
#: Latin classes that a Persian gap accepts, by position (inner gaps, the last gap).
_PERSIAN_INNER = {"a": "AE", "i": "I", "u": "O", "e": "AEI"}
_PERSIAN_LAST = {"a": "AE", "i": "AEI", "u": "O", "e": "AEI"}


def _gap_matches(a: str, b: str, a_persian: bool, b_persian: bool, place: str) -> bool:
    if a_persian and b_persian:
        return a == b or place == "first"
    if a_persian or b_persian:
        persian, latin = (a, b) if a_persian else (b, a)
        if place == "first" or persian in ("", "·") or latin == "":
            return place == "first" or persian in ("", "·")
        table = _PERSIAN_LAST if place == "last" else _PERSIAN_INNER
        return any(part in table.get(persian, "") for part in latin.split("|"))
    a, b = a.split("|")[0], b.split("|")[0]  # Latin spellings agree on the vowel before an h
    return a == b or (a, b) in _LATIN_PAIRS or (b, a) in _LATIN_PAIRS


def compatible(a: NameKey, b: NameKey) -> bool:
    """Tell whether two keys may be one name: same skeleton, and every gap's vowels agree."""
    if a.skeleton != b.skeleton:
        return False
    last = len(a.vowels) - 1
    for index, (x, y) in enumerate(zip(a.vowels, b.vowels, strict=True)):
        place = "first" if index == 0 else "last" if index == last else "inner"
        if not _gap_matches(x, y, a.persian, b.persian, place):
            return False
    return True


def same_name(a: str, b: str) -> bool:
    """Tell whether two spellings may be the same Persian name (``Khomeyni`` = ``خمینی``)."""
    return any(compatible(x, y) for x in name_keys(a) for y in name_keys(b))
