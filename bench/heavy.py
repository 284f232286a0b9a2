"""The heavy requests of the hardening review, before (Whoosh's own lookups) and after.

Builds a corpus of ``--words`` distinct made-up words (300,000 by default, as in the review),
each used about once, plus one document of ``--passages`` passages (20,000), and measures:

- the fuzzy query ``abcdef~2 bcdefg~2 cdefgh~2 defghi~2 efghij~2``: listing its words with
  Whoosh's ``terms_within`` (what the search did before) and with the vocabulary index (the
  first time includes building the index of this state of the index, then warm);
- "did you mean" for 61 misspelled plain words: Whoosh's corrector and ours;
- the long document's page: the whole document rendered (what every request did before), one
  part uncached, and one part again (cached);
- the whole search for the fuzzy query through :func:`search` with the default time budget.

    python bench/heavy.py                           # the review's sizes (about 3 minutes)
    python bench/heavy.py --words 3000 --passages 500   # a quick look
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import query as wq  # noqa: E402

import search_app.web  # noqa: E402, F401 (loaded now, not after minutes of work)
from search_app import create_app  # noqa: E402
from search_app.config import Settings  # noqa: E402
from search_app.engine.documents import PASSAGES_PER_PART  # noqa: E402
from search_app.engine.expanding import cap_expansions, suggest  # noqa: E402
from search_app.engine.indexing import build_index  # noqa: E402
from search_app.engine.queries import parse  # noqa: E402
from search_app.engine.readers import SearchIndex  # noqa: E402
from search_app.engine.results import SearchRequest  # noqa: E402
from search_app.engine.searching import search  # noqa: E402

FUZZY = "abcdef~2 bcdefg~2 cdefgh~2 defghi~2 efghij~2"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def write_corpus(folder: Path, words: int, passages: int, seed: int = 14) -> list[str]:
    """Write the corpus; return its words."""
    rng = random.Random(seed)
    vocabulary: set[str] = set()
    while len(vocabulary) < words:
        vocabulary.add("".join(rng.choices(LETTERS, k=rng.randint(5, 10))))
    listed = sorted(vocabulary)
    rng.shuffle(listed)
    folder.mkdir(parents=True)
    per_document = 500  # 50 words a paragraph, 10 paragraphs
    for number, start in enumerate(range(0, len(listed), per_document)):
        chunk = listed[start : start + per_document]
        body = "\n\n".join(" ".join(chunk[i : i + 50]) for i in range(0, len(chunk), 50))
        text = f"---\ntitle: Words {number}\nsource: Source {number % 50}\n---\n\n{body}\n"
        (folder / f"w{number}.md").write_text(text, encoding="utf-8")
    long = "\n\n".join(
        f"Passage {n} of the register: " + " ".join(rng.choices(listed, k=20))
        for n in range(1, passages + 1)
    )
    (folder / "long.md").write_text(f"---\ntitle: Long\nsource: Register\n---\n\n{long}\n")
    return listed


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return round(time.perf_counter() - started, 3), result


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=300_000)
    parser.add_argument("--passages", type=int, default=20_000)
    args = parser.parse_args(argv)
    results: dict[str, object] = {"words": args.words, "long document passages": args.passages}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        words = write_corpus(root / "corpus", args.words, args.passages)
        results["build s"], _ = timed(lambda: build_index(root / "corpus", root / "index"))
        index = SearchIndex(root / "index")
        parsed = parse(FUZZY)
        misspelled = " ".join(w[0] + "q" + w[2:] for w in words[:61])
        plain = parse(misspelled, max_length=10**6)
        with index.searcher() as (_generation, searcher):
            reader = searcher.reader()
            nodes = [n for n in parsed.query.leaves() if isinstance(n, wq.FuzzyTerm)]
            results["fuzzy words, Whoosh terms_within s"], theirs = timed(
                lambda: sorted(w for n in nodes for w in n._btexts(reader))
            )
            arrays = index.arrays(searcher)
            results["fuzzy words, vocabulary (first: builds it) s"], _ = timed(
                lambda: cap_expansions(parsed, arrays.words(searcher))
            )
            results["fuzzy words, vocabulary (warm) s"], ours = timed(
                lambda: cap_expansions(parsed, arrays.words(searcher))
            )
            listed = sorted(
                t.text for t in ours.query.leaves() if getattr(t, "fieldname", None) == "text_exact"
            )
            results["fuzzy words found (same both ways)"] = [len(theirs), listed == theirs]

            def whoosh_suggestion() -> str:
                corrector = reader.corrector("text_exact")
                return " ".join(
                    (corrector.suggest(w, limit=1, maxdist=2, prefix=1) or [w])[0]
                    for w in plain.plain_words
                )

            results["suggestion for 61 words, Whoosh corrector s"], before = timed(
                whoosh_suggestion
            )
            results["suggestion for 61 words, vocabulary s"], after = timed(
                lambda: suggest(plain, reader, arrays.words(searcher))
            )
            # Whoosh's lookup counts a swap of two letters as one edit in an index of several
            # segments (ours always as two, as in one segment): its choice may differ
            pairs = zip(before.split(), (after or "").split() or plain.plain_words, strict=True)
            results["suggested words that agree (of 61)"] = sum(a == b for a, b in pairs)
        results["fuzzy query, whole search s"], page = timed(
            lambda: search(index, SearchRequest(q=FUZZY), Settings(result_cache=0))
        )
        results["fuzzy query partial"] = page.partial
        app = create_app({"CORPUS_DIR": root / "corpus", "INDEX_DIR": root / "index"})
        client = app.test_client()
        results["long document, whole (API) s"], whole = timed(lambda: client.get("/api/doc/long"))
        results["long document, whole (API) MB"] = round(len(whole.data) / 1e6, 2)
        middle = max(1, math.ceil(args.passages / PASSAGES_PER_PART) // 2)
        for label in ("uncached", "cached"):
            seconds, part = timed(lambda: client.get(f"/doc/long?q=register&part={middle}"))
            assert part.status_code == 200
            results[f"long document, one part {label} s"] = seconds
        results["long document, one part KB"] = round(len(part.data) / 1e3)
        index.close()
        app.extensions["search_app.index"].close()
    print(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
