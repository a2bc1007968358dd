"""Worker processes that die with the process that started them (Linux)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

_PRCTL: Callable[..., int] | None = None


def load_prctl() -> Callable[..., int] | None:
    """Return libc's ``prctl`` (loaded once, in the parent, so that a freshly forked
    child can call it at once), or None where there is none."""
    global _PRCTL
    if _PRCTL is None:
        try:
            import ctypes

            _PRCTL = ctypes.CDLL("libc.so.6", use_errno=True).prctl
        except (OSError, AttributeError):
            return None
    return _PRCTL


def die_with_parent(parent_pid: int | None = None) -> None:
    """Worker initializer: ask Linux to kill this worker when the reindex process dies,
    so no orphan keeps working (or holds files open) after a crash. If the parent
    ``parent_pid`` already died between the fork and this call (the request would then
    never fire), exit at once."""
    prctl = load_prctl()
    if prctl is not None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
