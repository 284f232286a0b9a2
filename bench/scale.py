"""The product at scale, through its real commands and server, beside a SQLite FTS5 page.

Corpus: the Linux kernel documentation of Debian's ``linux-doc-6.1`` package (about 5,100 text
files; installed with apt-get when missing), one corpus file per document with its sidecar, cut
into subsets of about 10k and 50k passages and all of it. For each size it measures: the full
build (``search-app index --full``), an incremental run with nothing changed and with one file
changed, the index size, the server's cold start to its first answer, search page latency (p50,
p95) over HTTP for a fixed, seeded mix of queries (rare and frequent words, AND, OR, phrase,
prefix; with and without a filter; every page has facets and 10 highlighted passages), throughput
with 1, 2 and 8 clients, and the server's memory. The same queries go to a minimal Flask page over
SQLite FTS5 (bench/fts5_app.py) in the same run.

    python bench/scale.py                      # all sizes (long: see docs/benchmarks.md)
    python bench/scale.py --sizes 10000        # one size
    python bench/scale.py --smoke              # a tiny generated corpus, a few requests
    python bench/scale.py --sizes 50000 --before DOCUMENT_WEIGHT=0   # also old against new
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fts5_app  # noqa: E402

DOCS = Path("/usr/share/doc/linux-doc-6.1/Documentation")
QUERIES = [  # the seeded mix: (kind, query, filter?)
    ("rare", "hugetlbfs", False),
    ("frequent", "kernel", False),
    ("AND", "memory allocation", False),
    ("OR", "interrupt OR timer", False),
    ("phrase", '"device tree"', False),
    ("prefix", "schedul*", False),
    ("frequent + filter", "kernel", True),
    ("AND + filter", "memory allocation", True),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_docs() -> None:
    if not DOCS.is_dir():
        subprocess.run(["apt-get", "install", "-y", "-qq", "linux-doc-6.1"], check=True)


def _title(text: str, fallback: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    for first, second in zip(lines, lines[1:], strict=False):
        if first and second and set(second) <= set("=-~^*#") and len(second) >= 3:
            return first[:200]
    return fallback


def linux_docs() -> list[tuple[str, str, str, str]]:
    """Return (path, source, title, text) for every prose file of the documentation."""
    ensure_docs()
    documents = []
    for path in sorted(DOCS.rglob("*.gz")):
        name = path.relative_to(DOCS).as_posix()[:-3]
        if not name.endswith((".rst", ".txt")):
            continue
        text = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        section = name.split("/")[0] if "/" in name else "top"
        documents.append((name, f"Linux docs: {section}", _title(text, name), text))
    return documents


def generated_docs(count: int = 40) -> list[tuple[str, str, str, str]]:
    rng = random.Random(7)
    words = "kernel memory allocation interrupt timer device tree scheduler hugetlbfs".split()
    return [
        (f"gen/{n}.txt", f"Section {n % 3}", f"Document {n}",
         "\n\n".join(" ".join(rng.choice(words) for _ in range(40)) for _ in range(5)))
        for n in range(count)
    ]  # fmt: skip


def paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def subset(documents: list, passages: int | None) -> list:
    if passages is None:
        return documents
    chosen, total = [], 0
    for document in documents:
        if total >= passages:
            break
        chosen.append(document)
        total += len(paragraphs(document[3]))
    return chosen


def write_corpus(documents: list, folder: Path) -> None:
    for name, source, title, text in documents:
        path = folder / (name.replace(".rst", "") if name.endswith(".rst") else name[:-4])
        path = path.with_name(path.name + ".txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        meta = json.dumps({"title": title, "source": source})  # JSON is YAML
        path.with_name(path.name + ".meta.yml").write_text(meta, encoding="utf-8")


def timed(command: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return response.status


def urls(base: str, source: str) -> list[tuple[str, str]]:
    out = []
    for kind, q, filtered in QUERIES:
        args = {"q": q, **({"source": source} if filtered else {})}
        out.append((kind, f"{base}/search?{urllib.parse.urlencode(args)}"))
    return out


def latency(targets: list[tuple[str, str]], rounds: int) -> dict[str, float]:
    rng = random.Random(1988)
    times = []
    for _ in range(rounds):
        for _kind, url in rng.sample(targets, len(targets)):
            started = time.perf_counter()
            assert get(url) == 200
            times.append(1000 * (time.perf_counter() - started))
    times.sort()
    return {"p50 ms": statistics.median(times), "p95 ms": times[int(0.95 * (len(times) - 1))]}


def before_after(
    command: list[str], port_option: int, before: dict[str, str], rounds: int, source: str
) -> dict[str, float]:
    """Measure uncached latency of two servers on the same index, one with the ``before``
    settings and one with the defaults, in alternating requests, so that the load of a shared
    machine falls on both alike."""
    servers, targets = [], []
    try:
        for settings in (before, {}):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            targets.append(urls(base, source))
            running = [*command[:port_option], str(port), *command[port_option + 1 :]]
            servers.append(serve(running, targets[-1][0][1], result_cache="0", **settings)[0])
        rng = random.Random(1367)
        times: list[list[float]] = [[], []]
        for round_number in range(rounds):
            for n in rng.sample(range(len(QUERIES)), len(QUERIES)):
                for side in (0, 1) if round_number % 2 else (1, 0):
                    started = time.perf_counter()
                    assert get(targets[side][n][1]) == 200
                    times[side].append(1000 * (time.perf_counter() - started))
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    row = {}
    for label, measured in zip(("before", "after"), times, strict=True):
        measured.sort()
        row[f"{label} p50 ms"] = statistics.median(measured)
        row[f"{label} p95 ms"] = measured[int(0.95 * (len(measured) - 1))]
    return row


def throughput(targets: list[tuple[str, str]], clients: int, seconds: float) -> float:
    done = [0] * clients
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)
        while time.monotonic() < deadline:  # bounded in time
            get(rng.choice(targets)[1])
            done[number] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def rss_mb(pid: int) -> float:
    """Peak memory of a process and its children (the workers of a multi-process server)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = stat.read_text().rpartition(")")[2].split()[1]  # after the command name
            if str(pid) not in (stat.parent.name, parent):
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError):
            continue
        total += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return total / 1024


