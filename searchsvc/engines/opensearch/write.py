"""Writing paragraphs into the cluster: builds, the alias switch, bulk requests, file state.

Names, for the alias ``NAME``:

- ``NAME-<stamp>``: one *build*, a concrete paragraph index; ``NAME`` points at the live
  one. ``NAME-<stamp>-files``: its file state, one document per source file (path,
  change-detection key, paragraph count); ``NAME-files`` points at the live one.
- ``NAME-lock``: the reindex locks (``lock.py``).

A full rebuild fills a new build (no refresh, no replicas while loading) and publishes
it by moving both aliases in one ``_aliases`` request: searches see the old build or
the new one, never a mix. A rebuild that fails, is cancelled or is killed leaves the
aliases where they were; its build is deleted by ``cancel``, or by the next publish
(every build older than the one published goes). Incremental runs change the live
build; ``commit`` makes their changes visible (refresh).

Per file, the order of writes makes reruns exact: the old paragraphs are deleted (by
``path``), the new ones indexed (ids are ``<article>#<n>``: writing one again
replaces it), and only when all of them are in does the file's state document get its
new key. A run stopped anywhere (the cluster lost, the process killed) leaves files
whose state still has the old key, or none, and the next run redoes exactly those.

Bulk requests are retried with backoff when the cluster answers 429 or 5xx or cannot
be reached; items it rejects for good (a document it cannot index) are reported by
``rejected()`` with their file, and that file keeps no state, so it is tried again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opensearchpy.exceptions import NotFoundError, TransportError

from ...copies import DEFAULT, bands_of, sign_paragraphs
from ...engine import IndexMeta, Rejected, WriteTotals
from ...errors import EngineUnavailable, SearchsvcError
from ...models import Paragraph
from .client import Cluster
from .documents import paragraph_document
from .mapping import (
    COPY_FIELDS,
    files_mappings,
    live_settings,
    paragraph_mappings,
    paragraph_settings,
    small_settings,
)

LOG = logging.getLogger("searchsvc.opensearch")
BULK_ACTIONS = 1000
BULK_BYTES = 8 * 1024 * 1024
DELETE_PATHS = 500  # paths per delete-by-query
ATTEMPTS = 6  # per bulk request, on 429 / 5xx / unreachable
BACKOFF = 0.5  # seconds, doubled per attempt, at most BACKOFF_MAX
BACKOFF_MAX = 10.0
RETRY_STATUS = {429, 500, 502, 503, 504}
SCAN_PAGE = 5000
_STAMP = re.compile(r"\d{8}t\d{6}\d{6}-[0-9a-f]{4}")


class BuildError(SearchsvcError):
    """A named build that does not exist, is live already, or is not this alias's."""

    code = "bad_build"
    http_status = 400


@dataclass(frozen=True)
class Names:
    """The index and alias names of one searchsvc alias."""

    alias: str

    @property
    def files_alias(self) -> str:
        """Return the alias of the live file-state index."""
        return f"{self.alias}-files"

    @property
    def lock(self) -> str:
        """Return the name of the lock index."""
        return f"{self.alias}-lock"

    def new_build(self) -> str:
        """Return a new build name (sorts by creation time)."""
        stamp = datetime.now(UTC).strftime("%Y%m%dt%H%M%S%f")
        return f"{self.alias}-{stamp}-{secrets.token_hex(2)}"

    def files_of(self, build: str) -> str:
        """Return the file-state index of ``build``."""
        return f"{build}-files"

    def is_build(self, index: str) -> bool:
        """Return True when ``index`` is a paragraph build of this alias."""
        prefix = f"{self.alias}-"
        return index.startswith(prefix) and bool(_STAMP.fullmatch(index[len(prefix) :]))


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def file_doc_id(path: str) -> str:
    """Return the id of a file's state document (paths can be longer than an id)."""
    return hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()


