"""The real production server process (``search-app serve``), over real HTTP."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import Server, start_server, stop_server, write_corpus


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


def test_serve_builds_the_missing_index_and_answers(server: Server) -> None:
    status, headers, body = get(server.url + "/healthz")
    assert status == 200
    assert json.loads(body)["documents"] == 4
    assert headers["Server"] == "search_app"  # waitress, not Flask's development server
    assert (server.index_dir / "CURRENT").exists()


def test_same_url_same_page_across_requests(server: Server) -> None:
    url = server.url + "/search?q=commission&page=2"
    first, second = get(url), get(url)
    assert first[0] == 200 and first[2] == second[2]
    assert "page 2 of 3" in first[2]


def test_bad_query_is_400_not_500(server: Server) -> None:
    status, _headers, body = get(server.url + "/search?q=%28%28%28*x")
    assert status == 400
    assert "Words cannot start with a wildcard" in body


def test_a_document_added_and_indexed_is_found_without_restart(server: Server) -> None:
    (server.corpus_dir / "added.md").write_text(
        "---\ntitle: Added later\nsource: Newcomer\n---\nA testimony about Evin prison.\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "search_app", "index",
         "--corpus", str(server.corpus_dir), "--index", str(server.index_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "1 added" in result.stdout
    status, _headers, body = get(server.url + "/search?q=evin")
    assert status == 200
    assert '<bdi class="source">Newcomer</bdi>' in body


def test_full_rebuild_is_picked_up_by_the_running_server(server: Server, tmp_path: Path) -> None:
    old = json.loads(get(server.url + "/healthz")[2])["generation"]
    subprocess.run(
        [sys.executable, "-m", "search_app", "index", "--full",
         "--corpus", str(server.corpus_dir), "--index", str(server.index_dir)],
        capture_output=True, check=True,
    )  # fmt: skip
    new = json.loads(get(server.url + "/healthz")[2])["generation"]
    assert new != old and new == (server.index_dir / "CURRENT").read_text().strip()
    assert get(server.url + "/search?q=families")[0] == 200


def test_serve_says_it_builds_the_index_first(tmp_path: Path) -> None:
    running = start_server(write_corpus(tmp_path / "corpus"), tmp_path / "fresh")
    output = stop_server(running)
    assert f"No usable index in {tmp_path / 'fresh'}/ yet: building it now.\n" in output
    assert "Built index gen-" in output
    assert "Serving on http://127.0.0.1:" in output


def _children(pid: int) -> set[int]:
    return {
        int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat") if _parent(stat) == pid
    }


def _parent(stat: Path) -> int | None:
    try:  # the fields after the command name (which may hold spaces): state, then parent
        return int(stat.read_text().rpartition(")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return None  # the process ended meanwhile


def _running(pid: int) -> bool:
    try:  # a zombie (state Z) has ended; only its parent's wait is missing
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_several_worker_processes_share_the_port_and_stop_together(
    tmp_path: Path, corpus_dir: Path
) -> None:
    server = start_server(corpus_dir, tmp_path / "index", options=("--workers", "2"))
    try:
        workers = _children(server.process.pid)
        assert len(workers) == 2
        pages = {get(server.url + "/search?q=commission&page=2")[2] for _ in range(20)}
        assert len(pages) == 1 and "page 2 of 3" in pages.pop()  # every worker, the same page
        # a worker that dies is replaced
        subprocess.run(["kill", "-9", str(min(workers))], check=True)
        deadline = time.monotonic() + 10
        while _children(server.process.pid) in (workers, workers - {min(workers)}):
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.05)
        assert len(_children(server.process.pid)) == 2
        assert get(server.url + "/healthz")[0] == 200
        remaining = _children(server.process.pid)
    finally:
        output = stop_server(server)
    assert server.process.returncode == 0, output
    assert "with 2 worker processes" in output and "ended; starting another" in output
    assert not any(_running(pid) for pid in remaining)  # none left behind


def test_workers_end_when_their_parent_is_killed(tmp_path: Path, corpus_dir: Path) -> None:
    server = start_server(corpus_dir, tmp_path / "index", options=("--workers", "2"))
    workers = _children(server.process.pid)
    assert len(workers) == 2
    server.process.kill()  # SIGKILL: the parent cannot pass anything on
    server.process.wait()
    deadline = time.monotonic() + 10
    while any(
        Path(f"/proc/{pid}").exists() and _parent(Path(f"/proc/{pid}/stat")) for pid in workers
    ):
        assert time.monotonic() < deadline, "workers outlived their parent"
        time.sleep(0.05)
    stop_server(server)
