"""Measure the Persian analysis choices on real questions: ParsiNLU reading comprehension.

Each of the 600 Persian questions in ``../shared/data/parsinlu-rc/train.jsonl`` comes with the web
passage that answers it. All 593 distinct passages are indexed; each question is searched (any of
its words, BM25F, as the "any word" offer of the search page does) and we record where its own
passage ranks. Reported: P@1 (its passage first), MRR@10 and Recall@10.

Analyzers compared: Whoosh's default (``StandardAnalyzer``), and ours with the zero-width
non-joiner joined or split, with and without the Persian stop list. Queries are run as typed, as
typed on an Arabic keyboard (ي and ك for ی and ک), and with every zero-width non-joiner typed as a
space or left out, since users type it inconsistently.

    python bench/persian.py [--data ../shared/data/parsinlu-rc/train.jsonl] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from whoosh.analysis import Analyzer, StandardAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import OrGroup, QueryParser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search_app.engine.analysis import ZWNJ, persian_analyzer  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared/data/parsinlu-rc/train.jsonl"

ANALYZERS: dict[str, Callable[[], Analyzer]] = {
    "Whoosh default (StandardAnalyzer)": StandardAnalyzer,
    "ours, ZWNJ joined, stop list": lambda: persian_analyzer(join_zwnj=True, stop_words=True),
    "ours, ZWNJ joined, no stop list": lambda: persian_analyzer(join_zwnj=True, stop_words=False),
    "ours, ZWNJ split, stop list": lambda: persian_analyzer(join_zwnj=False, stop_words=True),
    "ours, ZWNJ split, no stop list": lambda: persian_analyzer(join_zwnj=False, stop_words=False),
}

QUERY_FORMS: dict[str, Callable[[str], str]] = {
    "as typed": lambda q: q,
    "Arabic keyboard (ي ك)": lambda q: q.replace("ی", "ي").replace("ک", "ك"),
    "ZWNJ typed as space": lambda q: q.replace(ZWNJ, " "),
    "ZWNJ left out": lambda q: q.replace(ZWNJ, ""),
}


def load(path: Path, limit: int | None) -> tuple[list[str], list[tuple[str, int]]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    passages: dict[str, int] = {}
    questions = []
    for row in rows[:limit]:
        number = passages.setdefault(row["passage"], len(passages))
        questions.append((row["question"], number))
    return list(passages), questions


def evaluate(
    analyzer: Analyzer, passages: list[str], questions: list[tuple[str, int]], form: Callable
) -> dict[str, float]:
    schema = Schema(number=ID(stored=True), text=TEXT(analyzer=analyzer))
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        for number, passage in enumerate(passages):
            writer.add_document(number=str(number), text=passage)
    parser = QueryParser("text", schema, group=OrGroup)
    first = reciprocal = found = 0.0
    with index.searcher() as searcher:
        for question, expected in questions:
            hits = searcher.search(parser.parse(form(question)), limit=10)
            ranked = [int(hit["number"]) for hit in hits]
            if expected in ranked:
                rank = ranked.index(expected) + 1
                first += rank == 1
                reciprocal += 1 / rank
                found += 1
    count = len(questions)
    return {"P@1": first / count, "MRR@10": reciprocal / count, "Recall@10": found / count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=None, help="use the first N questions only")
    args = parser.parse_args()
    passages, questions = load(args.data, args.limit)
    print(f"{len(questions)} questions, {len(passages)} passages ({args.data.name})\n")
    print("| analyzer | queries | P@1 | MRR@10 | Recall@10 |")
    print("|---|---|---|---|---|")
    started = time.monotonic()
    for name, make in ANALYZERS.items():
        for form_name, form in QUERY_FORMS.items():
            scores = evaluate(make(), passages, questions, form)
            print(
                f"| {name} | {form_name} | {scores['P@1']:.3f} | {scores['MRR@10']:.3f} "
                f"| {scores['Recall@10']:.3f} |"
            )
    print(f"\n({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
