"""One time budget for every stage of a search (review finding: fuzzy expansion, the spelling
suggestion and the "any of these words" offer ran outside it, and a 20 s search said it was
complete)."""

from __future__ import annotations

import pytest

from search_app.config import Settings
from search_app.engine.documents import get_document
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search

NO_TIME = Settings(search_seconds=1e-9, result_cache=0)


@pytest.mark.parametrize("q", ["commision~1", "bur?ed", "commision~1 OR graves"])
def test_words_of_prefixes_and_fuzzy_words_are_listed_within_the_budget(
    search_index: SearchIndex, q: str
) -> None:
    full = search(search_index, SearchRequest(q=q))
    cut = search(search_index, SearchRequest(q=q), NO_TIME)
    assert full.partial is False and full.total > cut.total
    # the words found in time are searched: none, so only "graves" matches
    assert (cut.partial, cut.total) == (True, 1 if "graves" in q else 0)


def test_the_spelling_suggestion_is_within_the_budget(search_index: SearchIndex) -> None:
    assert search(search_index, SearchRequest(q="comission")).suggestion == "commission"
    cut = search(search_index, SearchRequest(q="comission"), NO_TIME)
    assert (cut.partial, cut.suggestion) == (True, None)


def test_the_any_words_offer_is_within_the_budget(search_index: SearchIndex) -> None:
    full = search(search_index, SearchRequest(q="graves minutes"))
    assert (full.total, full.any_words, full.any_words_total) == (0, "graves OR minutes", 2)
    cut = search(search_index, SearchRequest(q="graves minutes"), NO_TIME)
    assert (cut.partial, cut.any_words, cut.any_words_total) == (True, None, 0)


def test_a_document_marks_its_matches_within_the_budget(search_index: SearchIndex) -> None:
    full = get_document(search_index, "reports/commission", "commision~1")
    assert full is not None and (full.matched, full.partial) == ([1, 3], False)
    cut = get_document(search_index, "reports/commission", "commision~1", limits=NO_TIME)
    assert cut is not None and (cut.matched, cut.partial) == ([], True)
    assert len(cut.passages) == 3  # the document itself is always shown


def test_a_page_cut_short_is_not_kept(search_index: SearchIndex) -> None:
    limits = Settings(search_seconds=1e-9)
    assert search(search_index, SearchRequest(q="famil*"), limits).partial
    assert not search(search_index, SearchRequest(q="famil*")).partial
