"""Ranking measures, as trec_eval computes them (and BEIR reports them).

nDCG@k uses linear gains: a document judged ``g`` at rank ``r`` adds ``g / log2(r + 1)``; the ideal
ranking orders every judged document by gain. Recall@k is the share of the relevant documents
(gain above 0) found in the top ``k``. Queries without a relevant document are left out of the
means, since neither measure is defined for them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def dcg(gains: Sequence[float]) -> float:
    """Return the discounted cumulative gain of gains listed by rank (rank 1 first)."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at(k: int, ranked: Sequence[str], judged: Mapping[str, float]) -> float:
    """Return nDCG@k of a ranking against graded judgments (document -> gain)."""
    ideal = dcg(sorted((g for g in judged.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        raise ValueError("nDCG is undefined for a query without relevant documents")
    return dcg([judged.get(doc, 0.0) for doc in ranked[:k]]) / ideal


def recall_at(k: int, ranked: Sequence[str], judged: Mapping[str, float]) -> float:
    """Return the share of relevant documents (gain above 0) in the top ``k``."""
    relevant = {doc for doc, gain in judged.items() if gain > 0}
    if not relevant:
        raise ValueError("recall is undefined for a query without relevant documents")
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
