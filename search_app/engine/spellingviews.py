"""The Spellings page's content: for one word, the spellings a search for it also covers."""

from __future__ import annotations

from dataclasses import dataclass, replace

from search_app.config import Settings
from search_app.engine.queries import MAX_WORD_LENGTH, QueryError, hamza_elsewhere, stems
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import DEFAULTS, search


@dataclass(frozen=True)
class Spelling:
    """One spelling of a name and the passages that write it so."""

    text: str
    #: a query that finds this spelling alone (exact words; quoted when it has several)
    query: str
    passages: int
    #: from the variants list rather than found by the name keys
    listed: bool


def spellings_of(index: SearchIndex, word: str, limits: Settings = DEFAULTS) -> list[Spelling]:
    """Return ``word`` and every spelling a search for it also covers, each with its passages.

    :raises QueryError: for an empty or over-long word.
    """
    word = " ".join(word.split())
    if not word:
        raise QueryError("Give the word whose spellings to show: /spellings?word=Raisi.")
    if len(word) > MAX_WORD_LENGTH:
        raise QueryError(f"Give at most {MAX_WORD_LENGTH} characters.")
    lookup = index.variants()
    analyzed = " ".join(stems(word))
    listed = {s.lower() for s in lookup.listed.get(analyzed, ())}
    counting = replace(limits, page_size=1, per_document=1)
    found = []
    others = [*lookup.others(word, analyzed), *hamza_elsewhere(word, lookup)]
    for spelling in [word, *(s for s in others if s != word)]:
        query = f'"{spelling}"' if len(spelling.split()) > 1 or "\u200c" in spelling else spelling
        try:
            total = search(index, SearchRequest(q=query, exact=True), counting).total
        except QueryError:  # a spelling made only of skipped words
            total = 0
        found.append(Spelling(spelling, query, total, spelling.lower() in listed))
    return found
