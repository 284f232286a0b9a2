"""Run the WSGI app with waitress, in one process or in several that share one socket.

Python runs one thread at a time per process, so one process serves at most one core's worth of
searches. With ``workers`` > 1 the parent opens the listening socket, forks that many waitress
processes onto it (the kernel hands each new connection to one of them), replaces any that dies
(backing off, and giving up when they keep dying at start), and stops them all on SIGTERM or
Ctrl+C; workers end with their parent even when it is killed. Each worker keeps its own searchers,
caches and rate-limit counts.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import waitress
from waitress.channel import HTTPChannel

from search_app.engine.lifetime import end_with_parent
from search_app.engine.readers import IndexUnavailable

MAX_REQUEST_HEADERS = 16 * 1024  # the request line and headers: a long query URL fits well
MAX_REQUEST_BODY = 256 * 1024  # only a batch upload has a body
#: Connections one process holds open (waitress stops accepting past it; its default of 100
#: let 110 clients that each sent a header line every 5 s block everyone).
CONNECTION_LIMIT = 1000
#: A connection that sends nothing for this long is closed.
IDLE_SECONDS = 30
#: How long a thread may keep Python's lock while others wait for it.
SWITCH_SECONDS = 0.001
#: A worker that dies sooner than this after its start counts as failing to start; after this
#: many such deaths in a row the server stops instead of restarting them for ever.
QUICK_DEATH_SECONDS = 5.0
MAX_QUICK_DEATHS = 5


def own_name(host: str) -> str:
    """Return the name the server gives itself in WSGI's ``SERVER_NAME``, which absolute links
    fall back on without a public address: the address it listens on, or the machine's name when
    it listens on every address."""
    if host in ("", "0.0.0.0", "::"):
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host


class HeaderTimedChannel(HTTPChannel):
    """A waitress connection that must send a request's line and headers within
    ``header_seconds`` of their first byte, or be closed (waitress bounds only idle time, so a
    client sending a header line every few seconds held its connection for ever)."""

    header_seconds = 10.0
    _header_started: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None:
            self._header_started = time.monotonic()
        try:
            return super().received(data)
        finally:
            if self.request is None or self.request.headers_finished:
                self._header_started = None

    def readable(self) -> bool:
        started = self._header_started
        if started is not None and time.monotonic() - started > self.header_seconds:
            self.will_close = True  # the event loop closes it on its next turn
        return super().readable()


def serve(
    app: Any, host: str, port: int, threads: int, workers: int = 1, header_seconds: float = 10.0
) -> None:
    """Serve ``app`` on ``host:port`` until stopped; a request's headers must arrive within
    ``header_seconds``. Each serving process first reads ahead what the first searches need."""
    options = {
        "server_name": own_name(host),
        "threads": threads,
        "ident": "search_app",
        "max_request_header_size": MAX_REQUEST_HEADERS,
        "max_request_body_size": MAX_REQUEST_BODY,
        "channel_timeout": IDLE_SECONDS,
        "connection_limit": CONNECTION_LIMIT,
    }
    channel = type("Channel", (HeaderTimedChannel,), {"header_seconds": header_seconds})
    # a thread that reads a file gives up Python's lock and waits up to this long to get it back
    # from a heavy search (5 ms by default): a light page reading many index blocks waited seconds
    sys.setswitchinterval(SWITCH_SECONDS)

    def run(**where: Any) -> None:
        _read_ahead(app)  # in each worker: its files are its own
        logging.basicConfig()  # waitress's warnings (as waitress.serve does)
        server = waitress.create_server(app, **where, **options)
        server.channel_class = channel
        server.print_listen("Serving on http://{}:{}")
        server.run()

    if workers == 1:
        run(host=host, port=port)
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    _supervise(lambda: run(sockets=[listener]), workers)


def _read_ahead(app: Any) -> None:
    """Read what the first searches need before the first request asks (the first prefix,
    fuzzy or misspelt word would wait seconds for the vocabulary index of a large one); an index
    that cannot be read is reported by the requests."""
    with suppress(IndexUnavailable):
        app.extensions["search_app.index"].read_ahead()


def _start(run: Callable[[], None]) -> int:
    """Fork a worker running ``run``; it ends with its parent."""
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    status = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())  # the parent blocked them to fork
        end_with_parent(parent)
        run()
    except BaseException:  # noqa: BLE001 - reported, then the worker ends
        traceback.print_exc()
        status = 1
    finally:
        sys.stderr.flush()
        os._exit(status)


def _supervise(run: Callable[[], None], workers: int) -> None:
    stopping = failed = False
    children: set[int] = set()
    quick_deaths = 0
    started: dict[int, float] = {}

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def spawn() -> None:
        # no stop signal between the fork and the bookkeeping: a worker is always known
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        try:
            if not stopping:
                pid = _start(run)
                children.add(pid)
                started[pid] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        spawn()
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if stopping:
            continue
        lived = time.monotonic() - started.pop(pid, 0.0)
        quick_deaths = quick_deaths + 1 if lived < QUICK_DEATH_SECONDS else 0
        if quick_deaths >= MAX_QUICK_DEATHS:
            print(f"workers keep dying at start ({quick_deaths} in a row): stopping",
                  file=sys.stderr, flush=True)  # fmt: skip
            failed = True
            stop(signal.SIGTERM, None)
            continue
        print(f"worker {pid} ended; starting another", file=sys.stderr, flush=True)
        if quick_deaths:
            time.sleep(quick_deaths)  # back off: something is wrong at start
        spawn()
    if failed:
        raise SystemExit(1)
