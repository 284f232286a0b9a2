"""Result pages by kind of query, in process: where a page's time goes, without HTTP.

The corpus, the query mix and the filter are bench/scale.py's. The index is built once; the
application is made in this process (no result cache, as the scale bench's "uncached"), and
Flask's test client asks for each page of the mix, shuffled, for some rounds: each kind's median
and slowest are printed, then the mix's p50 and p95. Then, in a fresh process each, the first
time of a few phrases (nothing of them in memory) and the second. Compare with bench/scale.py's
HTTP figures, which add the server and the client.

    python bench/pages.py --sizes all           # every passage
    python bench/pages.py --sizes 10000 --rounds 10
    python bench/pages.py --smoke               # a tiny generated corpus
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale  # noqa: E402

PHRASES = ['"device tree"', '"memory management"', '"the kernel"', '"page table"']


def _app(corpus: Path, index: Path):  # noqa: ANN202 - a Flask app, imported late
    from search_app import create_app

    settings = {"RESULT_CACHE": 0, "RATE_LIMIT": 0, "HEAVY_REQUESTS": 64}
    return create_app({"CORPUS_DIR": str(corpus), "INDEX_DIR": str(index), **settings})


def mix(corpus: Path, index: Path, source: str, rounds: int) -> dict[str, float]:
    """Each kind's median and slowest page (ms), and the mix's p50 and p95."""
    client = _app(corpus, index).test_client()
    pages = []
    for kind, q, filtered in scale.QUERIES:
        args = {"q": q, **({"source": source} if filtered else {})}
        pages.append((kind, "/search?" + urllib.parse.urlencode(args)))
    for _kind, url in pages:  # the first time of each is the scale bench's "new word"
        assert client.get(url).status_code == 200, url
    times: dict[str, list[float]] = {kind: [] for kind, _url in pages}
    rng = random.Random(1988)
    for _round in range(rounds):
        for kind, url in rng.sample(pages, len(pages)):
            started = time.perf_counter()
            status = client.get(url).status_code
            times[kind].append(1000 * (time.perf_counter() - started))
            assert status == 200, (url, status)
    row: dict[str, float] = {}
    for kind, measured in times.items():
        row[f"{kind} p50 ms"] = statistics.median(measured)
        row[f"{kind} max ms"] = max(measured)
    every = sorted(t for measured in times.values() for t in measured)
    row["mix p50 ms"] = statistics.median(every)
    row["mix p95 ms"] = every[int(0.95 * (len(every) - 1))]
    return row


def first_phrases(corpus: Path, index: Path) -> dict[str, list[float]]:
    """In this (fresh) process: one page of a frequent word, then each phrase twice (ms)."""
    client = _app(corpus, index).test_client()
    client.get("/search?q=kernel")
    found: dict[str, list[float]] = {}
    for _time in range(2):
        for q in PHRASES:
            started = time.perf_counter()
            status = client.get("/search?" + urllib.parse.urlencode({"q": q})).status_code
            assert status == 200, (q, status)
            found.setdefault(q, []).append(round(1000 * (time.perf_counter() - started), 1))
    return found


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="all", help="passage counts, or 'all'")
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the mix")
    parser.add_argument("--smoke", action="store_true", help="tiny generated corpus")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(first_phrases(Path(args.child[0]), Path(args.child[1]))))
        return []
    if args.smoke:
        documents, sizes, args.rounds = scale.generated_docs(), [None], 2
    else:
        documents = scale.linux_docs()
        sizes = [None if s == "all" else int(s) for s in args.sizes.split(",")]
    rows = []
    for size in sizes:
        chosen = scale.subset(documents, size)
        workdir = Path(tempfile.mkdtemp(prefix="pages-"))
        try:
            corpus, index = workdir / "corpus", workdir / "index"
            scale.write_corpus(chosen, corpus)
            scale.timed([sys.executable, "-m", "search_app", "index", "--full",
                         "--corpus", str(corpus), "--index", str(index)])  # fmt: skip
            row: dict[str, object] = {"passages": sum(len(scale.paragraphs(d[3])) for d in chosen)}
            row.update(mix(corpus, index, chosen[0][1], args.rounds))
            child = [sys.executable, __file__, "--child", str(corpus), str(index)]
            output = subprocess.run(child, check=True, capture_output=True, text=True).stdout
            row["phrases, first and second time, ms"] = json.loads(output.splitlines()[-1])
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        rows.append(row)
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}))
    return rows


if __name__ == "__main__":
    main()
