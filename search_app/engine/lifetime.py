"""Processes that end with their parent: server workers and a build's writer processes.

A killed parent (``kill -9`` of ``search-app index``, of a server's supervisor) must not leave
children running: a writer would go on writing into a generation being removed, a server worker
would hold the port.
"""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def end_with_parent(parent: int | None = None) -> None:
    """Have the kernel send this process SIGTERM when its parent dies (Linux); if ``parent``
    (its process id) is given and has died already, end now."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: a killed parent leaves its children, as with most programs
    if parent is not None and os.getppid() != parent:  # it died before the line above
        os._exit(0)
