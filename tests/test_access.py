"""Who may do what: the access token (bearer, basic auth, the login form), feeds that
take it in their URL, CSRF tokens and origin checks on writes, and `serve`, which
refuses to listen beyond loopback without a token and gives it to every worker."""

from __future__ import annotations

import base64
import hmac
import http.client
import logging
import os
import re
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from searchsvc.cli import main
from searchsvc.indexer import write_paragraphs
from searchsvc.web import create_app
from searchsvc.web.auth import SESSION_COOKIE, feed_key
from tests.fixtures_search import build_sample_index, sample_paragraphs
from tests.test_api import error_of

TOKEN = "s3cret-token-for-the-tests"
HOST = "localhost"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return build_sample_index(tmp_path_factory.mktemp("index"))


def make_client(index_dir, tmp_path, token=TOKEN):
    app = create_app(
        {"INDEX_DIR": str(index_dir), "SAVED_DB": str(tmp_path / "s.db"), "ACCESS_TOKEN": token}
    )
    return app.test_client()


@pytest.fixture
def locked(index_dir, tmp_path):
    """A client of a server that requires TOKEN, with one saved search 'hum'."""
    client = make_client(index_dir, tmp_path)
    saved = client.put("/api/saved/hum?q=humanitarian", headers=bearer())
    assert saved.status_code == 200
    return client


@pytest.fixture
def open_client(index_dir, tmp_path):
    client = make_client(index_dir, tmp_path, token=None)
    assert client.put("/api/saved/hum?q=humanitarian").status_code == 200
    return client


def bearer(token=TOKEN):
    return {"Authorization": f"Bearer {token}"}


def basic(password=TOKEN, user="reader"):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def csrf_of(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, token=TOKEN, target="/"):
    csrf = csrf_of(client, "/login")
    return client.post("/login", data={"csrf_token": csrf, "token": token, "next": target})


# -- the access token -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/search?q=humanitarian", "/api/saved", "/api/saved/hum", "/api/openapi.json"]
)
def test_without_the_token_the_api_answers_401_with_its_challenges(locked, path):
    response = locked.get(path)
    assert "Authorization: Bearer" in error_of(response, 401, "unauthorized")
    challenges = response.headers.get_all("WWW-Authenticate")
    assert challenges == ['Bearer realm="searchsvc"', 'Basic realm="searchsvc", charset="UTF-8"']


def test_a_bearer_token_or_basic_auth_opens_the_api(locked):
    assert locked.get("/api/search?q=humanitarian", headers=bearer()).status_code == 200
    assert locked.get("/api/saved", headers=basic()).status_code == 200
    assert locked.get("/api/saved", headers=basic(user="")).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        bearer("s3cret-token-for-the-test"),
        bearer(TOKEN + "x"),
        bearer(""),
        basic("wrong-password-of-some-length"),
        {"Authorization": f"Token {TOKEN}"},
        {"Authorization": "Basic !!!not-base64"},
    ],
)
def test_a_wrong_token_is_a_401_that_never_repeats_it(locked, headers):
    response = locked.get("/api/search?q=x", headers=headers)
    message = error_of(response, 401, "unauthorized")
    assert message == "the access token sent is not valid"
    sent = headers["Authorization"].split(" ", 1)[1]
    if sent:
        assert sent not in response.get_data(as_text=True)


def test_health_stays_open(locked):
    assert locked.get("/api/health").status_code == 200


def test_a_page_without_the_token_goes_to_the_login_form_and_back(locked):
    response = locked.get("/saved?x=1")
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login" and parse_qs(target.query) == {"next": ["/saved?x=1"]}
    form = locked.get(response.headers["Location"])
    assert form.status_code == 200
    assert 'name="next" value="/saved?x=1"' in form.get_data(as_text=True)

    wrong = log_in(locked, token="not-the-token-at-all", target="/saved")
    assert wrong.status_code == 401
    assert "That is not the access token." in wrong.get_data(as_text=True)
    assert wrong.headers.get_all("WWW-Authenticate") == ['Bearer realm="searchsvc"']
    assert locked.get("/saved").status_code == 303

    right = log_in(locked, target="/saved?x=1")
    assert right.status_code == 303 and right.headers["Location"] == "/saved?x=1"
    cookie = right.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert locked.get("/saved").status_code == 200
    assert locked.get("/api/saved").status_code == 200  # the page's own API calls

    csrf = csrf_of(locked, "/saved")
    assert locked.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert locked.get("/saved").status_code == 303


