"""``searchsvc serve --workers N``: several processes on one port, replaced when they
die, reloaded one by one on SIGHUP, stopped cleanly on SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchsvc import server
from searchsvc.indexer import write_paragraphs
from tests.fixtures_search import sample_paragraphs

SEARCHSVC = [sys.executable, "-m", "searchsvc.cli"]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the fields after the command name, whose parentheses may hold spaces
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def _get(port: int, path: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, body[:200]
        return json.loads(body)
    finally:
        conn.close()


def _wait_for(predicate, seconds: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def served(tmp_path):
    index_dir = tmp_path / "ix"
    write_paragraphs(index_dir, sample_paragraphs())
    log = tmp_path / "server.err"
    proc = subprocess.Popen(
        [
            *SEARCHSVC,
            "serve",
            "--workers",
            "2",
            "--threads",
            "2",
            "--port",
            "0",
            "--index",
            str(index_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    line = proc.stdout.readline()
    assert "(2 processes)" in line
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, (line, log.read_text())
    port = int(match.group(1))
    _wait_for(lambda: len(_children(proc.pid)) == 2, what="two workers")
    yield proc, port, log
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def test_two_worker_processes_answer_on_one_port(served):
    proc, port, _log = served
    totals = {_get(port, "/api/search?q=ceasefire")["total"] for _ in range(20)}
    assert len(totals) == 1 and totals.pop() > 0
    assert len(_children(proc.pid)) == 2


def test_a_worker_that_dies_is_replaced(served):
    proc, port, log = served
    before = _children(proc.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    _wait_for(
        lambda: len(_children(proc.pid)) == 2 and victim not in _children(proc.pid),
        what="a replacement worker",
    )
    assert _get(port, "/api/health")["status"] == "ok"
    assert "exited (signal 9); starting another" in log.read_text()


def test_sighup_replaces_every_worker_without_failing_a_request(served):
    proc, port, _log = served
    before = _children(proc.pid)
    errors: list[str] = []
    answered = [0]
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                _get(port, "/api/search?q=ceasefire")
                answered[0] += 1
            except Exception as exc:  # every failure is a test failure
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        os.kill(proc.pid, signal.SIGHUP)
        _wait_for(
            lambda: len(_children(proc.pid)) == 2 and not (_children(proc.pid) & before),
            what="the reload",
        )
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert answered[0] > 0


def test_sigterm_stops_the_workers_and_the_server(served):
    proc, _port, _log = served
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)


class _FakeWorkers:
    """Stands in for forking: each spawned "worker" is a pipe the test writes to."""

    def __init__(self, supervisor, monkeypatch):
        self.supervisor = supervisor
        self.ends: dict[int, int] = {}
        self.signals: list[tuple[int, int]] = []
        self.next_pid = 200
        monkeypatch.setattr(server._Supervisor, "_spawn", lambda _self: self.spawn())
        monkeypatch.setattr(server, "_signal", lambda pid, sig: self.signals.append((pid, sig)))

    def spawn(self) -> int:
        read_end, write_end = os.pipe()
        pid, self.next_pid = self.next_pid, self.next_pid + 1
        self.supervisor.children.add(pid)
        self.supervisor.starting[pid] = read_end
        self.ends[pid] = write_end
        return pid


def test_a_reload_stops_the_old_worker_only_once_its_replacement_is_ready(monkeypatch):
    supervisor = server._Supervisor(server.ServeOptions(location="ix"), sock=None)
    fake = _FakeWorkers(supervisor, monkeypatch)
    supervisor.children = {100}
    supervisor._replace(100)
    (new,) = supervisor.replacing
    supervisor.collect_ready()
    assert fake.signals == [] and supervisor.children == {100, new}  # still warming
    os.write(fake.ends[new], b"1")
    supervisor.collect_ready()
    assert fake.signals == [(100, signal.SIGTERM)] and 100 in supervisor.retiring
    assert supervisor.replacing == {} and supervisor.starting == {}


def test_a_replacement_that_dies_while_warming_leaves_the_old_worker_serving(monkeypatch, capsys):
    supervisor = server._Supervisor(server.ServeOptions(location="ix"), sock=None)
    fake = _FakeWorkers(supervisor, monkeypatch)
    supervisor.children = {100}
    supervisor._replace(100)
    (new,) = supervisor.replacing
    os.close(fake.ends[new])  # the new worker exited before it was ready
    supervisor.collect_ready()
    supervisor._reap(new, 1 << 8)
    assert fake.signals == [] and supervisor.children == {100}
    assert fake.next_pid == new + 1  # and none was started in its place
    assert "exited before it was ready (exit status 1); 100 keeps serving" in (
        capsys.readouterr().err
    )
