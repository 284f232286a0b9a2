"""Spellings of names: does a search for one spelling find the documents that use the others?

Each spelling of ``names/dev.tsv`` (entities, and the "distinct" near neighbours, each its own
entity) is planted in its own small document amid background text: a ParsiNLU passage for a
Persian spelling, a Cranfield abstract for a Latin one, plus background documents of both (and
SciFact abstracts, English with capitals, to see which ordinary words the keys join). No
``_variants.txt``. Each spelling is searched as a user types it; recall is the share of its
entity's planted documents found (its own included, as the issue defines it; ``other`` leaves
its own out), precision the share of the planted documents found that belong to its entity.

The anchors group the planted spellings by an off-the-shelf key instead (jellyfish's metaphone
and NYSIIS, on ICU's Any-Latin transliteration where PyICU is installed) and count the same.

    .venv/bin/python bench/names.py [--background 400] [--names bench/names_spotcheck.tsv]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search_app.config import Settings  # noqa: E402
from search_app.engine.indexing import build_index  # noqa: E402
from search_app.engine.readers import SearchIndex  # noqa: E402
from search_app.engine.results import SearchRequest  # noqa: E402
from search_app.engine.searching import search  # noqa: E402

VERBOSE = "--verbose" in sys.argv
DATA = Path(__file__).resolve().parent.parent.parent / "shared/data"
LATIN_SENTENCE = "The witness said that {name} was present at the hearing in the summer."
PERSIAN_SENTENCE = "شاهد گفت که {name} در جلسه‌ی تابستان حاضر بود."


def entities(path: Path) -> list[tuple[str, list[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        kind, spellings = line.split("\t")
        rows.append((kind, spellings.split("|")))
    return rows


def persian(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


def backgrounds(count: int, spellings: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Background texts that name none of the dev spellings (ParsiNLU's news names Tabriz)."""
    fa = [json.loads(x)["passage"] for x in (DATA / "parsinlu-rc/train.jsonl").open()]
    fa = list(dict.fromkeys(fa))
    cran = (DATA / "cranfield/cran.all.1400").read_text().split("\n.I ")
    en = [part.split("\n.W\n", 1)[1].replace("\n", " ").strip() for part in cran if ".W\n" in part]
    sci = [json.loads(x)["text"] for x in (DATA / "scifact/corpus.jsonl").open()]
    clean = lambda texts: [t for t in texts if not any(s in t for s in spellings)][:count]  # noqa: E731
    return clean(fa), clean(en), clean(sci)


def md(title: str, text: str, language: str = "en") -> str:
    return f"---\ntitle: {title}\nsource: bench\nlanguage: {language}\n---\n\n{text}\n"


def plant(corpus: Path, rows, count: int) -> dict[str, tuple[int, str]]:
    """Write the corpus; return each planted document's (entity, spelling)."""
    fa, en, sci = backgrounds(count, [s for _k, spellings in rows for s in spellings])
    rng = random.Random(15)
    planted: dict[str, tuple[int, str]] = {}
    for number, (_kind, spellings) in enumerate(rows):
        for n, spelling in enumerate(spellings):
            doc = f"e{number:02d}s{n}"
            if persian(spelling):
                text = rng.choice(fa) + " " + PERSIAN_SENTENCE.format(name=spelling)
                lang = "fa"
            else:
                text = rng.choice(en) + " " + LATIN_SENTENCE.format(name=spelling)
                lang = "en"
            (corpus / f"{doc}.md").write_text(md(doc, text, lang), encoding="utf-8")
            planted[doc] = (number, spelling)
    for i, text in enumerate(fa):
        (corpus / f"fa{i}.md").write_text(md(f"fa{i}", text, "fa"), encoding="utf-8")
    for i, text in enumerate(en + sci):
        (corpus / f"en{i}.md").write_text(md(f"en{i}", text), encoding="utf-8")
    return planted


def score(planted, found_by: Callable[[str], set[str]]) -> dict[str, float]:
    recall, recall_other, precision = [], [], []
    for doc, (entity, spelling) in planted.items():
        found = {d for d in found_by(spelling) if d in planted}
        same = {d for d, (e, _) in planted.items() if e == entity}
        recall.append(len(found & same) / len(same))
        if len(same) > 1:
            recall_other.append(len((found & same) - {doc}) / (len(same) - 1))
        precision.append(len(found & same) / len(found) if found else 1.0)
        if found - same and VERBOSE:
            print("  wrong:", spelling, sorted(planted[d][1] for d in found - same))
    mean = lambda xs: round(sum(xs) / len(xs), 3)  # noqa: E731
    return {
        "recall": mean(recall),
        "recall_other": mean(recall_other),
        "precision": mean(precision),
    }