def test_the_login_form_returns_only_to_this_site(locked):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        response = log_in(locked, target=target)
        assert response.status_code == 303 and response.headers["Location"] == "/", target


def test_a_login_session_ends_when_the_token_changes(index_dir, tmp_path):
    config = {"INDEX_DIR": str(index_dir), "SAVED_DB": str(tmp_path / "s.db")}
    first = create_app({**config, "ACCESS_TOKEN": TOKEN, "SECRET_KEY": "same-key"})
    client = first.test_client()
    log_in(client)
    cookie = client.get_cookie(SESSION_COOKIE).value
    assert client.get("/saved").status_code == 200
    later = create_app({**config, "ACCESS_TOKEN": TOKEN + "-new", "SECRET_KEY": "same-key"})
    other = later.test_client()
    other.set_cookie(SESSION_COOKIE, cookie)
    assert other.get("/saved").status_code == 303


def test_basic_auth_opens_the_pages_too(locked):
    assert locked.get("/saved", headers=basic()).status_code == 200


def test_tokens_are_compared_in_constant_time(locked, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("searchsvc.web.auth.hmac.compare_digest", spy)
    locked.get("/api/saved", headers=bearer("guess-of-the-right-length!"))
    assert (b"guess-of-the-right-length!", TOKEN.encode()) in calls
    calls.clear()
    locked.get("/api/saved", headers=basic("another-guess"))
    assert (b"another-guess", TOKEN.encode()) in calls
    calls.clear()
    log_in(locked, token="typed-in-the-form")
    assert (b"typed-in-the-form", TOKEN.encode()) in calls
    calls.clear()
    locked.get("/feeds/hum.atom?token=from-the-url")
    assert (b"from-the-url", TOKEN.encode()) in calls


def test_the_token_is_never_logged(index_dir, tmp_path, caplog):
    client = make_client(index_dir, tmp_path)
    with caplog.at_level(logging.DEBUG):
        client.get("/api/search?q=x", headers=bearer(TOKEN))
        client.get("/api/search?q=x", headers=bearer("wrong-" + TOKEN))
        client.get("/feeds/hum.atom?token=" + TOKEN)
        log_in(client)
    assert TOKEN not in caplog.text


def test_a_short_token_is_refused(index_dir):
    with pytest.raises(ValueError, match="at least 16"):
        create_app({"INDEX_DIR": str(index_dir), "ACCESS_TOKEN": "short"})


# -- feeds ------------------------------------------------------------------------------


def test_feeds_take_the_token_or_their_own_key_in_the_url(locked):
    assert locked.get("/feeds/hum.atom").status_code == 401
    assert locked.get(f"/feeds/hum.atom?token={TOKEN}").status_code == 200
    assert locked.get(f"/feeds/hum.atom?token={feed_key(TOKEN, 'hum')}").status_code == 200
    assert locked.get("/feeds/hum.atom", headers=basic()).status_code == 200
    wrong = locked.get("/feeds/hum.atom?token=not-the-token")
    assert wrong.status_code == 401 and b"not-the-token" not in wrong.data
    assert locked.get(f"/feeds/hum.atom?token={feed_key(TOKEN, 'other')}").status_code == 401


def test_only_feeds_take_the_token_in_the_url(locked):
    error_of(locked.get(f"/api/saved?token={TOKEN}"), 401, "unauthorized")
    error_of(locked.get(f"/api/search?q=x&token={TOKEN}"), 401, "unauthorized")
    assert locked.get(f"/saved?token={TOKEN}").status_code == 303
    key = feed_key(TOKEN, "hum")
    error_of(locked.get(f"/api/saved/hum?token={key}"), 401, "unauthorized")


def test_the_feed_link_on_the_page_carries_the_feed_key_only_when_a_token_is_set(
    locked, open_client
):
    page = locked.get("/saved", headers=basic()).get_data(as_text=True)
    assert f'href="/feeds/hum.atom?token={feed_key(TOKEN, "hum")}"' in page
    assert TOKEN not in page
    open_page = open_client.get("/saved").get_data(as_text=True)
    assert 'href="/feeds/hum.atom"' in open_page and "token=" not in open_page


def test_without_a_token_feeds_and_everything_else_are_open(open_client):
    assert open_client.get("/feeds/hum.atom").status_code == 200
    assert open_client.get("/feeds/hum.atom?token=anything").status_code == 200
    assert open_client.get("/api/saved").status_code == 200
    assert open_client.get("/login").status_code == 303  # nothing to log in to


# -- writes: CSRF and origin ------------------------------------------------------------


def test_page_forms_need_the_csrf_token_of_their_session(open_client):
    form = {"name": "new", "q": "ceasefire"}
    missing = open_client.post("/saved", data=form)
    assert missing.status_code == 403 and "CSRF token" in missing.get_data(as_text=True)
    wrong = open_client.post("/saved", data={**form, "csrf_token": "forged"})
    assert wrong.status_code == 403
    other_session = make_client_token_of_another_session(open_client)
    assert open_client.post("/saved", data={**form, "csrf_token": other_session}).status_code == 403
    token = csrf_of(open_client, "/saved")
    assert open_client.post("/saved", data={**form, "csrf_token": token}).status_code == 303
    for path in ("/saved/new/rename", "/saved/new/delete"):
        assert open_client.post(path, data={"to": "x"}).status_code == 403
    assert open_client.get("/api/saved/new").status_code == 200


def make_client_token_of_another_session(client):
    other = client.application.test_client()
    return csrf_of(other, "/saved")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": f"http://{HOST}:9999"},
        {"Origin": f"http://{HOST}.evil.example"},
        {"Referer": "http://evil.example/page"},
        {"Referer": f"http://user:pw@evil.example/?next=http://{HOST}/"},
        {"Origin": "http://evil.example", "Referer": f"http://{HOST}/"},
    ],
)
def test_writes_from_another_origin_are_refused(open_client, locked, headers):
    message = error_of(open_client.put("/api/saved/x?q=a", headers=headers), 403, "forbidden")
    assert "another site" in message and "evil" not in message
    error_of(locked.put("/api/saved/x?q=a", headers={**headers, **bearer()}), 403, "forbidden")
    error_of(open_client.delete("/api/saved/hum", headers=headers), 403, "forbidden")
    token = csrf_of(open_client, "/saved")
    page = open_client.post("/saved/hum/delete", data={"csrf_token": token}, headers=headers)
    assert page.status_code == 403
    assert open_client.get("/api/saved/hum").status_code == 200


