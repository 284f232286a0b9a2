"""A full build written by several processes finds and ranks exactly as one written by one."""

import json
import signal
import subprocess
import sys
import time
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


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(n) for n in (task / "children").read_text().split()}
    return found


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its parent's wait is left


def test_a_killed_build_leaves_no_writer_process(tmp_path: Path) -> None:
    files = {f"doc{n:03d}.md": f"---\ntitle: D{n}\nsource: S\n---\n\n" + "word " * 4000
             for n in range(60)}  # fmt: skip
    corpus = write_corpus(tmp_path / "corpus", files)
    script = (
        "import sys; from pathlib import Path; from search_app.engine import parallel;"
        "from search_app.engine.indexing import build_index; parallel.PARALLEL_FROM = 1;"
        "build_index(Path(sys.argv[1]), Path(sys.argv[2]), workers=2)"
    )
    build = subprocess.Popen([sys.executable, "-c", script, str(corpus), str(tmp_path / "index")])
    writers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(writers) < 2 and time.monotonic() < deadline and build.poll() is None:
        # the writers, not the resource tracker (which ends when they do)
        writers = {
            pid for pid in _children(build.pid)
            if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        }  # fmt: skip
        time.sleep(0.01)
    assert len(writers) == 2 and build.poll() is None
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in writers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in writers)
