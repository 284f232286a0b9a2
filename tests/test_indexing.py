import json
import os
from pathlib import Path

import pytest

from search_app.config import Settings
from search_app.engine.generations import (
    CURRENT,
    MANIFEST,
    IndexBusyError,
    current_generation_name,
    index_lock,
    read_generation,
)
from search_app.engine.indexing import StrictModeError, build_index
from search_app.engine.readers import IndexUnavailable, SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.schema import SCHEMA_VERSION
from search_app.engine.searching import search


def hits(index: SearchIndex, q: str) -> list[str]:
    return [f"{h.doc_id}#{h.passage}" for h in search(index, SearchRequest(q=q)).hits]


def tree_state(path: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(path)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in path.rglob("*")
        if p.is_file() and p.name != ".lock"
    }


def test_first_build_is_full_and_points_current_at_it(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    report = build_index(corpus_dir, index_dir)
    assert (report.full, report.added, report.documents, report.passages) == (True, 4, 4, 8)
    assert report.problems == []
    name = (index_dir / CURRENT).read_text().strip()
    assert name == report.generation and name.startswith("gen-")
    manifest = json.loads((index_dir / name / MANIFEST).read_text())
    assert sorted(manifest["documents"]) == [
        "hostile",
        "news/graves",
        "notes/plain",
        "reports/commission",
    ]
    assert manifest["documents"]["notes/plain"]["path"] == "notes/plain.txt"


def test_no_change_run_writes_nothing(corpus_dir: Path, index_dir: Path) -> None:
    before = tree_state(index_dir)
    report = build_index(corpus_dir, index_dir)
    assert (report.full, report.wrote, report.unchanged) == (False, False, 4)
    assert tree_state(index_dir) == before


def test_incremental_add_change_delete(corpus_dir: Path, index_dir: Path) -> None:
    index = SearchIndex(index_dir)
    generation = current_generation_name(index_dir)
    (corpus_dir / "new.md").write_text("---\ntitle: New\nsource: S\n---\nA zebra appeared.\n")
    graves = corpus_dir / "news/graves.md"
    graves.write_text(graves.read_text().replace("Relatives gathered", "Giraffes gathered"))
    (corpus_dir / "notes/plain.txt").unlink()
    (corpus_dir / "notes/plain.txt.meta.yml").unlink()

    report = build_index(corpus_dir, index_dir)

    assert (report.full, report.added, report.changed, report.removed, report.unchanged) == (
        False, 1, 1, 1, 2,
    )  # fmt: skip
    assert current_generation_name(index_dir) == generation  # updated in place
    assert hits(index, "zebra") == ["new#1"]
    assert hits(index, "giraffes") == ["news/graves#2"]
    assert hits(index, "relatives") == []
    assert hits(index, "members") == []  # only in the deleted note
    assert sorted(read_generation(index_dir).documents) == [
        "hostile", "new", "news/graves", "reports/commission",
    ]  # fmt: skip


def test_a_file_that_breaks_keeps_its_last_good_version(corpus_dir: Path, index_dir: Path) -> None:
    (corpus_dir / "news/graves.md").write_text("---\ntitle: T\nsource: S\ndate: 88\n---\nchanged\n")
    report = build_index(corpus_dir, index_dir)
    assert [str(p) for p in report.problems] == [
        "news/graves.md: date '88' is not an ISO date: write 2020-08-20, 2020-08 or 2020"
    ]
    assert hits(SearchIndex(index_dir), "relatives") == ["news/graves#2"]


def test_full_build_switches_generation_while_a_searcher_is_open(
    corpus_dir: Path, index_dir: Path
) -> None:
    index = SearchIndex(index_dir)
    old = current_generation_name(index_dir)
    with index.searcher() as (_generation, open_searcher):
        (corpus_dir / "new.md").write_text("---\ntitle: New\nsource: S\n---\nA zebra appeared.\n")
        report = build_index(corpus_dir, index_dir, full=True)
        # the searcher opened before the switch still reads the old generation
        assert open_searcher.doc_count() == 8
    assert report.full and report.generation != old
    assert current_generation_name(index_dir) == report.generation
    assert hits(index, "zebra") == ["new#1"]  # the next search sees the new generation


def test_only_the_current_and_previous_generations_are_kept(
    corpus_dir: Path, index_dir: Path
) -> None:
    first = current_generation_name(index_dir)
    second = build_index(corpus_dir, index_dir, full=True).generation
    third = build_index(corpus_dir, index_dir, full=True).generation
    generations = sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))
    assert generations == sorted([second, third])
    assert first not in generations


