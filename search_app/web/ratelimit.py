"""A per-client rate limit: a token bucket for each client address, in memory.

Each client may spend ``per_minute`` tokens a minute (a search costs 1, a download 10), with bursts
up to the same number. Work that turns out long is charged afterwards (:meth:`RateLimiter.charge`):
the balance may go below zero, down to minus one minute's worth, and the client waits it off.
The table of clients is bounded: the least recently seen are forgotten
first, so a flood of addresses cannot exhaust memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """Token buckets keyed by client; thread-safe."""

    def __init__(
        self,
        per_minute: int,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens for ``client``; return 0 if allowed, else seconds to wait."""
        with self._lock:
            tokens, now = self._balance(client)
            wait = 0.0
            if tokens >= cost:
                tokens -= cost
            else:
                wait = (min(cost, self.capacity) - tokens) / self.rate
            self._store(client, tokens, now)
            return wait

    def charge(self, client: str, cost: float) -> None:
        """Spend ``cost`` more tokens for work already done, down to minus ``per_minute``."""
        with self._lock:
            tokens, now = self._balance(client)
            self._store(client, max(-self.capacity, tokens - cost), now)

    def _balance(self, client: str) -> tuple[float, float]:
        now = self.clock()
        tokens, seen = self._buckets.pop(client, (self.capacity, now))
        return min(self.capacity, tokens + (now - seen) * self.rate), now

    def _store(self, client: str, tokens: float, now: float) -> None:
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)


def retry_after(wait: float) -> str:
    """Format a wait for the ``Retry-After`` header: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
