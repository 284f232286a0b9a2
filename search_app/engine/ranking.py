"""How passages are ranked: BM25F with the parameters of :class:`search_app.config.Settings`.

The defaults (``bm25_b``, ``bm25_k1``, ``title_boost``) were tuned on the SciFact train queries
only (docs/benchmarks.md, with the command that measures them); each can be set in the
environment to rank another kind of corpus.
"""

from __future__ import annotations

from whoosh.scoring import BM25F

from search_app.config import Settings

DEFAULTS = Settings()


def weighting(settings: Settings = DEFAULTS) -> BM25F:
    """Return the scoring model searches use."""
    return BM25F(B=settings.bm25_b, K1=settings.bm25_k1)