def test_leftover_of_a_killed_build_is_removed_and_never_served(
    corpus_dir: Path, index_dir: Path
) -> None:
    leftover = index_dir / "gen-00000000T000000-dead00"
    leftover.mkdir()
    (leftover / "_MAIN_1.toc").write_bytes(b"half written")
    assert hits(SearchIndex(index_dir), "zebra") == []
    build_index(corpus_dir, index_dir, full=True)
    assert not leftover.exists()


def test_index_of_another_schema_version_is_rebuilt(corpus_dir: Path, index_dir: Path) -> None:
    name = current_generation_name(index_dir)
    manifest_path = index_dir / name / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["schema_version"] = 0
    manifest_path.write_text(json.dumps(manifest))
    expected = f"has schema version 0, this version .* needs {SCHEMA_VERSION}"
    with pytest.raises(IndexUnavailable, match=expected):
        search(SearchIndex(index_dir), SearchRequest(q="commission"))
    report = build_index(corpus_dir, index_dir)
    assert report.full and report.reason.startswith(
        f"The index in {index_dir}/ has schema version 0"
    )
    assert hits(SearchIndex(index_dir), "families") == ["reports/commission#2"]


def test_missing_index_says_which_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailable, match=r"No index in .*: run `search-app index`\."):
        search(SearchIndex(tmp_path / "none"), SearchRequest(q="zebra"))


def test_strict_mode_writes_nothing_when_a_file_is_bad(corpus_dir: Path, tmp_path: Path) -> None:
    (corpus_dir / "bad.md").write_text("---\ntitle: [unclosed\n---\nx\n")
    with pytest.raises(StrictModeError) as raised:
        build_index(corpus_dir, tmp_path / "index", strict=True)
    assert [p.path for p in raised.value.problems] == ["bad.md"]
    assert not (tmp_path / "index" / CURRENT).exists()


def test_bad_files_are_skipped_and_named(corpus_dir: Path, tmp_path: Path) -> None:
    (corpus_dir / "bad.md").write_text("---\ntitle: [unclosed\n---\nx\n")
    report = build_index(corpus_dir, tmp_path / "index")
    assert report.documents == 4
    assert [p.path for p in report.problems] == ["bad.md"]


def test_a_second_run_is_refused_while_one_holds_the_lock(
    corpus_dir: Path, index_dir: Path
) -> None:
    with index_lock(index_dir):
        with pytest.raises(IndexBusyError, match="another `search-app index` is running"):
            build_index(corpus_dir, index_dir)
    assert build_index(corpus_dir, index_dir).wrote is False


def test_current_pointer_is_replaced_atomically(corpus_dir: Path, index_dir: Path) -> None:
    inode = os.stat(index_dir / CURRENT).st_ino
    build_index(corpus_dir, index_dir, full=True)
    assert os.stat(index_dir / CURRENT).st_ino != inode  # a new file renamed over the old one
    assert [p.name for p in index_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_an_unreadable_file_keeps_its_indexed_version(
    corpus_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graves = corpus_dir / "news/graves.md"
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:  # file modes cannot stop root: fail the read itself
        if path == graves:
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = build_index(corpus_dir, index_dir)
    assert report.removed == 0
    assert [str(p) for p in report.problems] == [
        "news/graves.md: cannot read file: Permission denied"
    ]
    assert hits(SearchIndex(index_dir), "relatives") == ["news/graves#2"]


def test_changing_the_passage_size_rebuilds_everything(corpus_dir: Path, index_dir: Path) -> None:
    report = build_index(corpus_dir, index_dir, limits=Settings(max_passage_chars=30))
    assert report.full and report.reason.startswith(
        "Passages are now cut at 30 characters, not 1200"
    )
    assert report.passages > 8


def test_a_leftover_generation_is_never_served(corpus_dir: Path, index_dir: Path) -> None:
    served = current_generation_name(index_dir)
    leftover = index_dir / "gen-99999999T999999-dead00"  # sorts after every real one
    leftover.mkdir()
    (leftover / MANIFEST).write_text('{"schema_version": 2, "documents": {}}')
    with SearchIndex(index_dir).searcher() as (generation, _searcher):
        assert generation.name == served
