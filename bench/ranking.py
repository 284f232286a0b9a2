"""Choose ranking settings by k-fold cross-validation, and check them on a held-back slice.

Each collection is indexed once by ``search-app index`` (passages, as the product cuts them, and
whole documents for the baseline over whole abstracts), then every judged query is ranked through
the product's own search (``best_documents``: "any word", documents by their best passage) under
every setting of a grid, and each query's nDCG@10 is kept. Cross-validation then only does
arithmetic on those per-query figures: the SciFact train queries are dealt into folds by their
position in id order; for each fold the setting with the best mean on the *other* folds is
chosen and scored on this fold, and the out-of-fold figure is the mean over every query of the
score it got from a setting chosen without it. A Cranfield slice fixed by a rule stated before
any run (queries whose number ends in 3, 6 or 9) is never ranked during tuning: ``--final`` ranks
it once, for the settings named on the command line; the other Cranfield queries are the second
collection's folds.

    python bench/ranking.py --scores s.json   # grid + cross-validation (~40 min, 2 busy cores)
    python bench/ranking.py --final "B=0.4 K1=0.7 title=0.3 document=0.25"   # the slice, once
    python bench/ranking.py --timing                          # result pages with and without
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.metrics import mean, ndcg_at, recall_at  # noqa: E402
from bench.relevance import (  # noqa: E402
    DATA,
    Collection,
    any_word_query,
    build,
    load_beir,
    load_cranfield,
)
from search_app.config import Settings  # noqa: E402
from search_app.engine.analysis import STEMMED  # noqa: E402
from search_app.engine.ranking import weighting  # noqa: E402
from search_app.engine.readers import SearchIndex  # noqa: E402
from search_app.engine.results import SearchRequest  # noqa: E402
from search_app.engine.searching import best_documents, search  # noqa: E402

#: The Cranfield queries kept out of every tuning run: their number's last digit.
SLICE_DIGITS = ("3", "6", "9")
FOLDS = 5


@dataclass(frozen=True)
class Setting:
    """One cell of the grid: the product's ranking settings, the index, and feedback."""

    b: float = 0.75
    k1: float = 1.2
    title: float = 0.0
    document: float = 0.0
    whole: bool = False  # one passage per document (the baseline over whole abstracts)
    #: Bo1 pseudo-relevance feedback: (feedback documents, expansion words, their weight)
    bo1: tuple[int, int, float] | None = None
    #: measured here only: the top 100 reranked by how close the query's words are
    proximity: float = 0.0

    @property
    def name(self) -> str:
        name = f"B={self.b} K1={self.k1} title={self.title} document={self.document}"
        if self.bo1:
            name += " Bo1={}docs,{}words,{}".format(*self.bo1)
        if self.proximity:
            name += f" proximity={self.proximity}"
        return name + (" whole" if self.whole else "")

    def settings(self, index: Path) -> Settings:
        return Settings(
            index_dir=index,
            title_boost=self.title,
            document_weight=self.document,
            bm25_b=self.b,
            bm25_k1=self.k1,
            page_size=100,
            per_document=1,
            max_query_length=50_000,
            search_seconds=60,
        )


BASELINE = Setting()  # Whoosh's BM25 defaults, passages, no title, no document
WHOLE = Setting(whole=True)  # the same over whole abstracts
TODAY = Setting(0.4, 0.7, 0.3)  # what shipped before this round


def families() -> dict[str, list[Setting]]:
    """The grids, each a family that cross-validation chooses within."""
    bm25 = [
        Setting(b, k1, title)
        for b, k1, title in product((0.4, 0.6, 0.75), (0.7, 0.9, 1.2), (0.0, 0.3))
    ]
    weights = (0.25, 0.5, 1.0, 2.0, 100.0)
    document = [replace(s, document=w) for s in bm25 for w in weights if s.b != 0.6]
    feedback = [
        replace(base, bo1=(docs, words, weight))
        for base in (Setting(0.75, 1.2, 0.3, 0.5), Setting(0.4, 0.7, 0.3), BASELINE)
        for docs, words, weight in product((3, 10), (10,), (0.3, 1.0))
    ]
    closeness = [
        replace(base, proximity=weight)
        for base in (Setting(0.75, 1.2, 0.3, 0.5), Setting(0.4, 0.7, 0.3), BASELINE)
        for weight in (0.1, 0.3, 1.0)
    ]
    return {
        "BM25F: B, K1, title boost": bm25,
        "+ document evidence (passage + w × document)": bm25 + document,
        "+ Bo1 feedback": bm25 + document + feedback,
        "+ proximity": bm25 + document + closeness,
    }


