"""What a register of names costs: the full build and the result page, with and without one.

The corpus is the Linux documentation of ``bench/scale.py`` (a subset of about 10k passages by
default). The register has 200 entries made from the corpus itself: its 150 most frequent
capitalised words and 50 most frequent capitalised word pairs (each an "organisation"), so that
mentions are many, a harder case than a register of people. Both indexes are built with
``search-app index --full`` and searched over HTTP with the scale bench's query mix, uncached, in
alternating rounds so that a noisy machine weighs on both alike.

    python bench/entities.py                    # about 10k passages
    python bench/entities.py --passages 50000
    python bench/entities.py --smoke            # a tiny generated corpus
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale  # noqa: E402

ENTRIES = 200


def register_of(documents: list) -> str:
    """Return a register of the corpus's most frequent capitalised words and word pairs."""
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for _name, _source, _title, text in documents:
        found = re.findall(r"\b[A-Z][a-z]{3,}\b(?: [A-Z][a-z]{3,}\b)?", text)
        for match in found:
            (pairs if " " in match else words)[match] += 1
    chosen = [w for w, _ in words.most_common(150)] + [p for p, _ in pairs.most_common(50)]
    entries = [
        {"name": name, "kind": "organisation", "id": f"e{n}-" + name.lower().replace(" ", "-")}
        for n, name in enumerate(chosen[:ENTRIES])
    ]
    return json.dumps(entries)  # JSON is YAML


def build_and_serve(
    documents: list, folder: Path, register: str | None
) -> tuple[float, subprocess.Popen, list[tuple[str, str]]]:
    """Build the index (timed) and start its server; return the time, server and URLs."""
    corpus, index = folder / "corpus", folder / "index"
    scale.write_corpus(documents, corpus)
    if register is not None:
        (corpus / "_names.yml").write_text(register, encoding="utf-8")
    app = [sys.executable, "-m", "search_app"]
    paths = ["--corpus", str(corpus), "--index", str(index)]
    build = scale.timed([*app, "index", "--full", *paths])
    port = scale.free_port()
    targets = scale.urls(f"http://127.0.0.1:{port}", documents[0][1])
    server, _ = scale.serve(
        [*app, "serve", "--port", str(port), *paths], targets[0][1], result_cache="0"
    )
    scale.latency(targets, 1)  # the first reads of the index, for both alike
    return build, server, targets


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20, help="latency rounds, alternating")
    parser.add_argument("--smoke", action="store_true", help="tiny generated corpus")
    args = parser.parse_args(argv)
    if args.smoke:
        documents, args.rounds = scale.generated_docs(), 2
    else:
        documents = scale.subset(scale.linux_docs(), args.passages)
    register = register_of(documents)
    with tempfile.TemporaryDirectory(prefix="entities-") as workdir:
        runs = {}
        for label, names in (("without", None), ("with", register)):
            runs[label] = build_and_serve(documents, Path(workdir) / label, names)
        times: dict[str, list[float]] = {"without": [], "with": []}
        try:
            for _ in range(args.rounds):
                for label in ("without", "with"):
                    times[label].append(scale.latency(runs[label][2], 1)["p50 ms"])
        finally:
            for _build, server, _targets in runs.values():
                server.terminate()
                server.wait()
    row = {
        "passages": sum(len(scale.paragraphs(d[3])) for d in documents),
        "entries": len(json.loads(register)),
        "build s without": runs["without"][0],
        "build s with": runs["with"][0],
        "p50 ms without": statistics.median(times["without"]),
        "p50 ms with": statistics.median(times["with"]),
    }
    row["build ratio"] = row["build s with"] / row["build s without"]
    row["p50 ratio"] = row["p50 ms with"] / row["p50 ms without"]
    for name, value in row.items():
        print(f"| {name} | {value:.3f} |" if isinstance(value, float) else f"| {name} | {value} |")
    return row


if __name__ == "__main__":
    main()
