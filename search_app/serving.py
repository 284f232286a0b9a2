"""Run the WSGI app with waitress, in one process or in several that share one socket.

Python runs one thread at a time per process, so one process serves at most one core's worth of
searches. With ``workers`` > 1 the parent opens the listening socket, forks that many waitress
processes onto it (the kernel hands each new connection to one of them), replaces any that dies,
and stops them all on SIGTERM or Ctrl+C. Each worker keeps its own searchers, caches and rate-limit
counts.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Any

import waitress

MAX_REQUEST_HEADERS = 16 * 1024  # the request line and headers: a long query URL fits well
MAX_REQUEST_BODY = 256 * 1024  # only a batch upload has a body


def serve(app: Any, host: str, port: int, threads: int, workers: int = 1) -> None:
    """Serve ``app`` on ``host:port`` until stopped."""
    options = {
        "threads": threads,
        "ident": "search_app",
        "max_request_header_size": MAX_REQUEST_HEADERS,
        "max_request_body_size": MAX_REQUEST_BODY,
        "channel_timeout": 30,
    }
    if workers == 1:
        waitress.serve(app, host=host, port=port, **options)
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    _supervise(lambda: waitress.serve(app, sockets=[listener], **options), workers)


def _start(run: Any) -> int:
    pid = os.fork()
    if pid == 0:  # the worker
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        status = 0
        try:
            run()
        except BaseException:  # noqa: BLE001 - reported, then the worker ends
            import traceback

            traceback.print_exc()
            status = 1
        finally:
            sys.stderr.flush()
            os._exit(status)
    return pid


def _supervise(run: Any, workers: int) -> None:
    stopping = False
    children = {_start(run) for _ in range(workers)}

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.discard(pid)
        if not stopping:
            print(f"worker {pid} ended; starting another", file=sys.stderr, flush=True)
            children.add(_start(run))