def anchor(planted, key: Callable[[str], str]) -> dict[str, float]:
    by_key: dict[str, set[str]] = {}
    keyed = {doc: key(spelling) for doc, (_e, spelling) in planted.items()}
    for doc, k in keyed.items():
        by_key.setdefault(k, set()).add(doc)
    return score(planted, lambda s: by_key.get(key(s), set()))


def anchors(planted) -> dict[str, dict[str, float]]:
    try:
        import jellyfish  # noqa: F401
    except ImportError:  # bench-only: installed here, never in the product's locks
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "jellyfish"], check=False)
    try:
        import icu  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "PyICU"], check=False)
    import jellyfish

    found = {}
    try:
        import rigour  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "rigour"], check=False)
    try:
        from rigour.text import ascii_text, metaphone

        key = lambda s: metaphone(ascii_text(s).replace(" ", "").replace("-", ""))  # noqa: E731
        found["OpenSanctions rigour: ascii_text, then its metaphone"] = anchor(planted, key)
    except ImportError:
        print("rigour (OpenSanctions) did not install: no anchor from it")
    try:
        import icu

        to_latin = icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")
        latin = to_latin.transliterate
        label = "ICU Any-Latin, then "
    except ImportError:
        latin, label = (lambda s: s), "no ICU (PyICU did not install), "
    flat = lambda s: "".join(c for c in latin(s) if c.isalpha())  # noqa: E731
    return {
        f"{label}jellyfish metaphone": anchor(planted, lambda s: jellyfish.metaphone(flat(s))),
        f"{label}jellyfish NYSIIS": anchor(planted, lambda s: jellyfish.nysiis(flat(s))),
        **found,
        "today (words as written, no list)": anchor(planted, lambda s: flat(s).lower()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--background", type=int, default=400, help="documents of each source")
    parser.add_argument(
        "--names", type=Path, default=DATA / "names/dev.tsv", help="entities and spellings"
    )
    parser.add_argument("--verbose", action="store_true", help="list the wrong documents found")
    args = parser.parse_args()
    rows = entities(args.names)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        planted = plant(corpus, rows, args.background)
        started = time.perf_counter()
        build_index(corpus, Path(tmp) / "index")
        built = time.perf_counter() - started
        index = SearchIndex(Path(tmp) / "index", result_cache=0)

        def found(spelling: str, exact: bool = False) -> set[str]:
            request = SearchRequest(q=spelling, exact=exact)
            page = search(index, request, Settings(page_size=2000, per_document=1))
            return {hit.doc_id for hit in page.hits}

        results = {
            "ours (name keys)": score(planted, found),
            "ours, exact=1 (today's words as written)": score(
                planted, lambda s: found(s, exact=True)
            ),
            **anchors(planted),
        }
        groups = json.loads(
            (Path(tmp) / "index")
            .joinpath((Path(tmp) / "index" / "CURRENT").read_text().strip(), "spellings.json")
            .read_text(encoding="utf-8")
        )
        planted_words = {s.lower() for _d, (_e, s) in planted.items()}
        background = {k: v for k, v in groups.items() if not set(v) & planted_words}
        joined = [v for v in groups.values() if set(v) & planted_words and set(v) - planted_words]
        grouped = {w for members in groups.values() for w in members} - planted_words
        vocabulary = {w for text in backgrounds(args.background, [])[0] for w in text.split()}
        index.close()
    print(
        f"{len(planted)} planted documents, {args.background} background documents of each "
        f"source; index built in {built:.1f} s"
    )
    for name, figures in results.items():
        print(
            f"{name:55} recall {figures['recall']:.3f}  (others {figures['recall_other']:.3f})"
            f"  precision {figures['precision']:.3f}"
        )
    fa_joined = sorted(w for w in grouped if persian(w))
    print(
        f"background words in a group: {len(grouped)} ({len(fa_joined)} Persian, of about "
        f"{len(vocabulary)} distinct Persian words in the background)"
    )
    print(f"groups among background words only: {len(background)}")
    for members in itertools.islice(background.values(), 40):
        print("   ", ", ".join(members))
    print(f"groups joining a planted spelling with a background word: {len(joined)}")
    for members in joined[:20]:
        print("   ", ", ".join(members))


if __name__ == "__main__":
    main()
