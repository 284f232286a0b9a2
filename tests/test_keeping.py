"""What an index state keeps: least recently used out first, within a cost and a count."""

import threading

from search_app.engine.keeping import Kept


def test_the_least_recently_used_go_first_past_the_budget() -> None:
    kept: Kept[str] = Kept(max_cost=10, cost=len)
    kept.keep("a", "aaaa")
    kept.keep("b", "bbbb")
    assert kept.get("a") == "aaaa"  # now the most recently used
    kept.keep("c", "cccc")  # 12 > 10: b goes, not a
    assert (kept.get("b"), kept.get("a"), kept.get("c")) == (None, "aaaa", "cccc")
    assert kept.total_cost == 8 and len(kept) == 2


def test_the_last_value_stays_whatever_it_costs() -> None:
    kept: Kept[str] = Kept(max_cost=3, cost=len)
    kept.keep("a", "aa")
    kept.keep("big", "x" * 100)
    assert len(kept) == 1 and kept.get("big") == "x" * 100 and kept.total_cost == 100


def test_a_count_limit_alone() -> None:
    dropped: list[int] = []
    kept: Kept[int] = Kept(max_items=3, on_drop=dropped.append)
    for n in range(5):
        kept.keep(n, n * 10)
    assert [kept.get(n) for n in range(5)] == [None, None, 20, 30, 40]
    assert dropped == [0, 10]


def test_growth_counts_and_goes_with_its_value() -> None:
    kept: Kept[str] = Kept(max_cost=10, cost=len)
    kept.keep("a", "aa")
    kept.keep("b", "bb")
    kept.grew("a", 7)  # 11 > 10: "a", the least recently used, goes with all it grew to
    assert kept.get("a") is None and kept.total_cost == 2
    kept.grew("a", 5)  # late news of a value no longer kept: not counted
    assert kept.total_cost == 2 and len(kept) == 1


def test_a_value_read_twice_is_kept_once() -> None:
    kept: Kept[list[int]] = Kept(max_cost=100, cost=len)
    first, second = [1, 2], [1, 2]
    start = threading.Barrier(2)
    results: list[list[int]] = []

    def read(value: list[int]) -> None:
        start.wait()
        results.append(kept.keep("k", value))

    threads = [threading.Thread(target=read, args=(v,)) for v in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results[0] is results[1] and kept.total_cost == 2