def test_writes_from_this_site_or_from_programs_are_accepted(open_client, locked):
    same = {"Origin": f"http://{HOST}"}
    assert open_client.put("/api/saved/a?q=x", headers=same).status_code == 200
    assert (
        open_client.put("/api/saved/b?q=x", headers={"Referer": f"http://{HOST}/"}).status_code
        == 200
    )
    assert open_client.put("/api/saved/c?q=x").status_code == 200  # curl: no origin, no cookie
    assert locked.put("/api/saved/d?q=x", headers=bearer()).status_code == 200


def test_api_writes_with_a_browsers_credentials_need_the_csrf_token(open_client, locked):
    # A browser that has the session cookie (it opened a page) or sends basic auth on
    # its own must prove the request comes from this site's page.
    token = csrf_of(open_client, "/saved")
    assert open_client.get_cookie(SESSION_COOKIE) is not None
    error_of(open_client.put("/api/saved/e?q=x"), 403, "forbidden")
    with_header = open_client.put("/api/saved/e?q=x", headers={"X-CSRF-Token": token})
    assert with_header.status_code == 200
    error_of(locked.put("/api/saved/f?q=x", headers=basic()), 403, "forbidden")
    log_in(locked)
    csrf = csrf_of(locked, "/saved")
    error_of(locked.delete("/api/saved/hum"), 403, "forbidden")
    assert locked.delete("/api/saved/hum", headers={"X-CSRF-Token": csrf}).status_code == 200


