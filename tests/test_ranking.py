"""Ranking: a passage's BM25F score plus its whole document's, on tiny corpora with exact orders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search_app.config import Settings
from search_app.engine.indexing import build_index
from search_app.engine.queries import parse, query_words
from search_app.engine.ranking import document_scores, weighting
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import best_documents, export, search
from tests.conftest import write_corpus

SURVEY = [
    "Flutter of a wing in the tunnel.",
    "The flutter margin of the wing grew with stiffness.",
    "Flutter again: the flutter model of the wing held.",
]
OTHERS = {
    "note.md": "---\ntitle: Wing note\nsource: S\n---\nWing flutter.\n",
    "other.md": "---\ntitle: Other\nsource: S\n---\nHeat transfer in a duct, with no wing.\n",
}


def corpus(tmp_path: Path, name: str, survey_paragraphs: list[str]) -> Path:
    """Index the survey (as the paragraphs given) beside two short documents."""
    survey = "---\ntitle: Survey\nsource: S\n---\n" + "\n\n".join(survey_paragraphs) + "\n"
    write_corpus(tmp_path / name / "corpus", {"survey.md": survey, **OTHERS})
    build_index(tmp_path / name / "corpus", tmp_path / name / "index")
    return tmp_path / name / "index"


def opened(index: Path, settings: Settings) -> SearchIndex:
    return SearchIndex(index, result_cache=0, weighting=weighting(settings))


@pytest.fixture
def passages(tmp_path: Path) -> Path:
    return corpus(tmp_path, "passages", SURVEY)


def ranked(index: Path, weight: float, q: str = "wing flutter") -> list[tuple[str, int]]:
    settings = Settings(document_weight=weight, title_boost=0.0)
    page = search(opened(index, settings), SearchRequest(q=q), settings)
    return [(hit.doc_id, hit.passage) for hit in page.hits]


def test_the_document_lifts_its_passages_above_a_better_single_passage(passages: Path) -> None:
    # alone, the one-line note's passage is the best; the survey says "flutter" five times
    assert ranked(passages, 0.0) == [("note", 1), ("survey", 3), ("survey", 1), ("survey", 2)]
    assert ranked(passages, 0.5) == [("survey", 3), ("survey", 1), ("note", 1), ("survey", 2)]
    assert ranked(passages, 1.0) == [("survey", 3), ("survey", 1), ("survey", 2), ("note", 1)]


def test_a_documents_score_is_bm25_over_all_its_passages_as_one_text(
    passages: Path, tmp_path: Path
) -> None:
    whole = corpus(tmp_path, "whole", [" ".join(SURVEY)])  # the same words, one passage
    settings = Settings()
    query = parse("wing OR flutter", title_boost=0.3).query  # "Wing note" has one in its title
    for_passages, for_whole = opened(passages, settings), opened(whole, settings)
    with for_passages.searcher() as (_g, searcher):
        arrays = for_passages.arrays(searcher)
        by_document = document_scores(arrays, searcher, query_words(query))
        scores = dict(zip(arrays.doc_ids, by_document.tolist(), strict=True))
    with for_whole.searcher() as (_g, searcher):
        arrays = for_whole.arrays(searcher)
        found, _partial = arrays.matches(searcher, query)
        expected = {arrays.doc_ids[arrays.doc_of_passage[n]]: s for n, s in zip(
            found.ids.tolist(), found.scores.tolist(), strict=True)}  # fmt: skip
    assert sorted(scores) == ["note", "other", "survey"]
    assert scores == pytest.approx(expected, rel=1e-12)
    assert scores["note"] > scores["survey"] > scores["other"] > 0  # its title counts


def test_each_passage_gains_its_documents_score_times_the_weight(passages: Path) -> None:
    alone = Settings(title_boost=0.0)
    weighted = Settings(title_boost=0.0, document_weight=0.5)
    plain = {(h.doc_id, h.passage): h.score for h in search(
        opened(passages, alone), SearchRequest(q="wing flutter"), alone).hits}  # fmt: skip
    lifted = {(h.doc_id, h.passage): h.score for h in search(
        opened(passages, weighted), SearchRequest(q="wing flutter"), weighted).hits}  # fmt: skip
    gains = {key: round(lifted[key] - plain[key], 3) for key in plain}
    # every passage of a document gains the same, so their order within it stays
    assert len({gains[("survey", n)] for n in (1, 2, 3)}) == 1
    assert gains[("survey", 1)] > gains[("note", 1)] > 0


def test_date_sorts_and_downloads_follow_the_same_scores(passages: Path) -> None:
    settings = Settings(title_boost=0.0, document_weight=1.0)
    index = opened(passages, settings)
    rows = export(index, SearchRequest(q="wing flutter"), 10, settings).hits
    assert [(h.doc_id, h.passage) for h in rows] == [
        ("survey", 3), ("survey", 1), ("survey", 2), ("note", 1)
    ]  # fmt: skip
    by_date = search(index, SearchRequest(q="wing flutter", sort="oldest"), settings)
    assert [h.score for h in by_date.hits] == [None] * 4
    documents = best_documents(index, SearchRequest(q="wing flutter"), 10, settings)
    assert [(doc_id, round(score, 4)) for doc_id, score in documents] == [
        ("survey", rows[0].score),
        ("note", rows[3].score),
    ]


def test_excluded_words_and_other_fields_add_no_document_evidence(passages: Path) -> None:
    # "tunnel" is excluded and "title:" names another field: only "wing" counts
    settings = Settings(title_boost=0.0, document_weight=1.0)
    page = search(opened(passages, settings), SearchRequest(q="wing -tunnel title:note"), settings)
    assert [(h.doc_id, h.passage) for h in page.hits] == [("note", 1)]
    assert ranked(passages, 0.0, "wing -tunnel") == [
        ("note", 1), ("other", 1), ("survey", 2), ("survey", 3)
    ]  # fmt: skip
    assert ranked(passages, 1.0, "wing -tunnel") == [
        ("survey", 2), ("note", 1), ("survey", 3), ("other", 1)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("q", "exact", "words"),
    [
        ("wing flutter", False, {("text", "wing"): 1.0, ("text", "flutter"): 1.0,
                                 ("title", "flutter"): 0.3, ("title", "wing"): 0.3}),
        ("wings OR flutter^0.5", False, {("text", "wing"): 1.0, ("text", "flutter"): 0.5,
                                         ("title", "flutter"): 0.3, ("title", "wing"): 0.3}),
        ('"wing flutter" -tunnel', False, {("text_exact", "wing"): 1.0,
                                           ("text_exact", "flutter"): 1.0}),
        ("title:survey wings", False, {("title", "survei"): 1.0, ("text", "wing"): 1.0,
                                       ("title", "wing"): 0.3}),
        ("Wings NOT heat", True, {("text_exact", "wings"): 1.0, ("title_exact", "wings"): 0.3}),
        ("source:s wings", False, {("text", "wing"): 1.0, ("title", "wing"): 0.3}),
        ("flutter flutter^2", False, {("text", "flutter"): 2.0, ("title", "flutter"): 0.3}),
    ],
)  # fmt: skip
def test_the_words_a_query_asks_for_in_the_text(
    q: str, exact: bool, words: dict[tuple[str, str], float]
) -> None:
    assert query_words(parse(q, exact=exact, title_boost=0.3).query) == words


def test_no_weight_leaves_whooshs_scores_untouched(passages: Path) -> None:
    settings = Settings(title_boost=0.0, document_weight=0.0)
    index = opened(passages, settings)
    page = search(index, SearchRequest(q="wing flutter"), settings)
    with index.searcher() as (_g, searcher):
        whoosh = searcher.search(parse("wing flutter", title_boost=0.0).query, limit=None)
        expected = [(hit["doc_id"], hit["number"], round(hit.score, 4)) for hit in whoosh]
    assert [(h.doc_id, h.passage, h.score) for h in page.hits] == expected
    assert np.isfinite([h.score for h in page.hits]).all()
