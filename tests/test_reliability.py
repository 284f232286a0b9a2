"""Faults and load, on the real server process and real files: rebuilds while people search,
builds killed at any point, two builds at once, damaged index files."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from search_app import create_app
from search_app.engine.generations import CURRENT, GENERATION_PREFIX, index_lock
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search
from tests.conftest import start_server, stop_server, write_corpus

WORDS = ("prison commission family grave witness decree summer trial court record names "
         "evidence report survivor letter").split()  # fmt: skip


def big_corpus(root: Path, documents: int = 150, paragraphs: int = 12) -> Path:
    """A corpus large enough that a full build takes a noticeable time."""
    rng = random.Random(1988)
    files = {}
    for n in range(documents):
        body = "\n\n".join(
            " ".join(rng.choice(WORDS) for _ in range(60)) + f" marker{n}."
            for _ in range(paragraphs)
        )
        files[f"doc{n:04d}.md"] = f"---\ntitle: Document {n}\nsource: S{n % 7}\n---\n{body}\n"
    return write_corpus(root, files)


def index_command(corpus: Path, index: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "search_app", "index", *args,
            "--corpus", str(corpus), "--index", str(index)]  # fmt: skip


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def generations(index: Path) -> set[str]:
    return {p.name for p in index.iterdir() if p.name.startswith(GENERATION_PREFIX)}


def test_rebuilds_under_load_lose_no_request(tmp_path: Path) -> None:
    corpus = big_corpus(tmp_path / "corpus", documents=80)
    # three clients, each sending phrases and prefixes too: every one of them runs (no 503)
    server = start_server(corpus, tmp_path / "index", rate_limit="0", heavy_requests="3")
    first = json.loads(get(server.url + "/healthz")[1])["generation"]
    failures: list[tuple[int, str]] = []
    served = [0]
    stop = threading.Event()
    queries = ["prison", "family grave", "witness OR decree", '"summer trial"', "evid*"]

    def load(seed: int) -> None:
        rng = random.Random(seed)
        deadline = time.monotonic() + 120  # bounded in time...
        while (
            not stop.is_set() and time.monotonic() < deadline and served[0] < 5000
        ):  # ...and count
            q = rng.choice(queries)
            status, body = get(f"{server.url}/api/search?q={urllib.request.quote(q)}")
            served[0] += 1
            if status != 200 or json.loads(body)["total"] == 0:
                failures.append((status, body[:200]))

    threads = [threading.Thread(target=load, args=(seed,)) for seed in range(3)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(2):
            subprocess.run(index_command(corpus, tmp_path / "index", "--full"), check=True,
                           capture_output=True)  # fmt: skip
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        output = stop_server(server)
    assert failures == []
    assert served[0] > 50
    current = (tmp_path / "index" / CURRENT).read_text().strip()
    assert current != first
    assert '"status": 500' not in output


@pytest.mark.parametrize("delay", [0.0, 0.2, 0.5, 1.0])
def test_a_build_killed_midway_leaves_the_previous_generation_serving(
    tmp_path: Path, delay: float
) -> None:
    # a full build takes about 3 s (24,000 passages, two writer processes, a quiet machine)
    paragraphs = 60
    corpus = big_corpus(tmp_path / "corpus", documents=400, paragraphs=paragraphs)
    index = tmp_path / "index"
    before = build_index(corpus, index).generation
    (corpus / "doc0000.md").write_text("---\ntitle: T\nsource: S\n---\nchanged zebra text\n")
    build = subprocess.Popen(index_command(corpus, index, "--full"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 30
    while generations(index) == {before} and time.monotonic() < deadline:
        time.sleep(0.005)  # wait until it has started writing its generation
    time.sleep(delay)
    assert build.poll() is None, "the build finished before it could be killed"
    build.send_signal(signal.SIGKILL)
    build.wait()

    assert (index / CURRENT).read_text().strip() == before
    [leftover] = generations(index) - {before}  # the half-written generation
    index_reader = SearchIndex(index)
    assert search(index_reader, SearchRequest(q="marker5")).total == paragraphs
    assert search(index_reader, SearchRequest(q="zebra")).total == 0
    # the next build succeeds and removes what the killed one left
    report = build_index(corpus, index, full=True)
    assert generations(index) == {report.generation, before}
    assert not (index / leftover).exists()
    assert search(SearchIndex(index), SearchRequest(q="zebra")).total == 1


def test_the_switch_is_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    corpus = write_corpus(tmp_path / "corpus")
    report = build_index(corpus, tmp_path / "index")
    generation = tmp_path / "index" / report.generation
    assert any(path.endswith(".seg") for path in synced)  # the segment files
    assert str(generation) in synced  # the generation folder
    current_tmp = [p for p in synced if "/index/.CURRENT." in p]
    assert current_tmp and synced[-1] == str(tmp_path / "index")  # pointer, then its folder


def test_two_builds_at_once_one_waits_its_turn_with_a_message(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index(corpus, index)
    with index_lock(index):
        result = subprocess.run(index_command(corpus, index), capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: another `search-app index` is running on {index}/: wait for it to finish\n"
    )
    assert subprocess.run(index_command(corpus, index), capture_output=True).returncode == 0


@pytest.mark.parametrize("suffix", [".seg", ".toc"])
def test_a_damaged_index_says_which_command_fixes_it(tmp_path: Path, suffix: str) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    generation = index / build_index(corpus, index).generation
    [damaged] = [p for p in generation.iterdir() if p.suffix == suffix]
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    server = start_server(corpus, index)
    try:
        status, body = get(server.url + "/healthz")
        assert status == 503
        error = json.loads(body)["error"]
        assert error.startswith(f"The index in {index}/ ")
        assert error.endswith("run `search-app index --full`.")
        status, page = get(server.url + "/search?q=commission")
        assert status == 503 and "run `search-app index --full`." in page
        assert "Traceback" not in page
        subprocess.run(index_command(corpus, index, "--full"), check=True, capture_output=True)
        assert get(server.url + "/healthz")[0] == 200
        assert get(server.url + "/search?q=commission")[0] == 200
    finally:
        stop_server(server)


def _damage(generation: Path, kind: str) -> None:
    [segment] = [p for p in generation.iterdir() if p.suffix == ".seg"]
    data = segment.read_bytes()
    manifest = generation / "manifest.json"
    if kind == "truncated segment":
        segment.write_bytes(data[: len(data) // 2])
    elif kind == "deleted segment":
        segment.unlink()
    elif kind.startswith("random bytes"):  # at the start, middle and end of the file
        at = {"random bytes at the start": 0, "random bytes in the middle": len(data) // 2}.get(
            kind, len(data) - 64
        )
        noise = random.Random(kind).randbytes(64)
        segment.write_bytes(data[:at] + noise + data[at + 64 :])
    elif kind == "manifest is a list":
        manifest.write_text("[1, 2]")
    elif kind == "documents are a list":
        loaded = json.loads(manifest.read_text())
        manifest.write_text(json.dumps({**loaded, "documents": [1]}))
    elif kind == "an entry without its title":
        loaded = json.loads(manifest.read_text())
        loaded["documents"]["hostile"]["title"] = None
        manifest.write_text(json.dumps(loaded))
    elif kind == "an entry's message is not a document id":
        loaded = json.loads(manifest.read_text())
        loaded["documents"]["hostile"]["attached_to"] = {"id": 5}
        manifest.write_text(json.dumps(loaded))
    elif kind == "an attachment's holding e-mails are not names":
        loaded = json.loads(manifest.read_text())
        loaded["documents"]["hostile"].update(message="hostile.md", within=[{"name": 1}])
        manifest.write_text(json.dumps(loaded))
    elif kind == "the register of names is not a list of entries":
        loaded = json.loads(manifest.read_text())
        manifest.write_text(json.dumps({**loaded, "register": [{"name": "X"}]}))
    elif kind == "an entry's field lengths are not numbers":
        loaded = json.loads(manifest.read_text())
        loaded["documents"]["hostile"]["lengths"]["text"] = "many"
        manifest.write_text(json.dumps(loaded))


DAMAGES = [
    "truncated segment",
    "deleted segment",
    "random bytes at the start",
    "random bytes in the middle",
    "random bytes at the end",
    "manifest is a list",
    "documents are a list",
    "an attachment's holding e-mails are not names",
    "an entry without its title",
    "an entry's field lengths are not numbers",
    "an entry's message is not a document id",
    "the register of names is not a list of entries",
]


@pytest.mark.parametrize("kind", DAMAGES)
def test_every_page_of_a_damaged_index_is_503_naming_the_fix(tmp_path: Path, kind: str) -> None:
    # review finding: random bytes gave "ok" on /healthz and 500s on pages, a manifest of the
    # wrong shape 500s everywhere
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    _damage(index / build_index(corpus, index).generation, kind)
    client = create_app({"CORPUS_DIR": corpus, "INDEX_DIR": index}).test_client()
    urls = [
        "/healthz", "/", "/search?q=commission", "/search?q=famil*", "/api/search?q=graves",
        "/doc/reports/commission?q=commission", "/api/doc/notes/plain", "/file/notes/plain",
        "/api/suggest?q=comm", "/batch?names=commission", "/entities",
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 503, (url, response.status_code)
        body = response.get_data(as_text=True)
        assert "run `search-app index --full`." in body and "Traceback" not in body
    build_index(corpus, index, full=True)  # what the message says to run
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200, url
