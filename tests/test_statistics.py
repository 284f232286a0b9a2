"""An index updated step by step ranks exactly as a full build of the same corpus."""

import shutil
from pathlib import Path

from whoosh import index as whoosh_index

from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from tests.conftest import write_corpus
from tests.test_segments import generated_corpus, results


def _segments(index_dir: Path) -> tuple[int, int]:
    """The number of segments of the current generation and of passages marked deleted."""
    ix = whoosh_index.open_dir(str(index_dir / (index_dir / "CURRENT").read_text().strip()))
    segments = ix._segments()
    ix.close()
    return len(segments), sum(segment.deleted_count() for segment in segments)


def test_an_updated_index_ranks_as_a_full_build(tmp_path: Path) -> None:
    files = generated_corpus()
    names = sorted(files)
    corpus, updated = tmp_path / "corpus", tmp_path / "updated"
    # step 1: half the documents; then more added, some changed, some removed, over three runs
    write_corpus(corpus, {name: files[name] for name in names[::2]})
    build_index(corpus, updated)
    write_corpus(corpus, {name: files[name] for name in names[1::4]})
    build_index(corpus, updated)
    for name in names[0:12:4]:  # changed: the same document, other text
        path = corpus / name
        path.write_text(path.read_text() + "\n\nA new paragraph on the commission in Evin.\n")
    for name in names[2:20:8]:
        (corpus / name).unlink()
    build_index(corpus, updated)
    write_corpus(corpus, {name: files[name] for name in names[3::4]})
    (corpus / names[4]).unlink()
    report = build_index(corpus, updated)
    assert not report.full and report.added and report.removed
    segments, deleted = _segments(updated)
    assert segments > 1 and deleted > 0  # what made Whoosh's statistics differ

    full = tmp_path / "full"
    shutil.copytree(corpus, tmp_path / "same")
    build_index(tmp_path / "same", full)
    assert _segments(full) == (1, 0)
    ours, theirs = results(SearchIndex(updated)), results(SearchIndex(full))
    assert sum(page["total"] for page in ours) > 300
    assert ours == theirs