def cranfield_slice(query: str) -> bool:
    return query[-1] in SLICE_DIGITS


def judged(collection: Collection) -> list[str]:
    queries = [q for q in collection.queries if q in collection.judgments]
    queries = [q for q in queries if any(g > 0 for g in collection.judgments[q].values())]
    return sorted(queries, key=lambda q: (len(q), q))


def bo1_expansion(
    reader: SearchIndex, collection: Collection, query: str, top: list[str], bo1: tuple
) -> str:
    """Add Bo1's best words from the ``top`` documents to the query, weighted (Amati 2003)."""
    docs, words, weight = bo1
    asked = {t.text for t in STEMMED(query)}
    counts: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    for doc_id in top[:docs]:
        text = " ".join(collection.documents[doc_id])
        for token in STEMMED(text, chars=True):
            if token.text in asked or not re.fullmatch(r"[a-z]\w+", token.text):
                continue
            counts[token.text] += 1
            spelled.setdefault(token.text, Counter())[text[token.startchar : token.endchar]] += 1
    with reader.searcher() as (_generation, searcher):
        passages = searcher.doc_count()
        scored = []
        for term, tf in counts.items():
            frequency = searcher.reader().frequency("text", term)
            rate = max(frequency, 1) / passages
            scored.append((tf * math.log2((1 + rate) / rate) + math.log2(1 + rate), term))
    scored.sort(reverse=True)
    best = scored[:words]
    if not best:
        return query
    top_weight = best[0][0]
    extra = [
        f"{spelled[term].most_common(1)[0][0].lower()}^{weight * score / top_weight:.3f}"
        for score, term in best
    ]
    return " OR ".join([query, *extra])


_POSITIONS: dict[tuple[str, str], dict[str, np.ndarray]] = {}


def word_positions(collection: Collection, doc_id: str) -> dict[str, np.ndarray]:
    """Return the positions of each stemmed word in a document's title and text."""
    key = (collection.name, doc_id)
    if key not in _POSITIONS:
        found: dict[str, list[int]] = {}
        for token in STEMMED(" ".join(collection.documents[doc_id]), positions=True):
            found.setdefault(token.text, []).append(token.pos)
        _POSITIONS[key] = {word: np.array(places) for word, places in found.items()}
    return _POSITIONS[key]


def by_proximity(
    reader: SearchIndex,
    collection: Collection,
    query: str,
    ranked: list[tuple[str, float]],
    weight: float,
) -> list[tuple[str, float]]:
    """Rerank by score plus ``weight`` times, for each pair of query words in a document, the
    rarer one's idf over the square of their closest distance (as in BM25TP)."""
    asked = sorted({t.text for t in STEMMED(collection.queries[query])})
    with reader.searcher() as (_generation, searcher):
        idf = {word: searcher.idf("text", word) for word in asked}
    rescored = []
    for doc_id, score in ranked:
        positions = word_positions(collection, doc_id)
        present = [w for w in asked if w in positions]
        bonus = 0.0
        for n, first in enumerate(present):
            for second in present[n + 1 :]:
                distance = np.abs(np.subtract.outer(positions[first], positions[second])).min()
                bonus += min(idf[first], idf[second]) / max(distance, 1) ** 2
        rescored.append((doc_id, score + weight * bonus))
    return sorted(rescored, key=lambda pair: -pair[1])


def rank_all(
    collection: Collection, queries: list[str], reader: SearchIndex, setting: Setting
) -> dict[str, tuple[float, float]]:
    """Return each query's (nDCG@10, Recall@100) under ``setting``."""
    limits = setting.settings(reader.index_dir)
    scores = {}
    for query in queries:
        text = any_word_query(collection.queries[query])
        ranked = best_documents(reader, SearchRequest(q=text), 100, limits)
        if setting.bo1:
            top = [doc_id for doc_id, _score in ranked]
            text = bo1_expansion(reader, collection, text, top, setting.bo1)
            ranked = best_documents(reader, SearchRequest(q=text), 100, limits)
        if setting.proximity:
            ranked = by_proximity(reader, collection, query, ranked, setting.proximity)
        documents = [doc_id for doc_id, _score in ranked]
        judgments = collection.judgments[query]
        scores[query] = (ndcg_at(10, documents, judgments), recall_at(100, documents, judgments))
    return scores


def folds_of(queries: list[str]) -> Iterator[tuple[list[str], list[str]]]:
    for fold in range(FOLDS):
        held = [q for n, q in enumerate(queries) if n % FOLDS == fold]
        yield [q for q in queries if q not in set(held)], held


