"""Mentions: where a passage names an entry of the register.

A passage's words (as the index analyses them: lower-cased and folded, in order) are compared with
every spelling of every entry. A spelling of several words matches only where its words stand in
order. Where spellings overlap, the longest wins: "United Nations Human Rights Council" is a
mention of the Council, not also of the United Nations. Words are compared through a *key*
(by default the word itself), so that a name key can let one spelling find its variants.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from search_app.names.register import Register

#: Turns a text into its words as the index analyses them.
Analyze = Callable[[str], list[str]]
#: Turns a word into what two words must share to be the same name.
Key = Callable[[str], str]


@dataclass(frozen=True)
class Mention:
    """Words ``start`` to ``end`` (exclusive) of a passage name the entries ``slugs``."""

    start: int
    end: int
    slugs: tuple[str, ...]


class MentionFinder:
    """Find the register's spellings in the words of passages."""

    def __init__(self, register: Register, analyze: Analyze, key: Key | None = None) -> None:
        self._key = key
        self._keys: dict[str, str] = {}
        spellings: dict[tuple[str, ...], list[str]] = {}
        for entry in register.entries:
            for spelling in entry.spellings:
                words = tuple(self.key(word) for word in analyze(spelling))
                if words and entry.slug not in spellings.get(words, []):
                    spellings.setdefault(words, []).append(entry.slug)
        #: first word -> (spelling's words, entries), longest spelling first
        self._starting: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for words, slugs in spellings.items():
            self._starting.setdefault(words[0], []).append((words, tuple(slugs)))
        for candidates in self._starting.values():
            candidates.sort(key=lambda candidate: -len(candidate[0]))

    def __bool__(self) -> bool:
        return bool(self._starting)

    def key(self, word: str) -> str:
        """Return what a word is compared by (remembered: a corpus repeats its words)."""
        if self._key is None:
            return word
        found = self._keys.get(word)
        if found is None:
            found = self._keys[word] = self._key(word)
        return found

    def find(self, words: Sequence[str]) -> list[Mention]:
        """Return the mentions in a passage's words, left to right, never overlapping."""
        keys = [self.key(word) for word in words] if self._key is not None else words
        starting = self._starting
        mentions: list[Mention] = []
        end = 0
        # most words start no spelling: look only where one may start
        for at in [n for n, key in enumerate(keys) if key in starting]:
            if at < end:
                continue  # inside the mention before
            for spelling, slugs in starting[keys[at]]:
                if tuple(keys[at : at + len(spelling)]) == spelling:
                    end = at + len(spelling)
                    mentions.append(Mention(at, end, slugs))
                    break
        return mentions

    def entries_in(self, words: Sequence[str]) -> list[str]:
        """Return the ids of the entries a passage names, sorted."""
        return sorted({slug for mention in self.find(words) for slug in mention.slugs})
