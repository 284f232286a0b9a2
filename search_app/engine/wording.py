"""Counts in words, the same on the pages and in the terminal: "1 passage", "2 passages"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """Return ``number`` with its noun in the singular or the plural: "1 passage"."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def matches_line(passages: int, documents: int) -> str:
    """Return "1 passage in 1 document matches" or "3 passages in 2 documents match"."""
    verb = "matches" if passages == 1 else "match"
    return f"{counted(passages, 'passage')} in {counted(documents, 'document')} {verb}"
