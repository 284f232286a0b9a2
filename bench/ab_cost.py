"""What a change costs, measured beside the code it changes, in the same run.

On a shared, noisy machine two runs of ``bench/scale.py`` minutes apart differ by more than 10%.
This bench alternates two checkouts of the code (the baseline, e.g. ``main``, and this one) on
the same corpus of ``bench/scale.py`` (Linux kernel documentation, about 10k passages), several
rounds each, and reports the median of each figure: the full build (``search-app index --full``)
and the result page's p50 and p95 (the HTML page of ``bench/scale.py``'s query mix through the
app, no result cache) for each.

    git archive main | tar -x -C /tmp/base
    .venv/bin/python bench/ab_cost.py --baseline /tmp/base [--rounds 3] [--passages 10000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale  # noqa: E402

#: Run by each checkout's own code (PYTHONPATH): build, then the page latency of the mix.
PROBE = r"""
import json, random, statistics, sys, time, urllib.parse
from pathlib import Path
from search_app import create_app
from search_app.engine.indexing import build_index
corpus, index, source = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
started = time.perf_counter()
build_index(corpus, index, full=True)
build = time.perf_counter() - started
client = create_app({"INDEX_DIR": index, "RATE_LIMIT": 0, "RESULT_CACHE": 0}).test_client()
mix = json.loads(sys.argv[4])
urls = ["/search?" + urllib.parse.urlencode({"q": q, **({"source": source} if f else {})})
        for _kind, q, f in mix]
for url in urls:
    assert client.get(url).status_code == 200
times = []
rng = random.Random(1988)
for _ in range(int(sys.argv[5])):
    for url in rng.sample(urls, len(urls)):
        started = time.perf_counter()
        client.get(url)
        times.append(1000 * (time.perf_counter() - started))
times.sort()
print(json.dumps({"build s": build, "page p50 ms": statistics.median(times),
                  "page p95 ms": times[int(0.95 * (len(times) - 1))]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="checkout to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--page-rounds", type=int, default=15, help="rounds of the query mix")
    args = parser.parse_args()
    scale.ensure_docs()
    documents = scale.subset(scale.linux_docs(), args.passages)
    checkouts = {"baseline": args.baseline.resolve(), "this": ROOT}
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        scale.write_corpus(documents, corpus)
        for round_ in range(args.rounds):
            for name, path in checkouts.items():
                index = Path(tmp) / f"index-{name}-{round_}"
                out = subprocess.run(
                    [sys.executable, "-c", PROBE, str(corpus), str(index), documents[0][1],
                     json.dumps(scale.QUERIES), str(args.page_rounds)],
                    env={"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin"},
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                figures[name].append(json.loads(out.stdout))
                print(name, round_ + 1, figures[name][-1], flush=True)
    for key in ("build s", "page p50 ms", "page p95 ms"):
        base = statistics.median(f[key] for f in figures["baseline"])
        this = statistics.median(f[key] for f in figures["this"])
        print(f"{key:12} baseline {base:8.2f}  this {this:8.2f}  ({100 * (this / base - 1):+.1f}%)")


if __name__ == "__main__":
    main()
