"""First searches of new words, before and after the index is read ahead, in the same run.

The corpus and the 60 seeded new words are bench/scale.py's. For each size the index is built
once; then, in a fresh process each (nothing in memory), the index is opened as a server opens it,
one search of `kernel` follows and the new words are searched once each, as Python calls (no
HTTP): "before" with nothing read ahead (the first search of a new word reads the field lengths
and builds the index of the vocabulary that "Did you mean" looks words up in), "after" as the
product is (a server process reads ahead before it serves: timed apart). Alternated, repeated;
each run's p50, p95 and slowest are reported.

    python bench/first_search.py                     # 10k and 50k passages
    python bench/first_search.py --sizes all --repeats 1
    python bench/first_search.py --smoke             # a tiny generated corpus
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale  # noqa: E402


def run_once(index: Path, words: list[str], before: bool) -> dict[str, float]:
    """In this process: open the index, search ``kernel``, then each new word once."""
    from search_app.config import Settings
    from search_app.engine.readers import SearchIndex
    from search_app.engine.results import SearchRequest
    from search_app.engine.searching import search

    index_state = SearchIndex(index, result_cache=0)
    index_state.warm_on_open = not before
    settings = Settings()
    started = time.perf_counter()
    if not before:
        index_state.read_ahead()  # as a server process does before it serves
    ahead = time.perf_counter() - started
    started = time.perf_counter()
    search(index_state, SearchRequest(q="kernel"), settings)
    first = time.perf_counter() - started
    times = []
    for word in words:
        started = time.perf_counter()
        search(index_state, SearchRequest(q=word), settings)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "read ahead ms": round(ahead * 1000, 1),
        "first search ms": round(first * 1000, 1),
        "new word p50 ms": round(statistics.median(times), 1),
        "new word p95 ms": round(times[int(len(times) * 0.95)], 1),
        "new word max ms": round(times[-1], 1),
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000", help="passage counts, or 'all'")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny generated corpus")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        index, words, code = args.child
        print(json.dumps(run_once(Path(index), json.loads(words), code == "before")))
        return []
    from search_app.engine.indexing import build_index

    documents = scale.generated_docs() if args.smoke else scale.linux_docs()
    rows = []
    for size in ["smoke"] if args.smoke else args.sizes.split(","):
        chosen = documents if size in ("all", "smoke") else scale.subset(documents, int(size))
        words = scale.new_words(chosen)
        with tempfile.TemporaryDirectory(prefix="first-search-") as workdir:
            scale.write_corpus(chosen, Path(workdir) / "corpus")
            build_index(Path(workdir) / "corpus", Path(workdir) / "index")
            for _ in range(1 if args.smoke else args.repeats):
                for code in ("before", "after"):
                    command = [sys.executable, __file__, "--child"]
                    command += [str(Path(workdir) / "index"), json.dumps(words), code]
                    out = subprocess.run(command, check=True, capture_output=True, text=True)
                    row = {"passages size": size, "code": code, **json.loads(out.stdout)}
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    return rows


if __name__ == "__main__":
    main()
