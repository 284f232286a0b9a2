"""What the first searches need is read ahead: when an index state opens, and before a server
answers."""

from __future__ import annotations

import threading

from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search

SCORED_FIELDS = {"text", "text_exact", "title", "title_exact", "source"}


def test_a_new_index_state_is_read_ahead(search_index: SearchIndex) -> None:
    search(search_index, SearchRequest(q="commission"))  # opens the state, starts reading ahead
    for thread in threading.enumerate():
        if thread.name == "warm-index":
            thread.join(30)
    with search_index.searcher() as (_generation, searcher):
        arrays = search_index.arrays(searcher)
        assert set(arrays._vocabularies) == {"text_exact"}
        assert set(arrays._lengths) == SCORED_FIELDS
        assert "commission" in arrays.vocabulary(searcher, "text_exact").words
    # the thread that read ahead closed its searcher when it ended
    assert len(search_index._open) == 1


def test_a_server_reads_ahead_before_it_serves(search_index: SearchIndex) -> None:
    search_index.warm_on_open = False  # only what read_ahead itself reads
    search_index.read_ahead()
    with search_index.searcher() as (_generation, searcher):
        arrays = search_index.arrays(searcher)
        assert set(arrays._vocabularies) == {"text_exact"}
        assert set(arrays._lengths) == SCORED_FIELDS
