"""Serving the web app: waitress in one process, or in several worker processes that
share one listening socket (``searchsvc serve --workers N``).

One Python process serves at most one core's worth of requests (one interpreter lock),
so the parent binds the socket and forks ``workers`` processes; each opens its own
engine reader (nothing engine-side is shared across a fork), runs waitress with
``threads`` threads on the shared socket, and the kernel hands each new connection to
one of them. Every worker follows index versions on its own, as a single process does.

A worker takes connections only once it has warmed its engine reader (the index
version's tables, the pairs of copies, the word lists): until then the other workers
answer, and no search waits behind a warm-up or competes with it for the core. It then
tells the parent it is ready. A single process (``--workers 1``) warms in the
background instead, answering what needs no tables meanwhile.

The parent only supervises: a worker that dies is replaced (at most
``MAX_RESPAWNS`` in ``RESPAWN_WINDOW`` seconds, then the server stops with an error);
SIGHUP replaces the workers one by one, each old one stopped only once its replacement
is ready (a reload that drops no request and keeps every worker's capacity); SIGINT or
SIGTERM stops them (each finishes the requests it is answering) and then the parent.
Workers die with the parent if it is killed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import secrets
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .workers import die_with_parent, load_prctl

MAX_RESPAWNS = 5
RESPAWN_WINDOW = 30.0
STOP_GRACE = 10.0
FINISH_SECONDS = 5.0
POLL_SECONDS = 0.2
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def _secret_key() -> str:
    """Return ``SEARCHSVC_SECRET_KEY`` (sessions outlive a restart), else a new key."""
    return os.environ.get("SEARCHSVC_SECRET_KEY") or secrets.token_hex(32)


@dataclass(frozen=True)
class ServeOptions:
    """How to serve: the index location, the address, threads per worker, the number
    of worker processes, the saved-search database (None: beside the index), the
    access token (None: open) and the key signing session cookies (made once here, so
    that every worker forked from this process accepts the others' sessions)."""

    location: str
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 8
    workers: int = 1
    saved_db: str | None = None
    token: str | None = field(default=None, repr=False)
    secret_key: str = field(default_factory=_secret_key, repr=False)


def is_loopback(host: str) -> bool:
    """Return True when every address ``host`` names is a loopback one (reachable from
    this machine only)."""
    try:
        found = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    addresses = {info[4][0].split("%")[0] for info in found}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def default_workers() -> int:
    """Return the default number of server processes: one per core."""
    return max(1, os.cpu_count() or 1)


def bind(host: str, port: int) -> socket.socket:
    """Return a listening TCP socket on ``host``:``port`` (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024)
    sock.set_inheritable(True)
    return sock


def serve(options: ServeOptions, announce: Callable[[str], None]) -> int:
    """Serve until stopped; call ``announce`` with the URL once listening. Return the
    exit status (0 after a requested stop, 1 when workers kept dying)."""
    sock = bind(options.host, options.port)
    port = sock.getsockname()[1]
    host = f"[{options.host}]" if ":" in options.host else options.host
    url = f"http://{host}:{port}/"
    if options.workers <= 1:
        server = _make_server(options, sock, warm_first=False)
        announce(url)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        return 0
    return _Supervisor(options, sock).run(lambda: announce(url))


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Ask glibc's malloc for at most ``arenas`` arenas in this process (before its
    threads start); return False where that cannot be asked. With one arena per thread,
    each of a worker's threads keeps what searches freed in its own heap: at a million
    paragraphs a worker held ~500 MB after the benchmark mix, ~340 MB with two."""
    try:
        import ctypes

        return bool(ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def _make_server(options: ServeOptions, sock: socket.socket, warm_first: bool) -> Any:
    """Return the waitress server of the app on ``sock``, its engine reader warmed
    before it returns with ``warm_first``, else in a background thread."""
    from waitress import create_server

    limit_malloc_arenas()

    from .web import create_app

    app = create_app(
        {
            "INDEX_DIR": options.location,
            "SAVED_DB": options.saved_db,
            "ACCESS_TOKEN": options.token,
            "SECRET_KEY": options.secret_key,
        }
    )
    if warm_first:
        _warm(app)
    else:
        threading.Thread(target=_warm, args=(app,), name="searchsvc-warm", daemon=True).start()
    return create_server(app, sockets=[sock], threads=options.threads)


def _warm(app: Any) -> None:
    """Prepare the index's shared tables (searches arriving meanwhile, in a single
    process, wait for them); a missing or damaged index is reported by searches."""
    from .web import BACKEND_KEY

    try:
        app.extensions[BACKEND_KEY].warm()
    except Exception as exc:  # noqa: BLE001 (reported again, clearly, by the first search)
        logging.getLogger("searchsvc").info("index not prepared at start: %s", exc)
    release_free_memory()


def release_free_memory() -> bool:
    """Hand the heap memory malloc holds free back to the system (glibc's
    ``malloc_trim``); return False where that cannot be asked. Building an index
    version's tables takes about twice what they keep (12 MB a worker at 200k
    paragraphs stayed in the heap)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
        return True
    except (OSError, AttributeError):
        return False


class _Supervisor:
    """The parent of the worker processes (see the module doc)."""

    def __init__(self, options: ServeOptions, sock: socket.socket):
        self.options = options
        self.sock = sock
        self.children: set[int] = set()
        self.retiring: set[int] = set()  # replaced by a reload: not respawned
        self.to_reload: list[int] = []
        self.stopping = False
        self.stop_deadline = 0.0
        self.deaths: list[float] = []
        self.status = 0
        self.starting: dict[int, int] = {}  # worker -> read end of its readiness pipe
        self.replacing: dict[int, int] = {}  # new worker -> the old one it replaces

    def run(self, announce: Callable[[], None]) -> int:
        load_prctl()
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGHUP, self._reload)
        for _ in range(self.options.workers):
            self._spawn()
        announce()
        while self.children:
            self.collect_ready()
            if self.to_reload and not self.replacing and not self.stopping:
                self._replace(self.to_reload.pop(0))
            if self.stopping and time.monotonic() > self.stop_deadline:
                for pid in self.children:
                    _signal(pid, signal.SIGKILL)
            pid, code = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(POLL_SECONDS)
                continue
            self._reap(pid, code)
        self.sock.close()
        return self.status

    def collect_ready(self) -> None:
        """Note the workers that reported ready; retire the old worker each of them
        replaces. (A worker that exits before it is ready is handled by ``_reap``.)"""
        if not self.starting:
            return
        readable, _, _ = select.select(list(self.starting.values()), [], [], 0)
        for pid, fd in list(self.starting.items()):
            if fd not in readable:
                continue
            ready = os.read(fd, 1)
            os.close(fd)
            del self.starting[pid]
            old = self.replacing.pop(pid, None) if ready else None
            if old is not None:
                self.retiring.add(old)
                _signal(old, signal.SIGTERM)

    def _reap(self, pid: int, code: int) -> None:
        self.children.discard(pid)
        fd = self.starting.pop(pid, None)
        if fd is not None:
            os.close(fd)
        if self.stopping or pid in self.retiring:
            self.retiring.discard(pid)
            return
        old = self.replacing.pop(pid, None)
        if old is not None:
            print(
                f"searchsvc: the worker started to replace {old} exited before it was "
                f"ready ({_status(code)}); {old} keeps serving",
                file=sys.stderr,
            )
            return
        now = time.monotonic()
        self.deaths = [t for t in self.deaths if now - t < RESPAWN_WINDOW] + [now]
        if len(self.deaths) > MAX_RESPAWNS:
            print(
                f"searchsvc: server workers keep exiting ({len(self.deaths)} in "
                f"{RESPAWN_WINDOW:.0f} s, the last with {_status(code)}); stopping",
                file=sys.stderr,
            )
            self.status = 1
            self._stop()
            return
        print(
            f"searchsvc: server worker {pid} exited ({_status(code)}); starting another",
            file=sys.stderr,
        )
        self._spawn()

    def _spawn(self) -> int:
        parent = os.getpid()
        ready_read, ready_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (ready_read, *self.starting.values()):
                os.close(fd)
            _worker(self.options, self.sock, parent, ready_write)
        os.close(ready_write)
        self.children.add(pid)
        self.starting[pid] = ready_read
        return pid

    def _replace(self, old: int) -> None:
        """Start one new worker; the old one is stopped once the new one is ready (a
        reload keeps capacity)."""
        if old not in self.children:
            return
        self.replacing[self._spawn()] = old

    def _reload(self, *_: Any) -> None:
        self.to_reload = sorted(self.children - self.retiring)

    def _stop(self, *_: Any) -> None:
        if self.stopping:
            return
        self.stopping = True
        self.stop_deadline = time.monotonic() + STOP_GRACE
        for pid in self.children:
            _signal(pid, signal.SIGTERM)


def _worker(options: ServeOptions, sock: socket.socket, parent: int, ready: int) -> None:
    """Run one server worker in a forked child, writing to the file descriptor
    ``ready`` once warmed; never returns."""
    code = 0
    # The supervisor's handlers are inherited: a stop before the server runs must end
    # this process, not run the supervisor's code in it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        die_with_parent(parent)  # also ignores SIGINT: the parent stops the workers
        server = _make_server(options, sock, warm_first=True)

        def finish(*_: Any) -> None:
            _stop_accepting(server)  # here, in the thread that runs the server's loop
            threading.Thread(target=_finish_and_exit, args=(server,), daemon=True).start()

        signal.signal(signal.SIGTERM, finish)
        os.write(ready, b"1")
        os.close(ready)
        server.run()
    except BaseException as exc:  # noqa: BLE001 (a worker must never return)
        print(f"searchsvc: server worker failed: {exc}", file=sys.stderr)
        code = 1
    finally:
        os._exit(code)


def _socket_map(server: Any) -> dict[int, Any]:
    """Return the dispatchers (listeners and connections) of a waitress server: one
    listening socket gives a ``BaseWSGIServer``, several a ``MultiSocketServer``."""
    from waitress.server import MultiSocketServer

    return server.map if isinstance(server, MultiSocketServer) else server._map


def _stop_accepting(server: Any) -> None:
    """Stop taking connections from the shared socket (the other workers take them)."""
    from waitress.server import BaseWSGIServer

    for dispatcher in list(_socket_map(server).values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.accepting = False


def _finish_and_exit(server: Any) -> None:
    """Let the connections being answered finish (up to ``FINISH_SECONDS``), then
    exit."""
    from waitress.channel import HTTPChannel

    deadline = time.monotonic() + FINISH_SECONDS
    tasks = server.task_dispatcher

    def busy() -> bool:
        channels = list(_socket_map(server).values())
        open_channels = any(isinstance(d, HTTPChannel) for d in channels)
        return bool(tasks.active_count or tasks.queue or open_channels)

    while time.monotonic() < deadline and busy():
        time.sleep(0.05)
    os._exit(0)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _status(code: int) -> str:
    if os.WIFSIGNALED(code):
        return f"signal {os.WTERMSIG(code)}"
    return f"exit status {os.WEXITSTATUS(code)}"
