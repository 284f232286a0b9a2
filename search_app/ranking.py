"""How passages are ranked: BM25F's parameters and the weight of a document's title.

The defaults were tuned on the SciFact train queries only (docs/benchmarks.md, with the command
that measures them); each can be set in the environment to rank another kind of corpus.
"""

from __future__ import annotations

import math
import os

from whoosh.scoring import BM25F


def _setting(name: str, default: float, low: float, high: float) -> float:
    """Read a ranking setting from the environment, refusing what BM25 cannot use."""
    raw = os.environ.get(f"SEARCH_APP_{name}", str(default))
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise ValueError(f"SEARCH_APP_{name} must be a number from {low} to {high}, not {raw!r}.")
    return value


#: How much the query's words in a passage's document title add to its score. The title never
#: makes a passage match (the passage itself must), it ranks passages of on-topic documents first.
TITLE_BOOST = _setting("TITLE_BOOST", 0.3, 0.0, 100.0)
#: BM25's length normalisation (0: none, 1: full) and term-frequency saturation.
BM25_B = _setting("BM25_B", 0.4, 0.0, 1.0)
BM25_K1 = _setting("BM25_K1", 0.7, 0.0, 100.0)


def weighting() -> BM25F:
    """Return the scoring model searches use."""
    return BM25F(B=BM25_B, K1=BM25_K1)
