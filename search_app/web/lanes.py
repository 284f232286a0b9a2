"""A lane for heavy requests, so that they cannot take every thread of the server.

A waitress process serves a fixed number of requests at once (``--threads``). Searches with
prefixes, fuzzy words or phrases, downloads and batches can each run for seconds: eight of them
used to hold every thread, and ``/healthz`` and ordinary pages waited behind them for minutes.
At most ``SEARCH_APP_HEAVY_REQUESTS`` heavy requests run at once per server process; past that a
heavy request is refused at once with 503 and ``Retry-After`` (waiting would hold a thread
too), and the other threads stay free for everything else.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

#: A search with any of these characters lists words (``*``, ``?``, ``~``) or compares word
#: positions (``"``): the costly kinds.
COSTLY_SYNTAX = frozenset('*?~"')
#: A search with more words than this is heavy too, whatever it holds.
LIGHT_WORDS = 8


class Busy(Exception):
    """Every lane for heavy requests is taken; try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def is_heavy(q: str | None) -> bool:
    """Tell whether a query is of a kind that may take long (see :data:`COSTLY_SYNTAX`)."""
    return bool(q) and (bool(COSTLY_SYNTAX & set(q)) or len(q.split()) > LIGHT_WORDS)


@contextmanager
def heavy_lane(heavy: bool = True) -> Iterator[None]:
    """Run the block in one of the lanes for heavy requests (when ``heavy``).

    :raises Busy: at once, when every lane is taken.
    """
    if not heavy:
        yield
        return
    lanes: threading.BoundedSemaphore = current_app.extensions["search_app.heavy_lanes"]
    if not lanes.acquire(blocking=False):
        seconds = current_app.extensions["search_app.settings"].search_seconds
        raise Busy(max(1, round(seconds)))
    try:
        yield
    finally:
        lanes.release()
