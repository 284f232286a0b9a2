"""The ranking measures of the relevance benchmark, checked by hand."""

import math

import pytest

from bench.metrics import dcg, ndcg_at, recall_at


def test_dcg_discounts_by_log_rank() -> None:
    assert dcg([3, 2, 3]) == pytest.approx(3 + 2 / math.log2(3) + 3 / 2)


def test_ndcg_against_a_hand_computed_value() -> None:
    # relevant a (1) and c (1); ranked a, b, c: (1 + 1/2) / (1 + 1/log2 3)
    value = ndcg_at(10, ["a", "b", "c"], {"a": 1, "c": 1})
    assert value == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert value == pytest.approx(0.9197, abs=1e-4)


@pytest.mark.parametrize(
    ("ranked", "judged", "expected"),
    [
        (["a", "b"], {"a": 2, "b": 1}, 1.0),  # the ideal order
        (["b", "a"], {"a": 2, "b": 1}, (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))),
        (["x", "y"], {"a": 1}, 0.0),  # nothing relevant found
        (["x"] * 10 + ["a"], {"a": 1}, 0.0),  # found at rank 11: outside the cut
        (["a", "b"], {"a": 1, "b": 0, "c": -1}, 1.0),  # judged but not relevant: no gain
    ],
)
def test_ndcg_cases(ranked, judged, expected) -> None:
    assert ndcg_at(10, ranked, judged) == pytest.approx(expected)


def test_recall_counts_relevant_documents_in_the_cut() -> None:
    assert recall_at(2, ["a", "x", "b"], {"a": 1, "b": 3, "z": 0}) == 0.5
    assert recall_at(3, ["a", "x", "b"], {"a": 1, "b": 3}) == 1.0


def test_undefined_without_relevant_documents() -> None:
    with pytest.raises(ValueError):
        ndcg_at(10, ["a"], {"a": 0})
    with pytest.raises(ValueError):
        recall_at(10, ["a"], {})
