"""A word found with its hamza written on another letter: هیأت finds هیئت, as the corpus writes
it, on its own and in a phrase; and only words that keep a hamza are joined."""

from pathlib import Path

import pytest

from search_app.engine.readers import SearchIndex
from search_app.engine.searching import SearchRequest, search
from search_app.names.spellings import hamza_key, seated_hamza_words
from tests.conftest import indexed

FILES = {
    "fa/commission.md": "---\ntitle: گزارش\nsource: Amnesty\nlanguage: fa\n---\n\n"
    "اعضای هیئت مرگ در زندان اوین بودند. این مسئله هنوز پاسخی ندارد.\n",
    "fa/rice.md": "---\ntitle: دیدار\nsource: News\nlanguage: fa\n---\n\n"
    "کاندولیزا رایس در تهران نبود.\n",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return indexed(tmp_path_factory.mktemp("hamza"), FILES)


def found(index: SearchIndex, q: str, exact: bool = False) -> tuple[list[str], tuple]:
    result = search(index, SearchRequest(q=q, exact=exact))
    return [hit.doc_id for hit in result.hits], result.variants


def test_a_word_with_its_hamza_on_another_letter_finds_the_corpus_spelling(index) -> None:
    assert found(index, "هیأت") == (["fa/commission"], (("هیأت", ("هیئت",)),))
    assert found(index, "مسأله")[0] == ["fa/commission"]


def test_the_spellings_page_lists_it(index) -> None:
    from search_app.engine.spellingviews import spellings_of

    listed = [(s.text, s.passages) for s in spellings_of(index, "هیأت")]
    assert listed == [("هیأت", 0), ("هیئت", 1)]


def test_no_other_word_is_suggested_for_a_word_found_in_another_spelling(index) -> None:
    result = search(index, SearchRequest(q="هیأت مرگ"))
    assert [hit.doc_id for hit in result.hits] == ["fa/commission"]
    assert result.suggestion is None


def test_in_a_phrase_too(index) -> None:
    assert found(index, '"هیأت مرگ"') == (["fa/commission"], (("هیأت", ("هیئت",)),))
    assert found(index, '"هیئت مرگ"') == (["fa/commission"], ())  # as the corpus writes it
    assert found(index, '"هیأت مرگ"', exact=True)[0] == []  # exact: as written, nothing added


def test_only_words_that_keep_a_hamza_are_joined(index) -> None:
    # رایس (Rice) has no hamza to move: nothing is added; أ is read as ا, as it always was
    assert found(index, "رأیس") == (["fa/rice"], ())
    assert found(index, "رئیس") == ([], ())


def test_the_key_writes_every_seated_hamza_bare() -> None:
    assert hamza_key("هیأت") == hamza_key("هیئت") == "هیءت"
    assert hamza_key("مسؤول") == hamza_key("مسئول") == "مسءول"
    assert hamza_key("هیات") is None
    keyed = seated_hamza_words(["هیئت", "مسئول", "رایس", "هیئت"])
    assert keyed == {"هیءت": ["هیئت"], "مسءول": ["مسئول"]}


def test_an_index_without_the_words_file_still_searches(tmp_path: Path) -> None:
    from search_app.engine.nameindex import HAMZA, read_spellings

    assert read_spellings(tmp_path).hamza == {}  # a generation written before the file
    older = indexed(tmp_path, FILES)
    generation = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
    (generation / HAMZA).unlink()
    assert found(older, "هیأت") == ([], ())  # nothing to look the other spelling up in
    assert found(older, "هیئت")[0] == ["fa/commission"]
