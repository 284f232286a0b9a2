"""Mark the words of a passage that the query matched, escaping everything else.

A query can match a passage through two fields: stemmed words (``text``) and words as written
(``text_exact``, used by quoted phrases and exact searches). The passage's words are found once,
with their character offsets, as the exact analyzer finds them, and every word whose term the
query matched (as written, or as the stemmed analyzer stems it, stop words kept) is wrapped in
``<mark>``. Every other character is HTML-escaped: the result is safe to insert into a page as
it is.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from whoosh import query as wq
from whoosh.reading import IndexReader

from search_app.engine.analysis import exact_words, stemmed_form


def _wanted_leaves(query: wq.Query) -> list[wq.Query]:
    """The parts of a query that find words, not those that exclude them (NOT, -word)."""
    if isinstance(query, wq.Not):
        return []
    if isinstance(query, wq.AndNot):
        return _wanted_leaves(query.a)
    if query.is_leaf():
        return [query]
    return [leaf for child in query.children() for leaf in _wanted_leaves(child)]


class Highlighter:
    """Mark query terms in text; built once per search from the terms it matched."""

    def __init__(
        self,
        stemmed: Iterable[str] = (),
        exact: Iterable[str] = (),
        phrases: Iterable[tuple[str, ...]] = (),
    ) -> None:
        self.stemmed = frozenset(stemmed)
        self.exact = frozenset(exact)
        #: word sequences (as written) marked only where they occur in that order
        self.phrases = frozenset(p for p in phrases if p)

    @classmethod
    def for_query(cls, query: wq.Query, reader: IndexReader) -> Highlighter:
        """Build the highlighter for the passage words ``query`` can match in this index."""
        words: dict[str, set[str]] = {"text": set(), "text_exact": set()}
        phrases: set[tuple[str, ...]] = set()
        found: set[tuple[str, Any]] = set()
        for leaf in _wanted_leaves(query):
            if isinstance(leaf, wq.Phrase) and leaf.fieldname == "text_exact":
                phrases.add(tuple(leaf.words))
            else:
                found.update(leaf.existing_terms(reader))
        for name, text in found:
            if name in words:
                words[name].add(text.decode("utf-8") if isinstance(text, bytes) else text)
        return cls(stemmed=words["text"], exact=words["text_exact"], phrases=phrases)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return the sorted, non-overlapping character ranges of matching words."""
        words = exact_words(text)
        found: set[tuple[int, int]] = set()
        if self.stemmed:
            stemmed = self.stemmed
            found.update((start, end) for w, start, end in words if stemmed_form(w) in stemmed)
        if self.exact:
            found.update((start, end) for w, start, end in words if w in self.exact)
        if self.phrases:
            found.update(self._phrase_spans(words))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def _phrase_spans(self, tokens: list[tuple[str, int, int]]) -> set[tuple[int, int]]:
        words = [word for word, _start, _end in tokens]
        spans: set[tuple[int, int]] = set()
        for phrase in self.phrases:
            size = len(phrase)
            for first in range(len(tokens) - size + 1):
                if tuple(words[first : first + size]) == phrase:
                    spans.update((start, end) for _w, start, end in tokens[first : first + size])
        return spans

    def mark(self, text: str) -> str:
        """Return ``text`` as escaped HTML with the matching words in ``<mark>``."""
        out: list[str] = []
        position = 0
        for start, end in self.spans(text):
            out.append(html.escape(text[position:start], quote=False))
            out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
            position = end
        out.append(html.escape(text[position:], quote=False))
        return "".join(out)
