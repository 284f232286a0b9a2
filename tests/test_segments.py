"""The full build's writer makes the files Whoosh's own writer makes, and so the same results."""

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from search_app.config import Settings
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from search_app.engine.searching import SearchRequest, search
from search_app.engine.segments import PassageWriter, whoosh_writer
from tests.conftest import FIXTURE_CORPUS, write_corpus

ENGLISH = (
    "the death commission questioned prisoners in Evin and Gohardasht prisons during summer 1988 "
    "families were never told where the bodies were buried mass graves Khavaran Ra'isi Raisi "
    "Mojāhedin executions executed executing execute amnesty report witness testimony U.S."
).split()
PERSIAN = "اعدام زندانیان سیاسی تابستان ۱۳۶۷ هیأت مرگ خاوران خانواده‌ها رئیسی گورهای جمعی".split()


def generated_corpus() -> dict[str, str]:
    """Documents in both languages, some words in more passages than a posting block holds."""
    rng = random.Random(1988)
    files = dict(FIXTURE_CORPUS)
    for n in range(40):
        words = PERSIAN if n % 4 == 0 else ENGLISH
        paragraphs = [
            " ".join(rng.choice(words) for _ in range(rng.randint(3, 90))) for _ in range(8)
        ]
        language = "fa" if n % 4 == 0 else "en"
        date = f"{1985 + n % 7}-0{1 + n % 9}-1{n % 10}"
        files[f"gen/{n:02d}.md"] = (
            f"---\ntitle: Generated {' '.join(rng.choice(words) for _ in range(3))}\n"
            f"source: Source {n % 3}\nlanguage: {language}\ndate: {date}\n---\n\n"
            + "\n\n".join(paragraphs)
        )
    return files


QUERIES = [
    "commission",
    "death commission",
    "executions",
    '"death commission"',
    '"mass graves" Khavaran',
    "Raisi OR Khamenei",
    "prisoners -Evin",
    "prisoners NOT amnesty",
    "execut*",
    "Gohardast~",
    "title:generated",
    "source:source",
    "(Evin OR Gohardasht) families",
    "اعدام",
    "هیأت مرگ",
    '"گورهای جمعی"',
    "۱۳۶۷",
    "nothingmatchesthis",
]
REQUESTS = [SearchRequest(q=q) for q in QUERIES] + [
    SearchRequest(q="commission", exact=True),
    SearchRequest(q="prisoners", source="Source 1"),
    SearchRequest(q="prisoners", language="fa"),
    SearchRequest(q="families", year_from=1987, year_to=1989),
    SearchRequest(q="commission", sort="newest"),
    SearchRequest(q="buried", doc="gen/05"),
    SearchRequest(q="testimony", page=2),
]


def results(index: SearchIndex) -> list[Any]:
    settings = Settings(page_size=50)
    return [dataclasses.asdict(search(index, request, settings)) for request in REQUESTS]


def segment_files(index_dir: Path) -> dict[str, bytes]:
    """The files of the (only) segment of the current generation, by extension."""
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    ix = whoosh_index.open_dir(str(generation))
    (segment,) = ix._segments()
    storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    prefix = segment.make_filename("")
    files = {}
    for name in storage.list():
        if name.startswith(prefix):
            with storage.open_file(name) as handle:
                files[name[len(prefix) :]] = handle.read()
    ix.close()
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("writers")
    corpus = write_corpus(root / "corpus", generated_corpus())
    indexes = {}
    for name, writer in {"whoosh": whoosh_writer, "ours": PassageWriter}.items():
        build_index(corpus, root / name, new_writer=writer)
        indexes[name] = root / name
    return indexes


def test_the_segment_files_are_whooshs(built: dict[str, Path]) -> None:
    theirs, ours = segment_files(built["whoosh"]), segment_files(built["ours"])
    assert sorted(ours) == sorted(theirs)
    assert {".trm", ".pst"} <= set(ours)
    for extension, content in theirs.items():
        assert ours[extension] == content, extension


def test_every_query_kind_finds_and_ranks_alike(built: dict[str, Path]) -> None:
    theirs = results(SearchIndex(built["whoosh"]))
    ours = results(SearchIndex(built["ours"]))
    assert sum(page["total"] for page in ours) > 500
    # the multi-block posting lists are there: a word in more passages than a block holds
    assert max(page["total"] for page in ours) > 128
    assert ours == theirs


def test_the_index_reads_as_one_whoosh_writes(built: dict[str, Path]) -> None:
    generation = built["ours"] / (built["ours"] / "CURRENT").read_text().strip()
    ix = whoosh_index.open_dir(str(generation))
    with ix.searcher() as searcher:
        from whoosh.qparser import QueryParser

        query = QueryParser("text", ix.schema).parse("commission")
        hits = searcher.search(query, limit=None)
        assert len(hits) > 10
        assert all(hit["doc_id"] for hit in hits)
    ix.close()
