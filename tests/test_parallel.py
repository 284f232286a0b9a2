"""A full build written by several processes finds and ranks exactly as one written by one."""

import json
from pathlib import Path

import pytest

from search_app.engine import parallel
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from tests.conftest import write_corpus
from tests.test_segments import generated_corpus, results
from tests.test_statistics import _segments


def test_several_writer_processes_build_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    files = generated_corpus()
    files["broken.md"] = "---\ntitle: [unclosed\n---\n\nText."
    corpus = write_corpus(tmp_path / "corpus", files)
    one = build_index(corpus, tmp_path / "one", workers=1)
    seen: list[tuple[int, int]] = []
    three = build_index(
        corpus, tmp_path / "three", workers=3, progress=lambda done, n: seen.append((done, n))
    )
    assert _segments(tmp_path / "one") == (1, 0)
    assert _segments(tmp_path / "three") == (3, 0)
    assert len(seen) == 3 and seen[-1][0] == seen[-1][1] == len(files) - 1  # a sidecar
    assert [p.path for p in three.problems] == [p.path for p in one.problems] == ["broken.md"]
    assert (three.documents, three.passages) == (one.documents, one.passages)

    def documents(index: Path) -> dict:
        current = (index / "CURRENT").read_text().strip()
        return json.loads((index / current / "manifest.json").read_text())["documents"]

    assert documents(tmp_path / "three") == documents(tmp_path / "one")
    assert not list((tmp_path / "three").glob("gen-*/*.tmp"))
    assert results(SearchIndex(tmp_path / "three")) == results(SearchIndex(tmp_path / "one"))
