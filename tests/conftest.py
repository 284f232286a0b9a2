"""Fixtures: a small corpus written into a temporary folder, its index, the app, a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from search_app import create_app
from search_app.config import Settings
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search

REPO = Path(__file__).resolve().parent.parent

# Each entry: relative path -> file content. Facts here are made up for tests only.
FIXTURE_CORPUS = {
    "reports/commission.md": """---
title: The Death Commission in Tehran
source: Test Rights Watch
source_type: ngo-report
date: 2019-06-01
url: https://example.org/report
tags: [commission, tehran]
---

# Findings

The death commission questioned prisoners for minutes before sentencing them.

Families were never told where the bodies were buried.

A second commission worked in other cities during the same weeks.
""",
    "news/graves.md": """---
title: Mass graves found near the city
source: Example Daily
source_type: news
date: "2020"
---

Mass graves were found near the city. The commission was never named in court.

Relatives gathered at the site every year.
""",
    "notes/plain.txt": "A plain text note about the death commission and its members.\n\n"
    "It has two paragraphs and a <script>alert('txt')</script> tag.\n",
    "notes/plain.txt.meta.yml": "title: Plain note\nsource: Field notes\n",
    "hostile.md": """---
title: "<script>alert('title')</script> Hostile title"
source: "<b>Bold</b> source"
---

<script>alert('body')</script> A passage about the commission with <em>markup</em> and
a [bad link](javascript:alert(1)) and a [good link](https://example.org/good).
""",
}


def write_corpus(root: Path, files: dict[str, str] | None = None) -> Path:
    """Write ``files`` (default: the fixture corpus) under ``root`` and return it."""
    for name, content in (FIXTURE_CORPUS if files is None else files).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def indexed(root: Path, files: dict[str, str]) -> SearchIndex:
    """Write ``files`` as a corpus under ``root``, index it, and return the index to search."""
    write_corpus(root / "corpus", files)
    build_index(root / "corpus", root / "index")
    return SearchIndex(root / "index")


def found(index: SearchIndex, q: str, **options) -> list[str]:
    """Search and return the matching passages as sorted ``doc_id#passage`` strings."""
    result = search(index, SearchRequest(q=q, **options), Settings(page_size=50))
    return sorted(f"{h.doc_id}#{h.passage}" for h in result.hits)


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def index_dir(tmp_path: Path, corpus_dir: Path) -> Path:
    path = tmp_path / "index"
    build_index(corpus_dir, path)
    return path


@pytest.fixture
def search_index(index_dir: Path) -> SearchIndex:
    return SearchIndex(index_dir)


@pytest.fixture
def app(corpus_dir: Path, index_dir: Path):
    return create_app({"TESTING": True, "CORPUS_DIR": corpus_dir, "INDEX_DIR": index_dir})


@pytest.fixture
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    corpus_dir: Path
    index_dir: Path
    log: IO[str]


def start_server(
    corpus_dir: Path,
    index_dir: Path,
    timeout: float = 30.0,
    options: tuple[str, ...] = (),
    **settings: str,
) -> Server:
    """Start ``search-app serve`` (the production server) and wait until it answers.

    ``settings`` are passed as ``SEARCH_APP_<NAME>`` environment variables.
    """
    port = free_port()
    # two results a page, so that the five "commission" passages make three pages
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SEARCH_APP_PAGE_SIZE": "2"}
    env.update({f"SEARCH_APP_{name.upper()}": value for name, value in settings.items()})
    # its output goes to a file: a pipe nobody reads fills up and blocks the server
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "search_app", "serve", "--port", str(port),
         "--corpus", str(corpus_dir), "--index", str(index_dir), *options],
        stdout=log, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return Server(url, process, corpus_dir, index_dir, log)
        except urllib.error.HTTPError as error:  # it answered with an error page: it is up
            error.close()
            return Server(url, process, corpus_dir, index_dir, log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not answer in time")


def stop_server(server: Server) -> str:
    """Stop the server and return everything it printed."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server.log.seek(0)
    output = server.log.read()
    server.log.close()
    return output


@pytest.fixture
def server(tmp_path: Path, corpus_dir: Path) -> Iterator[Server]:
    """A real server on a fresh index folder (so it builds the index itself)."""
    running = start_server(corpus_dir, tmp_path / "server-index")
    yield running
    stop_server(running)
