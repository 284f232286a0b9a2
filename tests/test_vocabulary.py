"""Words within an edit distance, and spelling suggestions, as Whoosh finds them."""

import random
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import TEXT, Schema

from search_app.engine.vocabulary import Vocabulary, closest

LETTERS = "abcdeék" + "اعدمن"


def random_words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 9))) for _ in range(count)]


def levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        new = [i]
        for j, y in enumerate(b, 1):
            new.append(min(row[j] + 1, new[j - 1] + 1, row[j - 1] + (x != y)))
        row = new
    return row[-1]


@pytest.fixture(scope="module")
def readers(tmp_path_factory: pytest.TempPathFactory):
    """The same words in an index of two segments and in one of one."""
    rng = random.Random(1367)
    texts = [" ".join(random_words(rng, 12)) for _ in range(200)]
    opened = []
    for segments in (2, 1):
        folder: Path = tmp_path_factory.mktemp(f"vocabulary{segments}")
        ix = whoosh_index.create_in(str(folder), Schema(words=TEXT))
        for part in range(segments):
            writer = ix.writer()
            for text in texts[part::segments]:
                writer.add_document(words=text)
            writer.commit(merge=False)
        opened.append((ix, ix.reader()))
    yield {2: opened[0][1], 1: opened[1][1]}
    for ix, reader in opened:
        reader.close()
        ix.close()


def test_words_within_a_distance_are_whooshs_automatons(readers) -> None:
    reader = readers[2]
    vocabulary = Vocabulary(reader, "words")
    assert vocabulary.words == sorted({w.decode() for w in reader.lexicon("words")})
    rng = random.Random(88)
    queries = random_words(rng, 25) + vocabulary.words[:: max(1, len(vocabulary.words) // 10)]
    found_any = swaps = 0
    for word in queries:
        for maxdist in (1, 2):
            for prefix in range(min(1, len(word)) + 1):
                # Whoosh's automaton, segment by segment (over several segments at once Whoosh
                # counts a swap of two letters as one edit: the ranking would depend on how the
                # index is segmented)
                leaves = reader.leaf_readers()
                expected = sorted(
                    {
                        w
                        for leaf, _ in leaves
                        for w in leaf.terms_within("words", word, maxdist, prefix)
                    }
                )
                assert vocabulary.within(word, maxdist, prefix) == expected, (word, maxdist)
                assert all(levenshtein(word[prefix:], w[prefix:]) <= maxdist for w in expected)
                found_any += bool(expected)
                if maxdist == 1 and prefix == 0:
                    swaps += len(set(reader.terms_within("words", word, 1)) - set(expected))
    assert found_any > 40
    assert swaps > 0  # what Whoosh finds over two segments and a search here does not


def test_the_suggestion_is_whooshs(readers) -> None:
    reader = readers[1]
    vocabulary = Vocabulary(reader, "words")
    assert vocabulary.words == Vocabulary(readers[2], "words").words
    corrector = reader.corrector("words")
    rng = random.Random(1988)
    suggested = 0
    for word in random_words(rng, 80):
        expected = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
        assert closest(vocabulary, reader, "words", word) == (expected[0] if expected else None)
        suggested += bool(expected)
    assert suggested > 20


def test_an_empty_field_has_no_words(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), Schema(words=TEXT))
    writer = ix.writer()
    writer.add_document(words="")
    writer.commit()
    with ix.reader() as reader:
        assert Vocabulary(reader, "words").within("evin", 2, 1) == []
    ix.close()


def test_a_new_index_state_is_read_ahead(search_index) -> None:
    import threading

    from search_app.engine.searching import SearchRequest, search

    search(search_index, SearchRequest(q="commission"))  # opens the state, starts reading ahead
    for thread in threading.enumerate():
        if thread.name == "warm-index":
            thread.join(30)
    with search_index.searcher() as (_generation, searcher):
        arrays = search_index.arrays(searcher)
        assert set(arrays._vocabularies) == {"text_exact"}
        assert set(arrays._lengths) == {"text", "text_exact", "title", "title_exact", "source"}
        assert "commission" in arrays.vocabulary(searcher, "text_exact").words
    # the thread that read ahead closed its searcher when it ended
    assert len(search_index._open) == 1


def test_a_misspelt_word_gets_the_closest_frequent_word(search_index) -> None:
    from search_app.engine.searching import SearchRequest, search

    page = search(search_index, SearchRequest(q="comission"))
    assert page.total == 0 and page.suggestion == "commission"
    fuzzy = search(search_index, SearchRequest(q="comision~2"))
    assert fuzzy.total == 5


def test_a_server_reads_ahead_before_it_serves(search_index) -> None:
    search_index.warm_on_open = False  # only what read_ahead itself reads
    search_index.read_ahead()
    with search_index.searcher() as (_generation, searcher):
        arrays = search_index.arrays(searcher)
        assert set(arrays._vocabularies) == {"text_exact"}
        assert "text" in arrays._lengths and "title" in arrays._lengths
