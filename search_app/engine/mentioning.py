"""The register's names in a text, as the index reads its words: one finder for building the
index, checking the corpus and linking names on document pages alike."""

from __future__ import annotations

from search_app.engine.analysis import exact_word_list, exact_words
from search_app.names.mentions import Mention, MentionFinder
from search_app.names.register import Register


def mention_finder(register: Register) -> MentionFinder:
    """Return the finder of ``register``'s names: their spellings, and other spellings of the
    same names by their name keys."""
    return MentionFinder(register, exact_word_list, by_name_key=True)


def mentions_in(finder: MentionFinder, text: str) -> tuple[list[Mention], list[tuple[int, int]]]:
    """Return the mentions in ``text`` and where each of its words stands (start, end)."""
    words = exact_words(text)
    found = finder.find([w for w, _, _ in words], [text[start:end] for _, start, end in words])
    return found, [(start, end) for _, start, end in words]


def named_in(finder: MentionFinder, text: str) -> list[str]:
    """Return the ids of the entries ``text`` names, sorted."""
    return sorted({slug for mention in mentions_in(finder, text)[0] for slug in mention.slugs})