def test_unknown_paths_and_methods_answer_404_and_405_first(open_client):
    error_of(open_client.post("/api/search", headers={"Origin": "http://evil"}), 405)
    error_of(open_client.post("/api/nothing"), 404, "not_found")


# -- serve ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_serve_refuses_to_bind_beyond_loopback_without_a_token(tmp_path, host, monkeypatch):
    monkeypatch.delenv("SEARCHSVC_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["serve", "--host", host, "--index", str(tmp_path)])
    assert result.exit_code == 2
    assert f"refusing to serve {host} without an access token" in result.output
    assert "SEARCHSVC_TOKEN" in result.output and "--allow-anonymous" in result.output


def test_serve_passes_the_token_on_and_never_shows_it(tmp_path, monkeypatch):
    seen = []

    def fake_serve(options, announce):
        seen.append(options)
        announce("http://0.0.0.0:8000/")
        return 0

    monkeypatch.setattr("searchsvc.server.serve", fake_serve)
    monkeypatch.setenv("SEARCHSVC_TOKEN", TOKEN)
    result = CliRunner().invoke(
        main, ["serve", "--host", "0.0.0.0", "--workers", "3", "--index", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert seen[0].token == TOKEN and seen[0].workers == 3
    assert "access token required" in result.output
    assert TOKEN not in result.output and TOKEN not in repr(seen[0])
    assert seen[0].secret_key not in repr(seen[0])

    monkeypatch.delenv("SEARCHSVC_TOKEN")
    anonymous = CliRunner().invoke(
        main, ["serve", "--host", "0.0.0.0", "--allow-anonymous", "--index", str(tmp_path)]
    )
    assert anonymous.exit_code == 0 and seen[1].token is None
    assert "no access token (--allow-anonymous)" in anonymous.output
    db = str(tmp_path / "elsewhere.sqlite3")
    loopback = CliRunner().invoke(main, ["serve", "--index", str(tmp_path), "--saved-db", db])
    assert loopback.exit_code == 0 and seen[2].token is None and seen[2].saved_db == db

    on_line = CliRunner().invoke(main, ["serve", "--token", TOKEN, "--index", str(tmp_path)])
    assert on_line.exit_code == 0 and "--token shows in ps" in on_line.output
    short = CliRunner().invoke(main, ["serve", "--token", "tiny", "--index", str(tmp_path)])
    assert short.exit_code == 2 and "at least 16" in short.output and "tiny" not in short.output


def _request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_every_worker_of_serve_requires_the_token_and_shares_the_sessions(tmp_path):
    index_dir = tmp_path / "ix"
    write_paragraphs(index_dir, sample_paragraphs())
    env = {**os.environ, "SEARCHSVC_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchsvc.cli", "serve", "--workers", "2", "--port", "0"]
        + ["--index", str(index_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert "access token required" in line and TOKEN not in line
        port = int(re.search(r":(\d+)/", line).group(1))
        deadline = time.monotonic() + 30
        while _request(port, "GET", "/api/health")[0] != 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # Many connections: the kernel spreads them over both workers.
        assert {_request(port, "GET", "/api/saved")[0] for _ in range(20)} == {401}
        statuses = {_request(port, "GET", "/api/saved", bearer())[0] for _ in range(20)}
        assert statuses == {200}

        # A login made by one worker is honoured by the other (one signing key).
        status, headers, body = _request(port, "GET", "/login")
        cookie = headers["Set-Cookie"].split(";")[0]
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
        form = f"csrf_token={csrf}&token={TOKEN}&next=/saved"
        status, headers, _ = _request(
            port,
            "POST",
            "/login",
            {
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{port}",
            },
            form,
        )
        assert status == 303
        session = headers["Set-Cookie"].split(";")[0]
        assert {_request(port, "GET", "/saved", {"Cookie": session})[0] for _ in range(20)} == {200}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