#: Which collections' tuning folds choose the setting, for each way of cross-validating.
PROTOCOLS = {
    "each tuned on its own folds": None,
    "tuned on SciFact's folds": ("scifact",),
    "tuned on both collections' folds": ("scifact", "cranfield"),
}


def cross_validate(
    results: dict[str, dict[str, dict[str, tuple[float, float]]]],
    family: list[Setting],
    queries: dict[str, list[str]],
    tuned_on: tuple[str, ...] | None,
) -> dict[str, tuple[float, float, list[str]]]:
    """Return, for each collection, the out-of-fold nDCG@10 and Recall@100 of choosing within
    ``family`` and each fold's choice: for fold n, the setting with the best mean nDCG@10 on
    the other folds of the ``tuned_on`` collections (``None``: of the collection itself, by
    itself), scored on fold n of every collection."""
    folds = {name: list(folds_of(queries[name])) for name in queries}
    out = {}
    for name in queries:
        ndcg, recall, chosen = [], [], []
        for fold, (_tuning, held) in enumerate(folds[name]):
            judges = (name,) if tuned_on is None else tuned_on

            def tuned(setting: Setting, fold: int = fold, judges: tuple = judges) -> float:
                return sum(
                    mean([results[c][setting.name][q][0] for q in folds[c][fold][0]])
                    for c in judges
                )

            best = max(family, key=tuned)
            chosen.append(best.name)
            ndcg += [results[name][best.name][q][0] for q in held]
            recall += [results[name][best.name][q][1] for q in held]
        out[name] = (mean(ndcg), mean(recall), chosen)
    return out


class Collections:
    """The two collections, indexed as passages and as whole documents, on first use."""

    def __init__(self, workdir: Path, scifact: Path, cranfield: Path) -> None:
        self.workdir = workdir
        self.loaded = {"scifact": load_beir(scifact), "cranfield": load_cranfield(cranfield)}
        self.readers: dict[tuple[str, bool], SearchIndex] = {}

    def reader(self, name: str, setting: Setting) -> SearchIndex:
        key = (name, setting.whole)
        if key not in self.readers:
            folder = self.workdir / f"{name}-{'whole' if setting.whole else 'passages'}"
            if setting.whole:
                os.environ["SEARCH_APP_MAX_PASSAGE_CHARS"] = "1000000"
            try:
                index, _seconds = build(self.loaded[name], folder)
            finally:
                os.environ.pop("SEARCH_APP_MAX_PASSAGE_CHARS", None)
            self.readers[key] = SearchIndex(index, result_cache=0)
        reader = self.readers[key]
        return SearchIndex(reader.index_dir, 0, weighting(setting.settings(reader.index_dir)))


def measure(
    collections: Collections,
    name: str,
    queries: list[str],
    settings: list[Setting],
    cache: dict[str, dict[str, list[float]]],
    cache_file: Path | None,
) -> dict[str, dict[str, tuple[float, float]]]:
    """Rank ``queries`` under every setting, reusing the per-query figures of ``cache``."""
    collection = collections.loaded[name]
    for setting in settings:
        key = f"{name}: {setting.name}"
        if key in cache and set(queries) <= set(cache[key]):
            continue
        reader = collections.reader(name, setting)
        cache[key] = {q: list(v) for q, v in rank_all(collection, queries, reader, setting).items()}
        print(f"  ranked {key}", file=sys.stderr, flush=True)
        if cache_file:
            cache_file.write_text(json.dumps(cache))
    return {s.name: {q: tuple(cache[f"{name}: {s.name}"][q]) for q in queries} for s in settings}


