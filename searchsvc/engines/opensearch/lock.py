"""One reindex at a time per alias (or per shard of a split run), held in the cluster.

A lock is a document of ``NAME-lock`` created with ``op_type=create`` (only one
creator wins) and carrying a lease: its holder renews it every ``RENEW_EVERY`` seconds
and a lock whose lease ran out (its process was killed, its machine lost) is taken over
with a compare-and-set on its sequence number, so a dead holder never blocks for more
than ``LEASE`` seconds. The document's id names the scope: ``all`` for an ordinary run,
``shard-K-of-N`` for shard K of a run split over N machines; the two kinds exclude
each other, shards of the same split do not.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from opensearchpy.exceptions import ConflictError, NotFoundError, RequestError

from ...errors import IndexBusy
from .client import Cluster
from .mapping import lock_mappings, small_settings

LEASE = 120.0
RENEW_EVERY = 30.0
POLL = 1.0
ALL = "all"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _read_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def scope_id(shard: tuple[int, int] | None) -> str:
    """Return the lock document id of a run (``all`` or ``shard-K-of-N``)."""
    return ALL if shard is None else f"shard-{shard[0]}-of-{shard[1]}"


class ReindexLock:
    """The reindex lock of one alias."""

    def __init__(self, cluster: Cluster, index: str, lease: float = LEASE):
        self.cluster = cluster
        self.index = index
        self.lease = lease
        self.holder = f"{socket.gethostname()} pid {os.getpid()}"
        self.token = uuid.uuid4().hex  # this lock object's, so a process can tell its own

    @contextmanager
    def hold(self, wait: float = 0.0, shard: tuple[int, int] | None = None) -> Iterator[None]:
        """Hold the lock of ``shard`` (None: the whole alias) for the ``with`` block,
        waiting up to ``wait`` seconds; raise IndexBusy naming the holder."""
        self._ensure_index()
        doc_id = scope_id(shard)
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            blocker = self._blocker(doc_id)
            if blocker is None:
                seq = self._try_take(doc_id)
                if seq is not None:
                    # Two runs of excluding scopes may have created their documents at
                    # the same moment: the one that now sees the other backs off.
                    blocker = self._blocker(doc_id)
                    if blocker is None:
                        break
                    self._release(doc_id)
                else:
                    blocker = self._describe(doc_id)
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"another reindex of {self.cluster.config.display} is running "
                    f"({blocker}); try again later, or pass --wait SECONDS to queue"
                )
            time.sleep(min(POLL, max(0.05, deadline - time.monotonic())))
        stop = threading.Event()
        renewer = threading.Thread(
            target=self._renew, args=(doc_id, seq, stop), name="reindex-lock", daemon=True
        )
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            renewer.join(timeout=5)
            self._release(doc_id)

    # -- helpers ---------------------------------------------------------------------

    def _ensure_index(self) -> None:
        client = self.cluster.client
        if self.cluster.call("check the lock index", client.indices.exists, index=self.index):
            return
        try:
            self.cluster.call(
                "create the lock index",
                client.indices.create,
                index=self.index,
                body={
                    "settings": small_settings(self.cluster.config.replicas),
                    "mappings": lock_mappings(),
                },
            )
        except RequestError as exc:  # created meanwhile by another process
            if "already_exists" not in str(exc.error):
                raise

    def _live_locks(self) -> dict[str, dict]:
        client = self.cluster.client
        self.cluster.call("refresh the lock index", client.indices.refresh, index=self.index)
        found = self.cluster.call(
            "read the reindex locks",
            client.search,
            index=self.index,
            body={"size": 100, "query": {"match_all": {}}},
        )
        now = _now()
        live = {}
        for hit in found["hits"]["hits"]:
            expires = _read_time(hit["_source"].get("expires"))
            if expires is not None and expires > now:
                live[hit["_id"]] = hit["_source"]
        return live

    def _blocker(self, doc_id: str) -> str | None:
        """Return who blocks taking ``doc_id`` (None when nobody does)."""
        for other, source in self._live_locks().items():
            if source.get("token") == self.token:
                continue
            if other == doc_id or ALL in (other, doc_id):
                return _who(other, source)
        return None

    def _describe(self, doc_id: str) -> str:
        try:
            got = self.cluster.call(
                "read the reindex lock", self.cluster.client.get, index=self.index, id=doc_id
            )
        except NotFoundError:
            return "a reindex that just finished"
        return _who(doc_id, got["_source"])

    def _body(self) -> dict:
        now = _now()
        return {
            "holder": self.holder,
            "token": self.token,
            "started": _iso(now),
            "expires": _iso(now + timedelta(seconds=self.lease)),
        }

    def _try_take(self, doc_id: str) -> tuple[int, int] | None:
        """Return (seq_no, primary_term) of the lock document once taken, or None."""
        client = self.cluster.client
        try:
            made = self.cluster.call(
                "take the reindex lock",
                client.index,
                index=self.index,
                id=doc_id,
                body=self._body(),
                op_type="create",
                refresh="true",
            )
            return made["_seq_no"], made["_primary_term"]
        except ConflictError:
            pass
        try:
            got = self.cluster.call(
                "read the reindex lock", client.get, index=self.index, id=doc_id
            )
        except NotFoundError:
            return None  # released meanwhile: the next round creates it
        expires = _read_time(got["_source"].get("expires"))
        if expires is not None and expires > _now():
            return None
        try:  # an expired lease: take it over, unless someone else just did
            made = self.cluster.call(
                "take over an expired reindex lock",
                client.index,
                index=self.index,
                id=doc_id,
                body=self._body(),
                if_seq_no=got["_seq_no"],
                if_primary_term=got["_primary_term"],
                refresh="true",
            )
            return made["_seq_no"], made["_primary_term"]
        except ConflictError:
            return None

    def _renew(self, doc_id: str, seq: tuple[int, int], stop: threading.Event) -> None:
        client = self.cluster.client
        while not stop.wait(RENEW_EVERY):
            try:
                got = self.cluster.call(
                    "read the reindex lock", client.get, index=self.index, id=doc_id
                )
                source = dict(got["_source"])
                if source.get("token") != self.token:
                    return  # taken over: our lease had run out
                source["expires"] = self._body()["expires"]
                self.cluster.call(
                    "renew the reindex lock",
                    client.index,
                    index=self.index,
                    id=doc_id,
                    body=source,
                    if_seq_no=got["_seq_no"],
                    if_primary_term=got["_primary_term"],
                    refresh="true",
                )
            except Exception:  # the next round tries again; the run itself will fail
                continue

    def _release(self, doc_id: str) -> None:
        client = self.cluster.client
        try:
            got = self.cluster.call(
                "read the reindex lock", client.get, index=self.index, id=doc_id
            )
            if got["_source"].get("token") == self.token:
                self.cluster.call(
                    "release the reindex lock",
                    client.delete,
                    index=self.index,
                    id=doc_id,
                    if_seq_no=got["_seq_no"],
                    if_primary_term=got["_primary_term"],
                    refresh="true",
                )
        except Exception:  # unreachable cluster: the lease runs out by itself
            pass


def _who(doc_id: str, source: dict) -> str:
    scope = "" if doc_id == ALL else f" for {doc_id.replace('-', ' ')}"
    return f"held by {source.get('holder', '?')} since {source.get('started', '?')}{scope}"
