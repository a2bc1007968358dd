"""A small HTTP proxy in front of a test cluster that can answer for it: a status for
the next requests matching a path, or per-item 429s in bulk answers."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager


class FaultProxy:
    """Forwards to ``upstream``; ``fail(path_part, status, times)`` answers ``status``
    instead for the next ``times`` requests whose path contains ``path_part``;
    ``throttle_bulk_items(times)`` turns every item of the next bulk answers into 429."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.rules: list[list] = []
        self.bulk_throttles = 0
        self.seen: list[str] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    proxy.seen.append(f"{self.command} {self.path}")
                    for rule in proxy.rules:
                        if rule[0] in self.path and rule[2] > 0:
                            rule[2] -= 1
                            self._answer(
                                rule[1],
                                json.dumps(
                                    {
                                        "error": {"type": "injected", "reason": "fault"},
                                        "status": rule[1],
                                    }
                                ).encode(),
                            )
                            return
                    if "_bulk" in self.path and proxy.bulk_throttles > 0:
                        proxy.bulk_throttles -= 1
                        raw = body or b""
                        if self.headers.get("Content-Encoding") == "gzip":
                            raw = gzip.decompress(raw)
                        self._answer(200, json.dumps(_throttled(raw)).encode())
                        return
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() in ("content-type", "content-encoding", "authorization")
                }
                request = urllib.request.Request(
                    proxy.upstream + self.path, data=body, method=self.command, headers=headers
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, data, kind = (
                            answer.status,
                            answer.read(),
                            answer.headers.get("Content-Type"),
                        )
                except urllib.error.HTTPError as exc:
                    status, data, kind = exc.code, exc.read(), exc.headers.get("Content-Type")
                self._answer(status, data, kind)

            def _answer(self, status, data, kind="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fail(self, path_part: str, status: int, times: int = 1) -> None:
        """Answer ``status`` for the next ``times`` requests whose path has ``path_part``."""
        with self.lock:
            self.rules.append([path_part, status, times])

    def throttle_bulk_items(self, times: int = 1) -> None:
        """Answer every item of the next ``times`` bulk requests with 429."""
        with self.lock:
            self.bulk_throttles = times

    def close(self) -> None:
        """Stop the proxy."""
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """Yield a proxy in front of ``upstream``, stopped afterwards."""
    proxy = FaultProxy(upstream)
    try:
        yield proxy
    finally:
        proxy.close()


def _throttled(body: bytes) -> dict:
    """Return a bulk answer refusing every action of ``body`` with 429 (nothing done)."""
    items = []
    lines = iter(body.decode("utf-8").splitlines())
    for line in lines:
        if not line.strip():
            continue
        action = json.loads(line)
        kind, meta = next(iter(action.items()))
        if kind in ("index", "create", "update"):
            next(lines, None)
        items.append(
            {
                kind: {
                    "_index": meta.get("_index"),
                    "_id": meta.get("_id"),
                    "status": 429,
                    "error": {"type": "rejected_execution_exception", "reason": "queue full"},
                }
            }
        )
    return {"took": 0, "errors": True, "items": items}
