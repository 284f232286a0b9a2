"""Posting lists read whole give the documents, weights and positions Whoosh's matchers give;
those kept for phrases stay within their budget."""

import random
from typing import Any

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.reading import TermNotFound

from search_app.engine.generations import read_generation
from search_app.engine.indexing import build_index
from search_app.engine.positionblocks import PositionBlocks
from search_app.engine.postinglists import PostingList, segment_postings
from tests.conftest import write_corpus

WORDS = "prison prisoners execution commission tehran evin families graves death".split()


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("positions")
    rng = random.Random(88)
    files = {
        f"d{n:03d}.md": f"---\ntitle: T{n}\nsource: S\n---\n"
        + "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(30)) for _ in range(8))
        + f"\n\nonly{n}\n"
        for n in range(40)
    }
    write_corpus(root / "c", files)
    build_index(root / "c", root / "i")
    (root / "c" / "d003.md").write_text("---\ntitle: T\nsource: S\n---\nevin prison evin\n")
    build_index(root / "c", root / "i")  # a second segment, and deleted passages
    ix = whoosh_index.open_dir(str(read_generation(root / "i").path))
    with ix.searcher() as opened:
        yield opened
    ix.close()


def whooshs(searcher, fieldname: str, text: str, what: str = "value") -> dict[int, Any]:
    """Every (document, encoded positions or weight) of a term, through Whoosh's matchers."""
    found = {}
    for leaf, offset in searcher.reader().leaf_readers():
        try:
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        matcher = getattr(matcher, "child", matcher)  # deleted passages are left in...
        matcher.reset()  # ...from the first (the filter stepped over deleted ones)
        while matcher.is_active():
            found[matcher.id() + offset] = getattr(matcher, what)()
            matcher.next()
    return found


@pytest.mark.parametrize("max_bytes", [48_000_000, 1])  # kept, or dropped at once
@pytest.mark.parametrize("text", ["evin", "prison", "only7", "only3", "nosuchword"])
def test_a_terms_values_are_whooshs(searcher, text: str, max_bytes: int) -> None:
    expected = whooshs(searcher, "text_exact", text)
    assert len(expected) > 128 or text.startswith(("only", "no"))  # several blocks
    kept = PositionBlocks(max_bytes)
    everything = np.arange(searcher.reader().doc_count_all())
    for _round in range(2):  # read, then kept (or read again)
        found = {}
        for offset, count, postings in kept.term(searcher, "text_exact", text):
            mine = everything[offset : offset + count] - offset
            found.update((docnum + offset, value) for docnum, value in postings.values_of(mine))
        assert found == expected
        some = np.array(sorted(expected)[::7], dtype=np.int64)
        part = {}
        for offset, count, postings in kept.term(searcher, "text_exact", text):
            mine = some[(some >= offset) & (some < offset + count)] - offset
            part.update((docnum + offset, value) for docnum, value in postings.values_of(mine))
        assert part == {docnum: expected[docnum] for docnum in some.tolist()}
    assert len(kept) == 1  # the newest term is kept, even past the budget


@pytest.mark.parametrize("fieldname", ["text", "text_exact", "title", "doc_id", "language"])
def test_a_whole_posting_list_has_whooshs_documents_and_weights(searcher, fieldname) -> None:
    reader = searcher.reader()
    for text in list(reader.field_terms(fieldname))[:40]:
        expected = whooshs(searcher, fieldname, text, "weight")
        found = {}
        for matcher, offset, _count in segment_postings(searcher, fieldname, text):
            ids, weights = PostingList.read(matcher).everything()
            found.update(zip((ids + offset).tolist(), weights.tolist(), strict=True))
        assert found == pytest.approx(expected), text


def test_kept_lists_stay_within_the_budget_as_their_blocks_are_unpacked(searcher) -> None:
    everything = np.arange(searcher.reader().doc_count_all())
    sizes = [
        sum(part.size for _o, _c, part in PositionBlocks().term(searcher, "text_exact", word))
        for word in WORDS
    ]
    budget = sum(sizes) * 2  # every list fits before its blocks are unpacked
    kept = PositionBlocks(max_bytes=budget)
    for _round in range(2):
        for word in WORDS:  # each list read, then every block unpacked (kept: hits)
            for offset, count, postings in kept.term(searcher, "text_exact", word):
                list(postings.values_of(everything[offset : offset + count] - offset))
            held = sum(part.size for parts in kept._kept.values() for _o, _c, part in parts)
            assert kept.kept_bytes == held <= budget or len(kept) == 1
    assert 1 <= len(kept) < len(WORDS)  # unpacked, they no longer all fit


def test_terms_are_dropped_oldest_first_past_the_budget(searcher) -> None:
    sizes = [
        sum(part.size for _o, _c, part in PositionBlocks().term(searcher, "text_exact", word))
        for word in WORDS
    ]
    kept = PositionBlocks(max_bytes=sum(sizes) // 2)
    for word in WORDS:
        kept.term(searcher, "text_exact", word)
    assert 1 <= len(kept) < len(WORDS)
    assert ("text_exact", WORDS[-1]) in kept._kept
    assert ("text_exact", WORDS[0]) not in kept._kept
