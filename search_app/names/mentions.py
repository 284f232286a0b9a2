"""Mentions: where a passage names an entry of the register.

A passage's words (as the index analyses them: lower-cased and folded, in order) are compared with
every spelling of every entry. A spelling of several words matches only where its words stand in
order. Where spellings overlap, the longest wins: "United Nations Human Rights Council" is a
mention of the Council, not also of the United Nations.

A register need not list every spelling: with ``by_name_key``, a word of the passage that may be
a name (capitalised in Latin script, or in Persian script) also matches a spelling's word that is
the same name by :func:`search_app.names.keys.same_name` (``Khomeyni`` and خمینی for
``Khomeini``). Acronyms and words of two letters match only as written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from search_app.names.keys import NameKey, compatible, name_keys
from search_app.names.register import Register

#: Turns a text into its words as the index analyses them.
Analyze = Callable[[str], list[str]]


@dataclass(frozen=True)
class Mention:
    """Words ``start`` to ``end`` (exclusive) of a passage name the entries ``slugs``."""

    start: int
    end: int
    slugs: tuple[str, ...]


class MentionFinder:
    """Find the register's spellings in the words of passages."""

    def __init__(
        self,
        register: Register,
        analyze: Analyze,
        by_name_key: bool = False,
    ) -> None:
        self._name_keys: dict[str, tuple[NameKey, ...]] = {}
        spellings: dict[tuple[str, ...], list[str]] = {}
        for entry in register.entries:
            for spelling in entry.spellings:
                words = tuple(analyze(spelling))
                if words and entry.slug not in spellings.get(words, []):
                    spellings.setdefault(words, []).append(entry.slug)
        #: first word -> (spelling's words, entries), longest spelling first
        self._starting: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        #: the skeleton of a spelling's first word -> the same, for words written otherwise
        self._sounding: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for words, slugs in spellings.items():
            self._starting.setdefault(words[0], []).append((words, tuple(slugs)))
            if by_name_key and self._keyed(words[0]):
                for skeleton in {k.skeleton for k in self.name_keys_of(words[0])}:
                    self._sounding.setdefault(skeleton, []).append((words, tuple(slugs)))
        for candidates in (*self._starting.values(), *self._sounding.values()):
            candidates.sort(key=lambda candidate: -len(candidate[0]))

    def __bool__(self) -> bool:
        return bool(self._starting)

    def name_keys_of(self, word: str) -> tuple[NameKey, ...]:
        found = self._name_keys.get(word)
        if found is None:
            found = self._name_keys[word] = name_keys(word)
        return found

    @staticmethod
    def _keyed(word: str) -> bool:
        """Tell whether a word is long enough to be matched by its name key."""
        return len(word) > 2

    def _same(self, word: str, spelling_word: str) -> bool:
        return word == spelling_word or any(
            compatible(a, b)
            for a in self.name_keys_of(word)
            for b in self.name_keys_of(spelling_word)
        )

    def find(self, words: Sequence[str], written: Sequence[str] | None = None) -> list[Mention]:
        """Return the mentions in a passage's words, left to right, never overlapping.

        ``written`` (each word as the text writes it) lets words that may be names match
        through their name keys, when the finder was made ``by_name_key``.
        """
        named = [False] * len(words)
        if self._sounding and written is not None:
            pairs = zip(written, words, strict=True)
            named = [_may_be_name(form) and self._keyed(word) for form, word in pairs]
        starting, sounding = self._starting, self._sounding
        mentions: list[Mention] = []
        end = 0
        # most words start no spelling: look only where one may start
        for at in [n for n, word in enumerate(words) if word in starting or named[n]]:
            if at < end:
                continue  # inside the mention before
            found = self._match(words, named, at, starting.get(words[at], ()), exact=True)
            if found is None and named[at]:
                for skeleton in {k.skeleton for k in self.name_keys_of(words[at])}:
                    found = self._match(words, named, at, sounding.get(skeleton, ()), exact=False)
                    if found is not None:
                        break
            if found is not None:
                mentions.append(found)
                end = found.end
        return mentions

    def _match(
        self,
        keys: Sequence[str],
        named: Sequence[bool],
        at: int,
        candidates: Sequence[tuple[tuple[str, ...], tuple[str, ...]]],
        exact: bool,
    ) -> Mention | None:
        for spelling, slugs in candidates:
            end = at + len(spelling)
            if end > len(keys):
                continue
            if (
                tuple(keys[at:end]) == spelling
                or not exact
                and all(
                    keys[n] == word or named[n] and self._same(keys[n], word)
                    for n, word in zip(range(at, end), spelling, strict=True)
                )
            ):
                return Mention(at, end, slugs)
        return None

    def entries_in(self, words: Sequence[str], written: Sequence[str] | None = None) -> list[str]:
        """Return the ids of the entries a passage names, sorted."""
        return sorted({slug for m in self.find(words, written) for slug in m.slugs})


def _may_be_name(written: str) -> bool:
    """Tell whether a word as written may be a name: capitalised (not an acronym) in Latin
    script, or in Persian script (which has no capitals)."""
    first = written[:1]
    if "\u0600" <= first <= "\u06ff":
        return True
    return first.isupper() and not written.isupper()
