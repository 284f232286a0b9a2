"""How passages are ranked: BM25F's parameters and the weight of a document's title.

The defaults were tuned on the SciFact train queries only (docs/benchmarks.md, with the command
that measures them); each can be set in the environment to rank another kind of corpus.
"""

from __future__ import annotations

import os

from whoosh.scoring import BM25F

#: How much the query's words in a passage's document title add to its score. The title never
#: makes a passage match (the passage itself must), it ranks passages of on-topic documents first.
TITLE_BOOST = float(os.environ.get("SEARCH_APP_TITLE_BOOST", "0.3"))
#: BM25's length normalisation (0: none, 1: full) and term-frequency saturation.
BM25_B = float(os.environ.get("SEARCH_APP_BM25_B", "0.4"))
BM25_K1 = float(os.environ.get("SEARCH_APP_BM25_K1", "0.7"))


def weighting() -> BM25F:
    """Return the scoring model searches use."""
    return BM25F(B=BM25_B, K1=BM25_K1)