def page_timing(collections: Collections, queries: list[str]) -> None:
    """Time the whole result page (uncached) of every query with the document's evidence and
    without, alternating, so that the load of a shared machine falls on both alike."""
    collection = collections.loaded["scifact"]
    reader = collections.reader("scifact", Setting())
    with_it = replace(Settings(), index_dir=reader.index_dir, result_cache=0)
    without = replace(with_it, document_weight=0.0)
    index = SearchIndex(reader.index_dir, 0, weighting(with_it))
    times: dict[float, list[float]] = {without.document_weight: [], with_it.document_weight: []}
    for number, query in enumerate(queries):
        request = SearchRequest(q=any_word_query(collection.queries[query]))
        for limits in (with_it, without) if number % 2 else (without, with_it):
            started = time.perf_counter()
            search(index, request, limits)
            times[limits.document_weight].append(1000 * (time.perf_counter() - started))
    print("| document weight | result page p50 ms | p95 ms |")
    print("|---|---|---|")
    for weight, measured in times.items():
        measured.sort()
        p95 = measured[int(0.95 * (len(measured) - 1))]
        print(f"| {weight} | {statistics.median(measured):.1f} | {p95:.1f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scifact", type=Path, default=DATA / "scifact")
    parser.add_argument("--cranfield", type=Path, default=DATA / "cranfield")
    parser.add_argument("--scores", type=Path, help="keep per-query figures in this JSON file")
    parser.add_argument("--final", nargs="*", default=[], help="settings to run on the slice")
    parser.add_argument("--timing", action="store_true", help="only time result pages")
    args = parser.parse_args(argv)
    if args.timing:
        with tempfile.TemporaryDirectory() as workdir:
            collections = Collections(Path(workdir), args.scifact, args.cranfield)
            page_timing(collections, judged(collections.loaded["scifact"]))
        return
    cache = json.loads(args.scores.read_text()) if args.scores and args.scores.exists() else {}
    grids = families()
    everything = list({s.name: s for grid in grids.values() for s in grid}.values())
    with tempfile.TemporaryDirectory() as workdir:
        collections = Collections(Path(workdir), args.scifact, args.cranfield)
        scifact = judged(collections.loaded["scifact"])
        cranfield = judged(collections.loaded["cranfield"])
        development = [q for q in cranfield if not cranfield_slice(q)]
        fixed = [BASELINE, WHOLE, TODAY]
        results = {
            "scifact": measure(
                collections, "scifact", scifact, fixed + everything, cache, args.scores
            ),
            "cranfield": measure(
                collections, "cranfield", development, fixed + everything, cache, args.scores
            ),
        }
        print(f"SciFact train: {len(scifact)} queries in {FOLDS} folds; Cranfield: "
              f"{len(development)} development queries in {FOLDS} folds, "
              f"{len(cranfield) - len(development)} held back\n")  # fmt: skip
        print("| ranking | SciFact nDCG@10 | Recall@100 | Cranfield dev nDCG@10 | Recall@100 |")
        print("|---|---|---|---|---|")
        for label, setting in [
            ("BM25, Whoosh defaults, passages (baseline)", BASELINE),
            ("BM25, Whoosh defaults, whole abstracts", WHOLE),
            ("shipped before (B 0.4, K1 0.7, title 0.3)", TODAY),
        ]:
            cells = [
                mean([results[c][setting.name][q][m] for q in qs])
                for c, qs in (("scifact", scifact), ("cranfield", development))
                for m in (0, 1)
            ]
            print(f"| {label} | " + " | ".join(f"{v:.3f}" for v in cells) + " |")
        queries = {"scifact": scifact, "cranfield": development}
        for label, family in grids.items():
            for protocol, tuned_on in PROTOCOLS.items():
                found = cross_validate(results, family, queries, tuned_on)
                sci, cran = found["scifact"], found["cranfield"]
                figures = f"{sci[0]:.3f} | {sci[1]:.3f} | {cran[0]:.3f} | {cran[1]:.3f}"
                print(f"| {label} ({len(family)} settings), out of fold, {protocol} | {figures} |")
                print(f"|   chosen per fold | {'; '.join(sci[2])} | | {'; '.join(cran[2])} | |")
        whole_sci = results["scifact"]
        print("\nEvery setting on all queries (in-sample, for reading the grid only):\n")
        print("| setting | SciFact nDCG@10 | Cranfield dev nDCG@10 |")
        print("|---|---|---|")
        for setting in fixed + everything:
            sci_mean = mean([whole_sci[setting.name][q][0] for q in scifact])
            cran_mean = mean([results["cranfield"][setting.name][q][0] for q in development])
            print(f"| {setting.name} | {sci_mean:.3f} | {cran_mean:.3f} |")
        if args.final:
            held = [q for q in cranfield if cranfield_slice(q)]
            named = {s.name: s for s in fixed + everything}
            chosen = [named[name] for name in args.final]
            final = measure(collections, "cranfield", held, fixed + chosen, {}, None)
            print(f"\nCranfield slice (numbers ending in {', '.join(SLICE_DIGITS)}; "
                  f"{len(held)} queries), run once:\n")  # fmt: skip
            print("| setting | nDCG@10 | Recall@100 |")
            print("|---|---|---|")
            for setting in fixed + chosen:
                cells = [mean([final[setting.name][q][m] for q in held]) for m in (0, 1)]
                print(f"| {setting.name} | {cells[0]:.3f} | {cells[1]:.3f} |")


if __name__ == "__main__":
    main()
