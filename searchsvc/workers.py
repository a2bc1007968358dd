"""Worker processes: a pool that dies with the process that started it (Linux), work
handed to it in order with bounded memory, and one call run in a short-lived child."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

A = TypeVar("A")
R = TypeVar("R")

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


def _noop() -> None:
    return None


def start_pool(workers: int) -> cf.ProcessPoolExecutor | None:
    """Return a started pool of ``workers`` processes (None for one worker).

    Workers are forked at once, before the caller takes any lock or opens a writer,
    so they inherit neither."""
    if workers <= 1:
        return None
    context = multiprocessing.get_context("fork")
    load_prctl()
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    for future in [pool.submit(_noop) for _ in range(workers)]:
        future.result()
    return pool


def ordered_map(
    fn: Callable[[A], R],
    items: Iterable[A],
    pool: cf.ProcessPoolExecutor | None,
    in_flight: int,
) -> Iterator[R]:
    """Yield ``fn(item)`` for each item, in input order: in this process without a
    pool, else in the pool with at most ``in_flight`` items submitted and not yet
    yielded (items are taken from ``items`` only as room frees up, so memory stays
    bounded). Pending work is cancelled when the caller stops early."""
    if pool is None:
        for item in items:
            yield fn(item)
        return
    pending: deque[cf.Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def run_in_child(fn: Callable[..., R], *args: object) -> R:
    """Return ``fn(*args)`` computed in a forked child that then exits, or raise what it
    raised; in this process where there is no fork. What ``fn`` imports or builds stays
    out of this process (a server's supervisor: every worker forked from it would hold
    that memory again). ``fn``'s result and exceptions must pickle."""
    if not hasattr(os, "fork"):
        return fn(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read_end)
            try:
                outcome: tuple[bool, object] = (True, fn(*args))
            except Exception as exc:  # noqa: BLE001 (handed to the parent, raised there)
                outcome = (False, exc)
            try:
                data = pickle.dumps(outcome)
            except Exception as exc:  # noqa: BLE001
                data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        except BaseException:  # noqa: BLE001 (a child must never return)
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"a helper process ended with no answer (wait status {status})")
    ok, value = pickle.loads(data)
    if not ok:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
