"""Prefix and fuzzy words are looked up in an index of the vocabulary, never by scanning it.

Review finding: on 300,000 distinct words, ``abcdef~2 bcdefg~2 cdefgh~2 defghi~2 efghij~2``
took 20 s, because Whoosh computes the edit distance to every word of the field.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh.fields import ID, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.reading import IndexReader
from whoosh.support.levenshtein import levenshtein

from search_app.config import Settings
from search_app.engine.queries import parse
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search
from search_app.engine.vocabulary import Vocabulary
from tests.conftest import indexed

RNG = random.Random(1988)
WORDS = sorted(
    {"".join(RNG.choice("abcdefgh") for _ in range(RNG.randint(1, 9))) for _ in range(6000)}
    | {"é", "ab", "رئیسی", "رئيسي", "raisi", "raeisi"}
)
VOCABULARY = Vocabulary((word, 1, 1.0) for word in WORDS)


@pytest.fixture(scope="module")
def whoosh_reader() -> IndexReader:
    """The same words in a one-segment Whoosh index: its own (automaton) fuzzy lookup."""
    index = RamStorage().create_index(Schema(text=ID))
    with index.writer() as writer:
        for word in WORDS:
            writer.add_document(text=word)
    return index.reader()


@pytest.mark.parametrize(
    "word", ["abcdef", "a", "ab", "bad", "hhhhhhhh", "abcdefghij", "رئیسی", "x", "abcab", "raisi"]
)
@pytest.mark.parametrize(("maxdist", "prefix"), [(1, 0), (2, 0), (2, 1), (1, 2)])
def test_words_within_are_those_whoosh_finds(
    whoosh_reader: IndexReader, word: str, maxdist: int, prefix: int
) -> None:
    ids, partial = VOCABULARY.within(word, maxdist, prefix)
    close = [w for w in WORDS if w.startswith(word[:prefix]) and levenshtein(w, word) <= maxdist]
    assert [VOCABULARY.words[i] for i in ids] == close
    assert partial is False
    if prefix <= len(word):  # Whoosh's automaton fails on a prefix longer than the word
        assert sorted(whoosh_reader.terms_within("text", word, maxdist, prefix)) == close


@pytest.mark.parametrize("prefix", ["a", "abc", "h", "z", "ر", ""])
def test_prefixed_words_are_those_whoosh_finds(whoosh_reader: IndexReader, prefix: str) -> None:
    theirs = [w.decode() for w in whoosh_reader.expand_prefix("text", prefix)]
    assert [VOCABULARY.words[i] for i in VOCABULARY.prefixed(prefix)] == theirs


def test_a_passed_deadline_stops_the_comparison() -> None:
    ids, partial = VOCABULARY.within("abcdef", 2, deadline=0.0)
    assert (ids.tolist(), partial) == ([], True)


def test_an_empty_vocabulary_finds_nothing() -> None:
    empty = Vocabulary([])
    assert empty.within("abc", 2)[0].tolist() == []
    assert empty.prefixed("a").tolist() == []


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    words = WORDS[:3000]
    files = {
        f"d{n}.md": f"---\ntitle: Words {n}\nsource: Test\n---\n\n" + " ".join(words[n::40])
        for n in range(40)
    }
    return indexed(tmp_path, files)


def test_fuzzy_words_and_suggestions_never_scan_the_vocabulary(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    q = "abcdef~2 OR bcdefg~1"
    with index.searcher() as (_generation, searcher):  # Whoosh's own search, scanning
        theirs = {hit["passage_id"] for hit in searcher.search(parse(q).query, limit=None)}
    assert len(theirs) > 5

    def scan(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the vocabulary was scanned")

    for reader in ("IndexReader", "SegmentReader", "MultiReader"):
        monkeypatch.setattr(f"whoosh.reading.{reader}.terms_within", scan, raising=False)
    monkeypatch.setattr("whoosh.reading.IndexReader.lexicon", scan)
    fuzzy = search(index, SearchRequest(q=q, doc=None), Settings(page_size=50, per_document=50))
    assert fuzzy.partial is False
    assert {f"{hit.doc_id}#{hit.passage}" for hit in fuzzy.hits} == theirs
    misspelled = search(index, SearchRequest(q="abcdefgx"))
    assert misspelled.total == 0 and misspelled.suggestion is not None
    assert levenshtein(misspelled.suggestion, "abcdefgx") <= 2
