"""What the index's words add to a parsed query: prefixes, wildcards and fuzzy words replaced by
the words they stand for (the most frequent, capped), and "Did you mean" for unknown words.

Both read the field's :class:`~search_app.engine.vocabulary.Vocabulary`, listed once per index
state, never by scanning the term file, and both stop at the request's deadline.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from whoosh import query as wq
from whoosh.reading import IndexReader

from search_app.engine.queries import MAX_EXPANSIONS, ParsedQuery, exact_terms, stems
from search_app.engine.schema import SPELLING_FIELD
from search_app.engine.vocabulary import Vocabulary

#: The vocabulary of a field, by field name (see :meth:`IndexArrays.vocabulary`).
Words = Callable[[str], Vocabulary]


def _expanded(
    node: wq.Prefix | wq.Wildcard | wq.FuzzyTerm, words: Vocabulary, deadline: float
) -> tuple[np.ndarray, bool]:
    """Return the ids of the words ``node`` stands for, and whether ``deadline`` cut the list."""
    text = str(node.text)
    if isinstance(node, wq.FuzzyTerm):
        return words.within(text, node.maxdist, node.prefixlength, deadline)
    if isinstance(node, wq.Prefix):
        return words.prefixed(text), False
    pattern = re.compile(node._get_pattern())  # a wildcard: its words start with its letters
    kept: list[int] = []
    for number, word_id in enumerate(words.prefixed(node._find_prefix(text)).tolist()):
        if number % 1024 == 0 and time.monotonic() > deadline:
            return np.asarray(kept, dtype=np.int64), True
        if pattern.match(words.words[word_id]):
            kept.append(word_id)
    return np.asarray(kept, dtype=np.int64), False


def _shown(node: wq.Query) -> str:
    if isinstance(node, wq.FuzzyTerm):
        return f"{node.text}~{node.maxdist}"
    return f"{node.text}*" if isinstance(node, wq.Prefix) else str(node.text)


def cap_expansions(parsed: ParsedQuery, words: Words, deadline: float = math.inf) -> ParsedQuery:
    """Replace prefix, wildcard and fuzzy words by their most frequent expansions in the index.

    The words are listed once, from the field's :class:`Vocabulary` (Whoosh would list them
    again for each step of the search and for highlighting, scanning every word for a fuzzy
    one). Past ``deadline`` the rest of the words are not listed and the query is ``partial``.
    """
    notes: list[str] = []
    partial = parsed.partial

    def cap(node: wq.Query) -> wq.Query:
        nonlocal partial
        if not isinstance(node, wq.Prefix | wq.Wildcard | wq.FuzzyTerm):
            return node
        vocabulary = words(node.fieldname)
        ids, cut = (
            (np.zeros(0, np.int64), True) if partial else _expanded(node, vocabulary, deadline)
        )
        partial = partial or cut
        # the most frequent first; equally frequent ones in word order (ids are in word order)
        ranked = ids[np.lexsort((ids, -vocabulary.doc_frequency[ids]))][:MAX_EXPANSIONS]
        kept = [wq.Term(node.fieldname, vocabulary.words[i], boost=node.boost) for i in ranked]
        if len(ids) > MAX_EXPANSIONS:
            notes.append(
                f"{_shown(node)} matches {len(ids)} words; only the {MAX_EXPANSIONS} most "
                "frequent were searched. Type more letters to narrow it."
            )
        return wq.Or(kept) if kept else wq.NullQuery

    query = parsed.query.accept(cap)
    return replace(parsed, query=query, notes=parsed.notes + tuple(notes), partial=partial)


def suggest(
    parsed: ParsedQuery, reader: IndexReader, words: Words, deadline: float = math.inf
) -> str | None:
    """Suggest the query with unknown words replaced by the closest words of the index.

    Only plain-word queries get a suggestion; words the index knows, as typed or in another
    spelling the search added, are kept as typed. Of the words within two edits that share the
    first letter, the most frequent is suggested (as Whoosh's corrector does). Past
    ``deadline`` the remaining words are left as typed.
    """
    if not parsed.plain_words:
        return None
    vocabulary = words(SPELLING_FIELD)
    searched_as = dict(parsed.variants)  # words also searched in their other spellings
    changed = False
    chosen = []
    for word in parsed.plain_words:
        if word in searched_as:
            chosen.append(word)  # the index has it in another spelling
            continue
        terms = exact_terms(word)
        stemmed = stems(word)
        known = reader.doc_frequency("text_exact", terms[0]) if len(terms) == 1 else 1
        if known or (stemmed and reader.doc_frequency("text", stemmed[0])):
            chosen.append(word)  # the index has it, as written or in another form
            continue
        ids, _cut = vocabulary.within(terms[0], 2, prefix=1, deadline=deadline)
        ids = ids[[vocabulary.words[i] != terms[0] for i in ids.tolist()]]
        if not len(ids):
            chosen.append(word)
            continue
        best = ids[np.lexsort((ids, -vocabulary.frequency[ids]))[0]]
        replacement = vocabulary.words[best]
        if word[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        chosen.append(replacement)
        changed = True
    return " ".join(chosen) if changed else None
