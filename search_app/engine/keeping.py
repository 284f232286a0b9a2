"""What an index state keeps of what its searches read: least recently used out first, within
a budget.

Posting lists, filters, documents' passages and the posting lists phrases read are each kept
per index state, shared by the threads that search it: :class:`Kept` is that memory, once.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """Values by key, kept while their total cost is within ``max_cost`` (and, with
    ``max_items``, their number within it); the least recently used go first, but the last one
    stays, whatever it costs. A value's cost is asked of ``cost`` when it comes in; a value that
    grows after that reports it with :meth:`grew`, and what was counted for a value is what its
    going takes off, so the total is always that of the values kept. Safe to share between
    threads (``cost`` and ``on_drop`` run with the lock held: they must not call back in)."""

    def __init__(
        self,
        max_cost: float = math.inf,
        cost: Callable[[V], int] = lambda _value: 0,
        max_items: int | None = None,
        on_drop: Callable[[V], None] | None = None,
    ) -> None:
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        #: what was counted for each value kept
        self._costs: dict[Hashable, int] = {}
        self._max_cost = max_cost
        self._max_items = max_items
        self._cost = cost
        self._on_drop = on_drop
        self._total = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._values

    def values(self) -> list[V]:
        """Return the values kept, least recently used first."""
        with self._lock:
            return list(self._values.values())

    @property
    def total_cost(self) -> int:
        """The cost of the values kept, as counted."""
        return self._total

    def get(self, key: Hashable) -> V | None:
        """Return the value kept under ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
            return found

    def keep(self, key: Hashable, value: V) -> V:
        """Keep ``value`` under ``key`` and return it; if another thread kept one meanwhile,
        return that one instead (read twice, kept once)."""
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                return found
            self._values[key] = value
            cost = self._costs[key] = self._cost(value)
            self._total += cost
            self._trim()
        return value

    def grew(self, key: Hashable, added: int) -> None:
        """Count ``added`` more for the value kept under ``key`` (nothing if it is no longer
        kept), and drop what is then past the budget."""
        with self._lock:
            if key not in self._costs:
                return
            self._costs[key] += added
            self._total += added
            self._trim()

    def _trim(self) -> None:
        """Drop the least recently used values past the budget (the lock held)."""
        values = self._values
        while len(values) > 1 and (
            self._total > self._max_cost
            or (self._max_items is not None and len(values) > self._max_items)
        ):
            key, dropped = values.popitem(last=False)
            self._total -= self._costs.pop(key)
            if self._on_drop is not None:
                self._on_drop(dropped)