class Store:
    """Administration of one alias's indices: builds, aliases, metadata, totals."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.names = Names(cluster.config.name)

    @property
    def client(self):
        """Return the cluster's client."""
        return self.cluster.client

    def live_build(self) -> str | None:
        """Return the build the alias points at (None when there is no alias). Raises
        BuildError when the name is a concrete index that searchsvc does not manage."""
        call = self.cluster.call
        try:
            found = call("read the alias", self.client.indices.get_alias, name=self.names.alias)
        except NotFoundError:
            if call("check the index", self.client.indices.exists, index=self.names.alias):
                raise BuildError(
                    f"{self.cluster.config.display} is an index, not an alias: searchsvc "
                    "manages an alias of that name and its builds; choose another name"
                ) from None
            return None
        targets = sorted(found)
        return targets[-1] if targets else None

    def builds(self) -> list[str]:
        """Return every build of this alias, oldest first."""
        try:
            found = self.cluster.call(
                "list the builds",
                self.client.indices.get,
                index=f"{self.names.alias}-*",
                expand_wildcards="open,closed",
            )
        except NotFoundError:
            return []
        return sorted(i for i in found if self.names.is_build(i))

    def create_build(self, meta: dict[str, Any] | None = None) -> str:
        """Create a new, unpublished build and its file-state index; return its name."""
        config = self.cluster.config
        build = self.names.new_build()
        mappings = paragraph_mappings()
        mappings["_meta"].update(meta or {})
        mappings["_meta"].setdefault("created", _utc_now())
        mappings["_meta"]["state"] = "building"
        if all(name in mappings["properties"] for name in COPY_FIELDS):
            mappings["_meta"]["copies"] = DEFAULT.fingerprint()  # how signatures are made
        self.cluster.call(
            "create a new index",
            self.client.indices.create,
            index=build,
            body={
                "settings": paragraph_settings(config.shards, config.replicas, loading=True),
                "mappings": mappings,
            },
        )
        self.cluster.call(
            "create a file-state index",
            self.client.indices.create,
            index=self.names.files_of(build),
            body={"settings": small_settings(config.replicas), "mappings": files_mappings()},
        )
        return build

    def check_build(self, build: str) -> None:
        """Raise BuildError unless ``build`` is an unpublished build of this alias."""
        if not self.names.is_build(build):
            raise BuildError(f"{build!r} is not a build of {self.cluster.config.display}")
        if build not in self.builds():
            raise BuildError(f"no build {build!r} at {self.cluster.config.url}")
        if build == self.live_build():
            raise BuildError(f"{build} is already live at {self.cluster.config.display}")

    def drop_build(self, build: str) -> None:
        """Delete a build and its file state (missing ones are fine)."""
        for index in (build, self.names.files_of(build)):
            with contextlib.suppress(NotFoundError):
                self.cluster.call("delete an index", self.client.indices.delete, index=index)

    def meta(self, build: str) -> dict[str, Any]:
        """Return the searchsvc metadata stored in a build's mapping."""
        found = self.cluster.call(
            "read the index metadata", self.client.indices.get_mapping, index=build
        )
        mappings = next(iter(found.values()), {}).get("mappings", {})
        return dict(mappings.get("_meta") or {})

    def has_copies(self, build: str) -> bool:
        """Return True when a build's mapping has the copy fields (made with copies)."""
        found = self.cluster.call(
            "read the index mapping", self.client.indices.get_mapping, index=build
        )
        mappings = next(iter(found.values()), {}).get("mappings", {})
        properties = mappings.get("properties") or {}
        return all(name in properties for name in COPY_FIELDS)

    def put_meta(self, build: str, values: dict[str, Any]) -> None:
        """Merge ``values`` into a build's metadata."""
        meta = self.meta(build)
        meta.update(values)
        self.cluster.call(
            "store the index metadata",
            self.client.indices.put_mapping,
            index=build,
            body={"_meta": meta},
        )

    def refresh(self, *indices: str) -> None:
        """Make what was written to ``indices`` visible to searches."""
        self.cluster.call("refresh", self.client.indices.refresh, index=",".join(indices))

    def publish(self, build: str, meta: IndexMeta) -> WriteTotals:
        """Make ``build`` live: live settings, metadata, both aliases moved in one
        request, older builds deleted. Returns the totals of the new live index."""
        names = self.names
        files = names.files_of(build)
        config = self.cluster.config
        self.refresh(build, files)
        self.cluster.call(
            "prepare the new index for searching",
            self.client.indices.put_settings,
            index=build,
            body=live_settings(config.replicas),
        )
        self.put_meta(build, {**meta_values(meta), "state": "live", "published": _utc_now()})
        self.cluster.call(
            "wait for the new index",
            self.client.cluster.health,
            index=build,
            wait_for_status="yellow",
            timeout=f"{int(config.timeout)}s",
        )
        previous = self.live_build()
        actions: list[dict[str, Any]] = []
        if previous is not None:
            actions.append({"remove": {"index": previous, "alias": names.alias}})
            if self._exists(names.files_of(previous)):
                actions.append(
                    {"remove": {"index": names.files_of(previous), "alias": names.files_alias}}
                )
        actions.append({"add": {"index": build, "alias": names.alias}})
        actions.append({"add": {"index": files, "alias": names.files_alias}})
        self.cluster.call(
            "switch the alias to the new index",
            self.client.indices.update_aliases,
            body={"actions": actions},
        )
        for old in self.builds():
            if old < build:
                try:
                    self.drop_build(old)
                except SearchsvcError as exc:  # the new index is live: report, go on
                    LOG.warning("could not delete the replaced index %s: %s", old, exc)
        return self.totals(build)

    def _exists(self, index: str) -> bool:
        return bool(self.cluster.call("check an index", self.client.indices.exists, index=index))

    def totals(self, index: str) -> WriteTotals:
        """Return the paragraphs and articles ``index`` holds (exact counts: every
        article has a paragraph at position 1)."""
        count = self.client.count
        documents = self.cluster.call("count paragraphs", count, index=index)["count"]
        articles = self.cluster.call(
            "count articles", count, index=index, body={"query": {"term": {"position": 1}}}
        )["count"]
        return WriteTotals(documents=int(documents), articles=int(articles))

    def source_keys(self, build: str) -> dict[str, str]:
        """Return ``{path: source_key}`` of every file a build holds completely."""
        keys: dict[str, str] = {}
        after: list[Any] | None = None
        index = self.names.files_of(build)
        while True:
            body: dict[str, Any] = {
                "size": SCAN_PAGE,
                "sort": [{"path": "asc"}],
                "_source": ["path", "source_key"],
                "query": {"match_all": {}},
            }
            if after is not None:
                body["search_after"] = after
            page = self.cluster.call(
                "read the file state", self.client.search, index=index, body=body
            )
            hits = page["hits"]["hits"]
            for hit in hits:
                source = hit["_source"]
                keys[source["path"]] = source.get("source_key", "")
            if len(hits) < SCAN_PAGE:
                return keys
            after = hits[-1]["sort"]


