"""How passages are ranked: BM25F with the parameters of :class:`search_app.config.Settings`,
plus their document's own score as evidence.

A passage's score is its BM25F score (its text, and its document's title weighted by
``title_boost``) plus ``document_weight`` times the same score of its whole document: its title
and all its passages taken as one text. A passage cut from a long document then ranks by what the
rest of the document says too, and every passage of a document gets the same addition, so the
order of passages within a document does not change. The defaults were chosen by
cross-validation on the SciFact train queries (docs/benchmarks.md, with the commands that measure
them); each can be set in the environment to rank another kind of corpus.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F, bm25
from whoosh.searching import Searcher

from search_app.config import Settings
from search_app.engine.arrays import IndexArrays
from search_app.engine.matching import Matches
from search_app.engine.queries import TITLE_FIELDS, query_words

DEFAULTS = Settings()


def weighting(settings: Settings = DEFAULTS) -> BM25F:
    """Return the scoring model searches use."""
    return BM25F(B=settings.bm25_b, K1=settings.bm25_k1)


def document_scores(
    arrays: IndexArrays, searcher: Searcher, words: Mapping[tuple[str, str], float]
) -> np.ndarray:
    """Return the BM25F score of ``words`` ((field, term) -> boost) in every whole document, by
    position in :attr:`IndexArrays.doc_ids`: in its text a term's frequency and the length are
    the sums over its live passages, in its title (which every passage repeats) the title's;
    a term's rarity counts documents; B and K1 are the searcher's."""
    model: BM25F = searcher.weighting
    documents = arrays.live_documents
    scores = np.zeros(len(arrays.doc_ids))
    fields: dict[str, list[tuple[str, float]]] = {}
    for (fieldname, text), boost in sorted(words.items()):
        fields.setdefault(fieldname, []).append((text, boost))
    for fieldname, terms in fields.items():  # all the words of a field at once
        postings = [arrays.postings(searcher, fieldname, text) for text, _boost in terms]
        rows = np.repeat(np.arange(len(terms)), [len(ids) for ids, _weights in postings])
        ids = np.concatenate([ids for ids, _weights in postings])
        weights = np.concatenate([weights for _ids, weights in postings])
        repeated = fieldname in TITLE_FIELDS
        rows, holding, frequency = arrays.per_document(weights, ids, rows, repeated)
        # Whoosh's idf, over documents
        idf = np.log(documents / (np.bincount(rows, minlength=len(terms)) + 1)) + 1
        boosts = np.array([boost for _text, boost in terms])
        lengths = arrays.document_lengths(searcher, fieldname, repeated)
        average = lengths.sum() / documents
        b = model._field_B.get(fieldname, model.B)
        parts = boosts[rows] * bm25(idf[rows], frequency, lengths[holding], average, b, model.K1)
        scores += np.bincount(holding, parts, len(scores))
    return scores


def with_document_evidence(
    arrays: IndexArrays, searcher: Searcher, query: wq.Query, found: Matches, weight: float
) -> Matches:
    """Add ``weight`` times its document's score for ``query``'s words to each passage's."""
    if weight <= 0 or not len(found.ids):
        return found
    scores = document_scores(arrays, searcher, query_words(query))
    return Matches(found.ids, found.scores + weight * scores[arrays.doc_of_passage[found.ids]])
