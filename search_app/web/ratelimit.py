"""A per-client rate limit: a token bucket for each client address, in memory.

Each client may spend ``per_minute`` tokens a minute (a search costs 1, a download 10), with bursts
up to the same number. The table of clients is bounded: the least recently seen are forgotten
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
        now = self.clock()
        with self._lock:
            tokens, seen = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - seen) * self.rate)
            wait = 0.0
            if tokens >= cost:
                tokens -= cost
            else:
                wait = (min(cost, self.capacity) - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


def retry_after(wait: float) -> str:
    """Format a wait for the ``Retry-After`` header: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
