"""The grouped posting pool writes the same index as Whoosh's own pool, spilled or not."""

import random
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.reading import IndexReader

from search_app.engine.postings import GroupedPostingPool
from search_app.engine.schema import build_schema

WORDS = "evin prison tehran death commission families graves 1988 اعدام زندان".split()


def documents(count: int) -> list[dict[str, Any]]:
    rng = random.Random(1367)
    return [
        {
            "passage_id": f"d{n}#1",
            "doc_id": f"d{n}",
            "number": n,
            "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30))),
            "text_exact": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30))),
            "title": f"Title {n % 5}",
            "source": f"Source {n % 3}",
        }
        for n in range(count)
    ]


def postings_of(reader: IndexReader, fieldname: str, text: bytes) -> list[tuple]:
    matcher = reader.postings(fieldname, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def build(folder: Path, pool_limit: int | None) -> dict[str, Any]:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer()
    if pool_limit is not None:
        writer.pool = GroupedPostingPool(folder, max_postings=pool_limit)
    for fields in documents(300):
        writer.add_document(**fields)
    writer.commit()
    with ix.reader() as reader:
        terms = list(reader.all_terms())
        return {
            "postings": {term: postings_of(reader, *term) for term in terms},
            "frequencies": [(reader.doc_frequency(*t), reader.frequency(*t)) for t in terms],
            "lengths": [
                [reader.doc_field_length(n, name) for name in ("text", "text_exact", "title")]
                for n in range(reader.doc_count_all())
            ],
            "stored": [reader.stored_fields(n) for n in range(reader.doc_count_all())],
            "leftovers": sorted(p.name for p in folder.iterdir() if p.suffix == ".run"),
        }


@pytest.mark.parametrize("pool_limit", [4_000_000, 97, 1])
def test_the_index_is_the_one_whooshs_pool_writes(tmp_path: Path, pool_limit: int) -> None:
    theirs = build(tmp_path / "whoosh", None)
    ours = build(tmp_path / "grouped", pool_limit)
    assert len(ours["postings"]) > 20
    assert ours == theirs
    assert ours["leftovers"] == []  # spilled runs are unlinked files


def test_merging_spilled_runs_holds_little_in_memory(tmp_path: Path) -> None:
    pool = GroupedPostingPool(tmp_path, max_postings=2_000)
    for docnum in range(20_000):
        for n in range(5):
            pool.add(("text", f"term{(docnum * 7 + n) % 10_000}".encode(), docnum, 1.5, b"v" * 30))
    tracemalloc.start()
    merged = sum(1 for _ in pool.iter_postings())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pool.cleanup()
    assert merged == 100_000
    assert peak < 3_000_000  # every posting kept while merging would be over 10 MB
