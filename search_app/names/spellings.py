"""Spellings found in the corpus: which words of the index a search for a name also finds.

Which words may join? Not every word: ``Adam`` must not become a spelling of اعدام
("execution"), nor ``Mass`` of ``Moses``. A word joins only when it looks like a name:

- **Latin script**: a word written with a capital letter in the middle of a sentence in at
  least half of its occurrences (:data:`CAPITALISED_SHARE`), or two such words in a row
  (``Gohar Dasht``, ``Mohseni-Ejei``), which are keyed as one word (= ``Gohardasht``);
- **Persian script** (which has no capitals): a word, or words joined by a zero-width non-joiner
  (``قزل‌حصار``), that is not a function word and that spells the same name as a Latin word that
  joined; and words that differ only in how a hamza is written (رئیسی = رییسی), which are one
  word whatever it is. Other Persian vocabulary thus joins only through a capitalised Latin word
  with the same consonants and compatible vowels, and only when it is not far more frequent than
  that word (:func:`group_spellings`); the benchmark measures how often that happens.

:func:`name_forms` reads a document's text when it is indexed; :func:`group_spellings` makes
the groups once the index knows every word's frequency; :class:`Spellings` answers "what else
should a search for this word find".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from search_app.names.keys import NameKey, compatible, name_keys

#: Share of a Latin word's occurrences that must be capitalised mid-sentence for it to join.
CAPITALISED_SHARE = 0.5

#: A capitalised word: a capital, then a small letter (``DNA``, an acronym, is not a name).
_LATIN = (
    r"[A-Z\u00C0-\u00DE][a-z\u00DF-\u024F][A-Za-z\u00C0-\u024F]*"
    r"(?:['’ʼ‘`ʿʾ][A-Za-z\u00C0-\u024F]+)*"
)
#: A capitalised word, or two joined by one space or hyphen (``Gohar Dasht``, ``Pour-Mohammadi``).
_LATIN_NAME = re.compile(rf"(?<![\w'’-])({_LATIN})(?:([ -])({_LATIN}))?(?![\w'’])")
_PERSIAN_LETTERS = r"[\u0621-\u064a\u0671-\u06d3]"  # letters only: not ، nor digits
_PERSIAN_JOINED = re.compile(rf"{_PERSIAN_LETTERS}+(?:\u200c{_PERSIAN_LETTERS}+)+")
#: How much more often than its Latin spellings a Persian word may occur and still join them.
PERSIAN_SLACK = 3
PERSIAN_RATIO = 4.0
#: Persian plural endings: a word with one is vocabulary, not a name (نیروهای, "forces").
_PERSIAN_PLURALS = ("ها", "های", "هایی")
_SENTENCE_END = '.!?:;"“”«»()[]•*#>|-–—'


def _mid_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return bool(before) and before[-1] not in _SENTENCE_END


def name_forms(text: str) -> Counter[str]:
    """Count the forms in ``text`` that may be names: capitalised Latin words and pairs seen
    mid-sentence (lower-cased), and Persian words joined by a zero-width non-joiner."""
    forms: Counter[str] = Counter()
    for match in _LATIN_NAME.finditer(text):
        first, joiner, second = match.groups()
        if len(first) < 3 or (second and len(second) < 3):
            continue  # two letters (Mr, Dr) say too little to key
        if second:  # its second word is mid-sentence wherever the pair stands
            forms[second.lower()] += 1
        if not _mid_sentence(text, match.start()):
            continue
        forms[first.lower()] += 1
        if second:
            forms[f"{first}{joiner}{second}".lower()] += 1
    for match in _PERSIAN_JOINED.finditer(text):
        forms[match.group()] += 1
    return forms


def _folded(word: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", word) if c.isalnum() or c in " -"
    ).lower()


def _is_persian(form: str) -> bool:
    return "\u0600" <= form[:1] <= "\u06ff"


def group_spellings(
    forms: Mapping[str, int],
    persian_words: Iterable[str],
    frequency: Callable[[str], int],
    persian_share: float = 1.0,
) -> dict[str, list[str]]:
    """Group the index's name-like words by skeleton, keeping only skeletons with two or more.

    ``forms`` counts the capitalised Latin forms and joined Persian words of every document
    (:func:`name_forms`); ``persian_words`` are the index's Persian words (function words left
    out); ``frequency`` gives how often the index has a word in all; ``persian_share`` is the
    index's Persian passages per Latin-script passage.

    A Persian word joins only the Latin spellings it is compatible with, and only when it is not
    far more frequent than they are (at most :data:`PERSIAN_SLACK` + :data:`PERSIAN_RATIO` times
    their count, scaled by ``persian_share``): a name is written about as often in either script,
    while vocabulary (خانه, "house", against the country Kenya) is far more frequent.
    """
    latin: dict[str, list[tuple[str, NameKey]]] = {}
    capitalised: Counter[str] = Counter()  # Ra'isi and Raisi are one word of the index
    for form, count in forms.items():
        capitalised[_folded(form)] += count
    for form in forms:
        if _is_persian(form):
            continue
        last = re.split(r"[ -]", form)[-1]
        if capitalised[_folded(last)] >= CAPITALISED_SHARE * max(frequency(last), 1):
            for key in name_keys(form):
                latin.setdefault(key.skeleton, []).append((form, key))
    groups = {skeleton: [form for form, _key in members] for skeleton, members in latin.items()}
    persian = {form for form in forms if _is_persian(form)} | set(persian_words)
    persian = {w for w in persian if not w.endswith(_PERSIAN_PLURALS)}
    for word in sorted(w for w in persian if not any(c.isdigit() for c in w)):
        count = forms.get(word) or frequency(word)
        for key in name_keys(word):
            met = [form for form, other in latin.get(key.skeleton, ()) if compatible(key, other)]
            latin_count = sum(capitalised[_folded(form)] for form in met)
            allowed = PERSIAN_SLACK + PERSIAN_RATIO * latin_count * persian_share
            if met and count <= allowed and word not in groups[key.skeleton]:
                groups[key.skeleton].append(word)
    for variants in _hamza_variants(persian).values():  # رئیسی = رییسی, with or without Latin
        if len(variants) > 1:
            skeleton = name_keys(variants[0])[0].skeleton
            members = groups.setdefault(skeleton, [])
            members.extend(word for word in variants if word not in members)
    return {skeleton: sorted(members) for skeleton, members in groups.items() if len(members) > 1}


#: Letters that only say how a vowel or glottal stop is written: ئ is ی with a hamza.
_HAMZA_FOLDING = str.maketrans({"ئ": "ی", "ؤ": "و", "أ": "ا", "إ": "ا", "آ": "ا", "ء": None})


def _hamza_variants(words: Iterable[str]) -> dict[str, list[str]]:
    """Group Persian words that differ only in how a hamza is written: one word, whether a name
    or not (رئیس = رییس), so they join without a Latin spelling."""
    by_form: dict[str, list[str]] = {}
    for word in sorted(words):
        if name_keys(word):
            by_form.setdefault(word.translate(_HAMZA_FOLDING), []).append(word)
    return by_form


#: The letters a hamza sits on (أ إ ئ ؤ), each written as the bare hamza: words that differ only
#: in which letter carries it are one word (هیأت = هیئت, مسأله = مسئله).
_SEATED_HAMZA = str.maketrans(dict.fromkeys("أإئؤ", "ء"))


def hamza_key(word: str) -> str | None:
    """Return ``word`` with each seated hamza written bare, or ``None`` when it has none."""
    keyed = word.translate(_SEATED_HAMZA)
    return keyed if keyed != word else None


def seated_hamza_words(words: Iterable[str]) -> dict[str, list[str]]:
    """Key the index's words that keep a seated hamza (the index reads أ and إ as ا, so these
    are the words with ئ or ؤ) by :func:`hamza_key`: where a search for the same word with its
    hamza on another letter finds them."""
    keyed: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        key = hamza_key(word)
        if key is not None:
            keyed.setdefault(key, []).append(word)
    return keyed


@dataclass
class Spellings:
    """The groups of one index: look up the other spellings of a word."""

    groups: dict[str, list[str]] = field(default_factory=dict)
    #: the index's words with a seated hamza, by :func:`hamza_key`
    hamza: dict[str, list[str]] = field(default_factory=dict)
    _keys: dict[str, tuple[NameKey, ...]] = field(default_factory=dict, repr=False)

    def _keys_of(self, spelling: str) -> tuple[NameKey, ...]:
        keys = self._keys.get(spelling)
        if keys is None:
            keys = self._keys[spelling] = name_keys(spelling)
        return keys

    def others(self, spelling: str) -> list[str]:
        """Return the index's spellings of the same name as ``spelling`` (itself left out)."""
        found: dict[str, None] = {}
        typed = name_keys(spelling)
        folded = spelling.lower()
        for key in typed:
            for member in self.groups.get(key.skeleton, ()):
                if member == folded or member in found:
                    continue
                if any(compatible(key, other) for other in self._keys_of(member)):
                    found[member] = None
        return list(found)


@dataclass
class NameLookup:
    """Everything a search consults for other spellings of a word: the list's groups (by the
    analyzed form of each spelling, words joined by a space) and the index's own groups."""

    listed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    spellings: Spellings = field(default_factory=Spellings)
    #: pairs of words the list keeps apart (``! Hossein, Hassan``)
    apart: frozenset[frozenset[str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.listed or self.spellings.groups or self.spellings.hamza)

    def others(self, typed: str, analyzed: str, keys: bool = True) -> list[str]:
        """Return the other spellings of ``typed`` (whose analyzed form is ``analyzed``): every
        spelling of its list group, then (with ``keys``) the index's spellings of the name."""
        found: dict[str, None] = {}
        for spelling in self.listed.get(analyzed, ()):
            found[spelling] = None
        for spelling in self.spellings.others(typed) if keys else ():
            if frozenset((typed.lower(), spelling)) not in self.apart:
                found.setdefault(spelling, None)
        found.pop(typed, None)
        return list(found)
