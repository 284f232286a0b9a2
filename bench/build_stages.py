"""Where a full build's time goes, stage by stage, and the fastest a build could be if writing
postings cost nothing.

In one process, on the scale bench's corpus (plain text and Markdown, as ``bench/build.py``
writes them), three runs that each do a little more than the one before:

- *read*: find the files, read each document (metadata, text, passages) and make each
  passage's fields, as the build does, without an index;
- *analyse*: the same, and each indexed field's postings, as the build's writer analyses them
  (whole-passage analysis, or Whoosh's for the fields it cannot read), without keeping them;
- *build*: a full build in one process (the product's ``build_index`` with one writer).

A fourth run profiles the build (``cProfile``) for the writer's time in ``zlib.compress`` and
``pickle.dumps``: what Whoosh's format asks of whoever writes it (compressed blocks of pickled
postings, compressed pickled stored fields), in C already. (Pickling by the analysis and by the
pool's spilled runs is left out.)

*write* is build minus analyse: pooling the postings, writing them and the stored fields, and
the rest of the build. With one writer process per core, reading and analysing alone take at
least (read + analyse) ÷ cores: the *floor* column; and with the format's C work above added,
(read + analyse + compressing + pickling) ÷ cores: the fastest a build of Whoosh's format can be
here if every other step of writing cost nothing. Both beside 8× FTS5's build of the same
paragraphs in the same run.

    python bench/build_stages.py                   # 50,000 passages
    python bench/build_stages.py --sizes all
    python bench/build_stages.py --smoke           # a tiny generated corpus
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import build, fts5_app, scale  # noqa: E402

STAGES = ("read", "analyse", "build")
#: The C functions whose own time the profiled build reports, as cProfile names them.
FORMAT_WORK = {
    "compress": "<built-in method zlib.compress>",
    "pickle": "<built-in method _pickle.dumps>",
}
#: Callers whose pickling is not the format's: the analysis's encoded positions (counted in
#: *analyse*) and the posting pool's spilled runs.
NOT_FORMAT = ("formats.py", "postings.py")


def format_work(corpus: Path, workdir: Path) -> dict[str, float]:
    """Build ``corpus`` in this process under ``cProfile``; return the seconds spent in each of
    :data:`FORMAT_WORK`'s functions, called by the writer."""
    from search_app.engine.indexing import build_index

    profile = cProfile.Profile()
    profile.runcall(
        build_index, corpus, workdir / f"index-{corpus.name}-profiled", full=True, workers=1
    )
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    spent = dict.fromkeys(FORMAT_WORK, 0.0)
    for (_file, _line, function), (*_counts, callers) in stats.items():
        for work, name in FORMAT_WORK.items():
            if function == name:
                spent[work] += sum(
                    own
                    for (caller, _l, _f), (_c, _n, own, _cumulative) in callers.items()
                    if not caller.endswith(NOT_FORMAT)
                )
    return spent


def run_stage(corpus: Path, stage: str, workdir: Path) -> float:
    """Run ``stage`` (one of :data:`STAGES`) over ``corpus`` in this process; return seconds."""
    from search_app.config import Settings
    from search_app.corpus.scanning import scan_corpus
    from search_app.engine.documentfields import load_documents, passage_fields
    from search_app.engine.indexing import build_index
    from search_app.engine.mentioning import mention_finder
    from search_app.engine.schema import build_schema
    from search_app.engine.termcounts import field_terms
    from search_app.names.register import load_register

    started = time.perf_counter()
    if stage == "build":
        build_index(corpus, workdir / f"index-{corpus.name}-{stage}", full=True, workers=1)
        return time.perf_counter() - started
    schema = build_schema()
    shared: list[Any] = []
    terms = {name: field_terms(field, shared) for name, field in schema.items()}
    last: dict[str, Any] = {}  # the writer analyses a field whose value repeats once
    finder = mention_finder(load_register(corpus)[0])
    documents = load_documents(scan_corpus(corpus).files, Settings(), [], None)
    for document in documents:
        for fields in passage_fields(document, finder):
            if stage == "read":
                continue
            for name, value in fields.items():
                field = schema[name]
                if not field.indexed:
                    continue
                whole = terms[name]
                if whole is not None and isinstance(value, str):
                    whole.postings(value)
                elif last.get(name, (None,))[0] != value:
                    last[name] = (value, list(field.index(value)))
    return time.perf_counter() - started


def in_child(corpus: Path, stage: str, workdir: Path) -> Any:
    """Run one stage (or "format") in a fresh child process; return what it printed."""
    command = [sys.executable, __file__, "--child", str(corpus), stage, str(workdir)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.splitlines()[-1])


def measure(
    documents: list[tuple[str, str, str, str]], workdir: Path, cores: int
) -> list[dict[str, Any]]:
    """Write ``documents`` as a text corpus and as a Markdown one in ``workdir``; time each
    stage of each (a fresh folder for each index) and FTS5's build; return a row for each."""
    rows = []
    passages = [(s, t, p) for _n, s, t, text in documents for p in scale.paragraphs(text)]
    started = time.monotonic()
    fts5_app.build(workdir / "fts5.db", passages)
    fts5_s = time.monotonic() - started
    writers = {"text": scale.write_corpus, "markdown": build.write_markdown_corpus}
    for corpus_format, write in writers.items():
        corpus = workdir / corpus_format
        write(documents, corpus)
        in_child(corpus, "read", workdir)  # the files into the page cache
        seconds = {stage: in_child(corpus, stage, workdir) for stage in STAGES}
        work = in_child(corpus, "format", workdir)
        rows.append({
            "passages": len(passages),
            "format": corpus_format,
            "read s": round(seconds["read"], 2),
            "analyse s": round(seconds["analyse"] - seconds["read"], 2),
            "write s": round(seconds["build"] - seconds["analyse"], 2),
            "build, 1 process s": round(seconds["build"], 2),
            "of which zlib s": round(work["compress"], 3),
            "of which pickle s": round(work["pickle"], 3),
            f"floor with {cores} processes s": round(seconds["analyse"] / cores, 2),
            "floor and the format's C work s": round(
                (seconds["analyse"] + work["compress"] + work["pickle"]) / cores, 2
            ),
            "FTS5 s": round(fts5_s, 2),
            "8x FTS5 s": round(8 * fts5_s, 2),
        })  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50000", help="passage counts, or 'all'")
    parser.add_argument("--smoke", action="store_true", help="tiny generated corpus")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        corpus, stage, workdir = Path(args.child[0]), args.child[1], Path(args.child[2])
        if stage == "format":
            print(json.dumps(format_work(corpus, workdir)))
        else:
            print(json.dumps(run_stage(corpus, stage, workdir)))
        return []
    from search_app.engine.parallel import default_workers

    documents = scale.generated_docs() if args.smoke else scale.linux_docs()
    rows = []
    for size in ["smoke"] if args.smoke else args.sizes.split(","):
        chosen = documents if size in ("all", "smoke") else scale.subset(documents, int(size))
        with tempfile.TemporaryDirectory(prefix="build-stages-") as workdir:
            rows += measure(chosen, Path(workdir), default_workers())
    return rows


if __name__ == "__main__":
    main()
