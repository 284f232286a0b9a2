"""Full builds, before and after the writer of our own, beside SQLite FTS5, in the same run.

The Linux kernel documentation (bench/scale.py's corpus) is written twice, as plain text with
sidecars and as Markdown files (what most corpora are), cut to the same passage counts as the
scale bench. Each build runs in its own process (its peak memory is the largest of that process
and its writer processes), in turn: "before" (Whoosh's writer, a new Markdown converter per
passage: the code before this bench), "after, 1 process" and "after" with one writer process per
core (the product as it is), each repeated; the median is reported. FTS5 builds the same
paragraphs in the same run.

    python bench/build.py                          # 10k and 50k passages, both formats
    python bench/build.py --sizes all --repeats 1   # every passage
    python bench/build.py --smoke                  # a tiny generated corpus
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fts5_app, scale  # noqa: E402


def write_markdown_corpus(documents: list, folder: Path) -> None:
    """One Markdown file per document, its title and source in the front matter."""
    for name, source, title, text in documents:
        path = folder / (name[:-4] if name.endswith(".rst") else name)
        path = path.with_name(path.name + ".md")
        path.parent.mkdir(parents=True, exist_ok=True)
        front = json.dumps({"title": title, "source": source})  # JSON is YAML
        path.write_text(f"---\n{front}\n---\n\n{text}", encoding="utf-8")


#: code -> writer processes (0: the code before, in one process)
CODES = {"before": 0, "after, 1 process": 1, "after": None}


def build_once(corpus: Path, index: Path, code: str) -> None:
    """Run one full build in this process, as ``code`` (a key of :data:`CODES`) builds."""
    from search_app.engine.indexing import build_index
    from search_app.engine.segments import PassageWriter, whoosh_writer

    if code == "before":
        import markdown

        from search_app.corpus import rendering

        rendering._converter = lambda: markdown.Markdown(extensions=["tables", "fenced_code"])
        build_index(corpus, index, full=True, new_writer=whoosh_writer, workers=1)
    else:
        build_index(corpus, index, full=True, new_writer=PassageWriter, workers=CODES[code])


def timed_build(corpus: Path, index: Path, code: str) -> tuple[float, float]:
    """Build in a child process; return its seconds and peak memory (MB: the largest of the
    child and its writer processes, which run at the same time)."""
    shutil.rmtree(index, ignore_errors=True)
    command = [sys.executable, __file__, "--child", str(corpus), str(index), code]
    started = time.monotonic()
    child = subprocess.Popen(command)
    _pid, status, usage = os.wait4(child.pid, 0)  # waited here, for the child's rusage
    elapsed = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if status:
        raise SystemExit(f"build failed: {command}")
    return elapsed, usage.ru_maxrss / 1024


def measure(documents: list, workdir: Path, repeats: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    passages = [(s, t, p) for _n, s, t, text in documents for p in scale.paragraphs(text)]
    database = workdir / "fts5.db"
    fts5 = []
    for _ in range(repeats):
        database.unlink(missing_ok=True)
        started = time.monotonic()
        fts5_app.build(database, passages)
        fts5.append(time.monotonic() - started)
    fts5_s = statistics.median(fts5)
    for corpus_format, write in (("text", scale.write_corpus), ("markdown", write_markdown_corpus)):
        corpus = workdir / corpus_format
        write(documents, corpus)
        runs: dict[str, list[tuple[float, float]]] = {code: [] for code in CODES}
        for _ in range(repeats):
            for code in CODES:
                runs[code].append(timed_build(corpus, workdir / "index", code))
        for code in CODES:
            seconds = statistics.median(s for s, _mb in runs[code])
            rows.append({
                "passages": len(passages),
                "format": corpus_format,
                "code": code,
                "build s": round(seconds, 2),
                "runs s": [round(s, 1) for s, _mb in runs[code]],
                "peak MB": round(max(mb for _s, mb in runs[code])),
                "FTS5 s": round(fts5_s, 2),
                "x FTS5": round(seconds / fts5_s, 1),
            })  # fmt: skip
            print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000", help="passage counts, or 'all'")
    parser.add_argument("--repeats", type=int, default=3, help="builds of each kind")
    parser.add_argument("--smoke", action="store_true", help="tiny generated corpus")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        build_once(Path(args.child[0]), Path(args.child[1]), args.child[2])
        return []
    documents = scale.generated_docs() if args.smoke else scale.linux_docs()
    sizes = ["smoke"] if args.smoke else args.sizes.split(",")
    rows = []
    for size in sizes:
        chosen = documents if size in ("all", "smoke") else scale.subset(documents, int(size))
        with tempfile.TemporaryDirectory(prefix="build-bench-") as workdir:
            rows += measure(chosen, Path(workdir), 1 if args.smoke else args.repeats)
    return rows


if __name__ == "__main__":
    main()
