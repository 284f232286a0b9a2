"""Relevance of the product's own ranking on SciFact and Cranfield: nDCG@10 and Recall@100.

Each collection is written out as a corpus (one Markdown file per document), indexed with the real
``search-app index`` command, and every judged query is run through the product's search in its
"any word" form (all words joined by OR: whole sentences rarely match with all words required).
Documents are ranked by their best passage. Only the judgments given in ``../shared/data`` are
used: the SciFact *train* split and Cranfield queries 1-112; tune on nothing else.

    python bench/relevance.py                     # both collections (a few minutes)
    python bench/relevance.py --collection scifact --limit 100
    python bench/relevance.py --scifact DIR       # any BEIR-format folder (corpus, queries, qrels)
    python bench/relevance.py --collection scifact --grid --b 0.5,0.75 --k1 0.9,1.2  # tuning
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.metrics import mean, ndcg_at, recall_at  # noqa: E402
from search_app.config import Settings  # noqa: E402
from search_app.engine.ranking import weighting  # noqa: E402
from search_app.engine.readers import SearchIndex  # noqa: E402
from search_app.engine.results import SearchRequest  # noqa: E402
from search_app.engine.searching import best_documents  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


@dataclass
class Collection:
    name: str
    documents: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: dict[str, str]  # id -> text
    judgments: dict[str, dict[str, float]]  # query id -> document id -> gain


def load_beir(folder: Path, split: str = "train") -> Collection:
    """Read a BEIR-format collection: corpus.jsonl, queries.jsonl, qrels/<split>.tsv."""
    documents = {}
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        documents[row["_id"]] = (row.get("title") or "", row["text"])
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        queries[row["_id"]] = row["text"]
    judgments: dict[str, dict[str, float]] = {}
    rows = (folder / "qrels" / f"{split}.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for row in rows:
        query, document, score = row.split("\t")
        judgments.setdefault(query, {})[document] = float(score)
    return Collection(folder.name, documents, queries, judgments)


def _records(text: str) -> Iterator[dict[str, str]]:
    """Split Cranfield's ``.I``/``.T``/``.W`` format into records of fields."""
    record: dict[str, str] = {}
    field = None
    for line in text.splitlines():
        if line.startswith(".I "):
            if record:
                yield record
            record, field = {"I": line[3:].strip()}, None
        elif re.fullmatch(r"\.[A-Z]", line):
            field = line[1]
            record[field] = ""
        elif field:
            record[field] += line + "\n"
    if record:
        yield record


def load_cranfield(folder: Path) -> Collection:
    """Read Cranfield: queries are numbered by position (1-225), as its judgments count them.

    Relevance codes run 1 (complete answer) to 4 (minimum interest), -1 none: gain = 5 - code.
    """
    documents = {
        r["I"]: (" ".join(r.get("T", "").split()), " ".join(r.get("W", "").split()))
        for r in _records((folder / "cran.all.1400").read_text(encoding="utf-8"))
    }
    queries = {
        str(number): " ".join(r.get("W", "").split())
        for number, r in enumerate(_records((folder / "cran.qry").read_text()), start=1)
    }
    judgments: dict[str, dict[str, float]] = {}
    for line in (folder / "cranqrel.q001-112").read_text().splitlines():
        query, document, code = line.split()
        gain = 0.0 if int(code) == -1 else 5.0 - int(code)
        judgments.setdefault(query, {})[document] = gain
    return Collection("cranfield", documents, queries, judgments)