def new_words(documents: list, count: int = 60) -> list[str]:
    """Seeded words of the corpus, each searched once: nothing of them is in memory yet."""
    words = sorted({w.lower() for d in documents for w in re.findall(r"[A-Za-z]{6,12}", d[3])})
    return random.Random(5).sample(words, min(count, len(words)))


def serve(
    command: list[str], url: str, timeout: float = 120, **settings: str
) -> tuple[subprocess.Popen, float]:
    started = time.monotonic()
    # one client measuring, not an abuser; its phrases and prefixes all run (none shed with 503)
    env = {**os.environ, "SEARCH_APP_RATE_LIMIT": "0", "SEARCH_APP_HEAVY_REQUESTS": "64"}
    env.update({f"SEARCH_APP_{name.upper()}": value for name, value in settings.items()})
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    while time.monotonic() - started < timeout:
        try:
            if get(url) == 200:
                return process, time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"no answer from {command}")


def measure(
    documents: list, workdir: Path, rounds: int, seconds: float, before: dict[str, str]
) -> dict[str, float]:
    corpus, index = workdir / "corpus", workdir / "index"
    write_corpus(documents, corpus)
    app = [sys.executable, "-m", "search_app"]
    paths = ["--corpus", str(corpus), "--index", str(index)]
    row: dict[str, float] = {"documents": len(documents)}
    row["passages"] = sum(len(paragraphs(d[3])) for d in documents)
    row["full build s"] = timed([*app, "index", "--full", *paths])
    row["no-change run s"] = timed([*app, "index", *paths])
    changed = next(corpus.rglob("*.txt"))
    changed.write_text(changed.read_text() + "\n\nOne more paragraph.\n")
    row["one-file run s"] = timed([*app, "index", *paths])
    row["index MB"] = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 1e6

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    source = documents[0][1]
    targets = urls(base, source)
    command = [*app, "serve", "--port", str(port), *paths]
    # the engine's own cost (no result cache), then as users meet it (pages cached)
    server, row["cold start s"] = serve(command, targets[0][1], result_cache="0")
    try:
        fresh = [("new word", f"{base}/search?q={word}") for word in new_words(documents)]
        first = latency(fresh, 1)
        row.update({f"ours new-word {k}": v for k, v in first.items()})
        ours = latency(targets, rounds)
        row.update({f"ours {k}": v for k, v in ours.items()})
        for clients in (1, 2, 8):
            row[f"ours req/s {clients}c"] = throughput(targets, clients, seconds)
        row["ours RSS MB"] = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait()
    if before:
        row.update(before_after(command, command.index("--port") + 1, before, rounds, source))
    # one worker process per core
    server, _ = serve([*command, "--workers", "2"], targets[0][1], result_cache="0")
    try:
        latency(targets, 1)  # each worker reads the index once
        row["ours 2 workers req/s 8c"] = throughput(targets, 8, seconds)
        row["ours 2 workers RSS MB"] = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait()
    server, _ = serve(command, targets[0][1])
    try:
        cached = latency(targets, rounds)
        row.update({f"ours cached {k}": v for k, v in cached.items()})
        row["ours cached req/s 8c"] = throughput(targets, 8, seconds)
    finally:
        server.terminate()
        server.wait()

    database = workdir / "fts5.db"
    passages = [(s, t, p) for _n, s, t, text in documents for p in paragraphs(text)]
    started = time.monotonic()
    fts5_app.build(database, passages)
    row["FTS5 build s"] = time.monotonic() - started
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    targets = urls(base, source)
    peer, _ = serve([sys.executable, str(ROOT / "bench/fts5_app.py"), str(database), str(port)],
                    targets[0][1])  # fmt: skip
    try:
        theirs = latency(targets, rounds)
        row.update({f"FTS5 {k}": v for k, v in theirs.items()})
        row["FTS5 req/s 8c"] = throughput(targets, 8, seconds)
        row["FTS5 RSS MB"] = rss_mb(peer.pid)
    finally:
        peer.terminate()
        peer.wait()
    row["p50 ratio"] = row["ours p50 ms"] / row["FTS5 p50 ms"]
    row["p95 ratio"] = row["ours p95 ms"] / row["FTS5 p95 ms"]
    return row


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,all", help="passage counts, or 'all'")
    parser.add_argument("--rounds", type=int, default=25, help="latency rounds of the mix")
    parser.add_argument("--seconds", type=float, default=10.0, help="per throughput run")
    parser.add_argument("--smoke", action="store_true", help="tiny generated corpus")
    parser.add_argument(
        "--before",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="also compare, request by request, a server with these settings (SEARCH_APP_NAME) "
        "against one with the defaults",
    )
    args = parser.parse_args(argv)
    before = dict(setting.split("=", 1) for setting in args.before)
    if args.smoke:
        documents, sizes, args.rounds, args.seconds = generated_docs(), [None], 1, 0.5
    else:
        documents = linux_docs()
        sizes = [None if s == "all" else int(s) for s in args.sizes.split(",")]
    rows = []
    for size in sizes:
        workdir = Path(tempfile.mkdtemp(prefix="scale-"))
        try:
            rows.append(
                measure(subset(documents, size), workdir, args.rounds, args.seconds, before)
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print(json.dumps({k: round(v, 3) for k, v in rows[-1].items()}), flush=True)
    return rows


if __name__ == "__main__":
    main()