def meta_values(meta: IndexMeta) -> dict[str, Any]:
    """Return IndexMeta as stored in a build's ``_meta``."""
    return {
        "created": meta.created,
        "last_reindex": meta.last_reindex,
        "roots": list(meta.roots),
        "entities": bool(meta.entities),
        "extra": dict(meta.extra),
    }


def stored_meta(values: dict[str, Any]) -> IndexMeta:
    """Return the IndexMeta of a build's ``_meta``."""
    return IndexMeta(
        created=values.get("created"),
        last_reindex=values.get("last_reindex"),
        roots=list(values.get("roots") or []),
        entities=bool(values.get("entities", True)),
        extra=dict(values.get("extra") or {}),
    )


@dataclass
class _FileWrite:
    path: str
    key: str
    paragraphs: int
    queued: int
    failed: int = 0


class OpenSearchWriter:
    """One reindex run's writes (``searchsvc.engine.IndexWriter``)."""

    def __init__(
        self,
        store: Store,
        build: str,
        *,
        incremental: bool,
        owns_build: bool,
        publishes: bool,
        shard: tuple[int, int] | None = None,
    ):
        self.store = store
        self.cluster = store.cluster
        self.build = build
        self.files = store.names.files_of(build)
        self.incremental = incremental
        self.owns_build = owns_build  # cancel deletes it
        self.publishes = publishes  # publish moves the alias
        self.shard = shard
        self._actions: list[tuple[_FileWrite | None, str, str]] = []  # (file, id, lines)
        self._bytes = 0
        self._deletions: list[str] = []
        self._counts: dict[str, int] = {}  # paragraphs added per path in this run
        self._rejected: list[Rejected] = []
        self._done = False
        self.copies = store.has_copies(build)

    # -- IndexWriter -------------------------------------------------------------------

    def meta(self) -> IndexMeta:
        """Return the metadata of the index being updated (empty for a full run)."""
        if not self.incremental:
            return IndexMeta()
        return stored_meta(self.store.meta(self.build))

    def source_keys(self) -> dict[str, str]:
        """Return ``{path: source_key}`` of the files the index holds completely. For a
        shard filling a prepared build, the files that build holds already (a shard run
        that stopped resumes where it was)."""
        if not self.incremental and self.owns_build:
            return {}
        return self.store.source_keys(self.build)

    def state_file(self, name: str) -> Path | None:
        """Return None: a cluster has no local folder, and a local file would not follow
        the alias switch or serve the machines of a split run."""
        return None

    def expect(self, files: int, size: int) -> None:
        """Take note of the coming volume (nothing to choose: bulk requests are sized by
        documents and bytes, and the cluster spreads them over its nodes)."""
        del files, size

    def add(self, paragraphs: Sequence[Paragraph], source_key: str) -> int:
        """Queue one file's paragraph documents; return how many were queued."""
        if not paragraphs:
            return 0
        path = paragraphs[0].path or ""
        self._counts[path] = self._counts.get(path, 0) + len(paragraphs)
        record = _FileWrite(path, source_key, self._counts[path], queued=len(paragraphs))
        bands = None
        if self.copies:
            sign_paragraphs(paragraphs)
            bands = bands_of(paragraphs)
        for i, paragraph in enumerate(paragraphs):
            head = {
                "index": {
                    "_index": self.build,
                    "_id": paragraph.id,
                    "routing": paragraph.article_id,
                }
            }
            # Without bands (a build made before copies: its strict mapping lacks
            # them), the document has no copy fields.
            doc = paragraph_document(paragraph, source_key, bands[i] if bands else None)
            lines = json.dumps(head) + "\n" + json.dumps(doc, ensure_ascii=False) + "\n"
            self._actions.append((record, paragraph.id, lines))
            self._bytes += len(lines)
        if len(self._actions) >= BULK_ACTIONS or self._bytes >= BULK_BYTES:
            self._flush()
        return len(paragraphs)

    def delete_path(self, path: str) -> None:
        """Queue the removal of every paragraph of the file ``path`` (and its state)."""
        self._deletions.append(path)
        self._counts.pop(path, None)
        if len(self._deletions) >= DELETE_PATHS:
            self._flush()

    def commit(self) -> None:
        """Write everything queued; for incremental runs make it visible."""
        self._flush()
        if self.incremental:
            self.store.refresh(self.build, self.files)

    def rejected(self) -> list[Rejected]:
        """Return (and forget) the paragraphs refused for good since the last call;
        their files keep no new state, so the next run tries them again."""
        found, self._rejected = self._rejected, []
        return found

    def publish(self, meta: IndexMeta) -> WriteTotals:
        """Write what is left and make the index live (a full run owning its build:
        the alias switch); a shard filling a prepared build only writes and refreshes
        (``OpenSearchEngine.publish_build`` publishes it). Returns the totals."""
        self._flush()
        self._done = True
        if self.publishes:
            meta.created = meta.created or self.store.meta(self.build).get("created")
            return self.store.publish(self.build, meta)
        self.store.refresh(self.build, self.files)
        if self.incremental:
            self.store.put_meta(self.build, meta_values(meta))
        return self.store.totals(self.build)

    def cancel(self) -> None:
        """Abandon the run: a new build of its own is deleted (the alias never moved);
        an incremental run keeps what it committed. Never raises."""
        self._actions.clear()
        self._deletions.clear()
        self._done = True
        if self.owns_build and self.publishes:
            try:
                self.store.drop_build(self.build)
            except Exception as exc:  # unreachable: the next publish removes it
                LOG.warning("could not delete the abandoned index %s: %s", self.build, exc)

    # -- writing -----------------------------------------------------------------------

    def _flush(self) -> None:
        """Apply queued deletions, then queued paragraphs, then the state of every file
        whose paragraphs are all in."""
        if self._deletions:
            paths, self._deletions = self._deletions, []
            self._delete_paths(paths)
        if not self._actions:
            return
        actions, self._actions, self._bytes = self._actions, [], 0
        failures = self._bulk([(a[1], a[2]) for a in actions])
        by_id = {a[1]: a[0] for a in actions}
        for doc_id, reason in failures.items():
            record = by_id.get(doc_id)
            if record is not None:
                record.failed += 1
                self._rejected.append(Rejected(record.path, doc_id, reason))
        finished: list[_FileWrite] = []
        for record, _id, _lines in actions:
            if record is None:
                continue
            record.queued -= 1
            if record.queued == 0:
                finished.append(record)
        self._write_state([r for r in finished if r.failed == 0])

    def _delete_paths(self, paths: list[str]) -> None:
        for start in range(0, len(paths), DELETE_PATHS):
            chunk = sorted(set(paths[start : start + DELETE_PATHS]))
            self._retrying(
                "delete the paragraphs of changed and removed files",
                lambda chunk=chunk: self.store.client.delete_by_query(
                    index=self.build,
                    body={"query": {"terms": {"path": chunk}}},
                    conflicts="proceed",
                    refresh=True,
                    request_timeout=self.cluster.config.timeout * 6,
                ),
            )
            states = [
                (
                    f"file:{p}",
                    json.dumps({"delete": {"_index": self.files, "_id": file_doc_id(p)}}) + "\n",
                )
                for p in chunk
            ]
            for item_id, reason in self._bulk(states, ignore_404=True).items():
                path = item_id.removeprefix("file:")
                self._rejected.append(
                    Rejected(path, "", f"its state could not be removed: {reason}")
                )

    def _write_state(self, records: list[_FileWrite]) -> None:
        if not records:
            return
        shard = f"{self.shard[0]}/{self.shard[1]}" if self.shard else None
        items = []
        for record in records:
            doc = {"path": record.path, "source_key": record.key, "paragraphs": record.paragraphs}
            if shard:
                doc["shard"] = shard
            head = {"index": {"_index": self.files, "_id": file_doc_id(record.path)}}
            items.append((f"file:{record.path}", json.dumps(head) + "\n" + json.dumps(doc) + "\n"))
        failures = self._bulk(items)
        for item_id, reason in failures.items():
            path = item_id.removeprefix("file:")
            self._rejected.append(Rejected(path, "", f"its state could not be stored: {reason}"))

    def _bulk(self, items: list[tuple[str, str]], ignore_404: bool = False) -> dict[str, str]:
        """Send ``(id, action lines)`` items in one bulk request, retrying what the
        cluster could not take for now (429, 5xx, unreachable); return ``{id: reason}``
        of the items it refused for good."""
        pending = list(items)
        failures: dict[str, str] = {}
        delay = BACKOFF
        for attempt in range(1, ATTEMPTS + 1):
            body = "".join(lines for _id, lines in pending)
            try:
                answer = self.cluster.client.bulk(
                    body=body, request_timeout=self.cluster.config.timeout * 6
                )
            except TransportError as exc:
                error = self.cluster.translate(exc, "write paragraphs")
                if not isinstance(error, EngineUnavailable) or _is_auth(exc):
                    raise error from exc
                if attempt == ATTEMPTS:
                    raise self._lost(error) from exc
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
                continue
            retry: list[tuple[str, str]] = []
            results = answer.get("items", [])
            for (item_id, lines), result in zip(pending, _each_action(results), strict=False):
                status = int(result.get("status", 200))
                if status < 300 or (ignore_404 and status == 404):
                    continue
                if status in RETRY_STATUS:
                    retry.append((item_id, lines))
                    continue
                failures[item_id] = _item_reason(result)
            if len(results) < len(pending):  # an answer without some items: send again
                retry.extend(pending[len(results) :])
            if not retry:
                return failures
            if attempt == ATTEMPTS:
                for item_id, _lines in retry:
                    failures[item_id] = (
                        f"the cluster kept refusing it (HTTP 429/5xx after {ATTEMPTS} tries)"
                    )
                return failures
            pending = retry
            time.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)
        return failures

    def _retrying(self, what: str, fn) -> Any:
        delay = BACKOFF
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return fn()
            except TransportError as exc:
                error = self.cluster.translate(exc, what)
                if not isinstance(error, EngineUnavailable) or _is_auth(exc):
                    raise error from exc
                if attempt == ATTEMPTS:
                    raise self._lost(error) from exc
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
        return None

    def _lost(self, error: Exception) -> EngineUnavailable:
        return EngineUnavailable(
            f"{error} (after {ATTEMPTS} tries); the reindex stopped: nothing written so "
            "far is lost or doubled, run the same reindex again to complete it"
        )


def _is_auth(exc: TransportError) -> bool:
    return exc.status_code in (401, 403)


def _each_action(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the result of each bulk item (``{"index": {...}}`` -> ``{...}``)."""
    return [next(iter(item.values()), {}) for item in items]


def _item_reason(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        reason = f"{error.get('type')}: {str(error.get('reason'))[:300]}"
    else:
        reason = str(error)[:300]
    return f"rejected by the cluster (HTTP {result.get('status')}, {reason})"