def write_corpus(collection: Collection, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, (title, text) in collection.documents.items():
        meta = {"title": title or f"{collection.name} {doc_id}", "source": collection.name}
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        body = text or title  # a few Cranfield documents have a title and no text
        (folder / f"{doc_id}.md").write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")


def any_word_query(text: str) -> str:
    """Every word of ``text``, lower-cased (so no word is an operator), joined by OR."""
    return " OR ".join(word.lower() for word in re.findall(r"\w+", text))


def build(collection: Collection, workdir: Path) -> tuple[Path, float]:
    """Index ``collection`` with ``search-app index``; return the index and the seconds taken."""
    corpus, index = workdir / "corpus", workdir / "index"
    write_corpus(collection, corpus)
    started = time.monotonic()
    command = [sys.executable, "-m", "search_app", "index", "--corpus", str(corpus), "--index"]
    subprocess.run([*command, str(index)], check=True, stdout=subprocess.DEVNULL)
    return index, time.monotonic() - started


def rank(
    collection: Collection, reader: SearchIndex, limit: int | None, ranking: Settings | None = None
) -> dict[str, float]:
    """Run every judged query through the product's search; return the measures."""
    limits = replace(
        ranking or Settings(),
        page_size=100,
        per_document=1,
        max_query_length=20_000,
        search_seconds=60,
    )
    judged = [q for q in collection.queries if q in collection.judgments]
    judged = [q for q in judged if any(g > 0 for g in collection.judgments[q].values())][:limit]
    ndcg, recall = [], []
    started = time.monotonic()
    for query in judged:
        request = SearchRequest(q=any_word_query(collection.queries[query]))
        ranked = [doc_id for doc_id, _score in best_documents(reader, request, 100, limits)]
        ndcg.append(ndcg_at(10, ranked, collection.judgments[query]))
        recall.append(recall_at(100, ranked, collection.judgments[query]))
    return {
        "queries": len(judged),
        "documents": len(collection.documents),
        "nDCG@10": mean(ndcg),
        "Recall@100": mean(recall),
        "search ms/query": 1000 * (time.monotonic() - started) / max(1, len(judged)),
    }


def evaluate(collection: Collection, limit: int | None, workdir: Path) -> dict[str, float]:
    index, seconds = build(collection, workdir)
    return {**rank(collection, SearchIndex(index), limit), "build s": seconds}


def grid(
    collection: Collection,
    limit: int | None,
    workdir: Path,
    boosts: list[float],
    bs: list[float],
    k1s: list[float],
) -> None:
    """Rank with every combination of title boost, B and K1 on one index (for tuning)."""
    index, _seconds = build(collection, workdir)
    print("| title boost | B | K1 | nDCG@10 | Recall@100 |")
    print("|---|---|---|---|---|")
    for boost in boosts:
        for b in bs:
            for k1 in k1s:
                ranking = Settings(index_dir=index, title_boost=boost, bm25_b=b, bm25_k1=k1)
                reader = SearchIndex(index, result_cache=0, weighting=weighting(ranking))
                scores = rank(collection, reader, limit, ranking)
                print(f"| {boost} | {b} | {k1} | {scores['nDCG@10']:.3f} "
                      f"| {scores['Recall@100']:.3f} |", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collection", choices=["scifact", "cranfield", "both"], default="both")
    parser.add_argument("--scifact", type=Path, default=DATA / "scifact")
    parser.add_argument("--cranfield", type=Path, default=DATA / "cranfield")
    parser.add_argument("--limit", type=int, default=None, help="judged queries per collection")
    parser.add_argument("--grid", action="store_true", help="tune: rank with many settings")
    numbers = lambda text: [float(value) for value in text.split(",")]  # noqa: E731
    parser.add_argument("--title-boosts", type=numbers, default=[0.3], help="for --grid")
    parser.add_argument("--b", type=numbers, default=[0.5, 0.6, 0.75, 0.9], help="for --grid")
    parser.add_argument("--k1", type=numbers, default=[0.9, 1.2, 1.5, 1.8], help="for --grid")
    args = parser.parse_args(argv)
    loaders = {
        "scifact": lambda: load_beir(args.scifact),
        "cranfield": lambda: load_cranfield(args.cranfield),
    }
    names = list(loaders) if args.collection == "both" else [args.collection]
    if args.grid:
        for name in names:
            with tempfile.TemporaryDirectory() as workdir:
                grid(loaders[name](), args.limit, Path(workdir), args.title_boosts, args.b, args.k1)
        return {}
    results = {}
    print("| collection | queries | documents | nDCG@10 | Recall@100 | build s | search ms/query |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        with tempfile.TemporaryDirectory() as workdir:
            scores = evaluate(loaders[name](), args.limit, Path(workdir))
        results[name] = scores
        print(
            f"| {name} | {scores['queries']} | {scores['documents']} | {scores['nDCG@10']:.3f} "
            f"| {scores['Recall@100']:.3f} | {scores['build s']:.1f} "
            f"| {scores['search ms/query']:.1f} |"
        )
    return results


if __name__ == "__main__":
    main()
