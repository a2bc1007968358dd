"""OpenSearch locations: URL forms, credentials only from the environment and never
shown, TLS verification on by default, a clear message without the client."""

from __future__ import annotations

import logging
import sys

import pytest

from searchsvc.engine import is_cluster_location
from searchsvc.engines.opensearch.config import (
    LocationError,
    connection_warnings,
    parse_location,
)

SECRET = "s3cr3t-Pa55"


def test_location_forms_name_the_alias_and_default_to_https_on_9200():
    plain = parse_location("opensearch://search.example.org/news", env={})
    assert (plain.url, plain.name, plain.tls, plain.verify) == (
        "https://search.example.org:9200",
        "news",
        True,
        True,
    )
    assert parse_location("http://127.0.0.1:9201/news/", env={}).url == "http://127.0.0.1:9201"
    assert (
        parse_location("https://[::1]:9443/archive", env={}).display == "https://[::1]:9443/archive"
    )
    assert is_cluster_location("opensearch://h/news") and not is_cluster_location("index")


@pytest.mark.parametrize(
    "location",
    ["opensearch://host:9200", "opensearch://host:9200/News", "opensearch://host/a/b", "ftp://h/x"],
)
def test_a_location_without_a_usable_alias_name_is_refused(location):
    with pytest.raises(LocationError):
        parse_location(location, env={})


def test_credentials_in_the_location_are_refused_without_repeating_them():
    with pytest.raises(LocationError) as caught:
        parse_location(f"https://admin:{SECRET}@host:9200/news", env={})
    assert SECRET not in str(caught.value)
    assert "SEARCHSVC_OPENSEARCH_USER" in str(caught.value)


def test_credentials_from_the_environment_never_appear_in_display_or_repr():
    env = {"SEARCHSVC_OPENSEARCH_USER": "admin", "SEARCHSVC_OPENSEARCH_PASSWORD": SECRET}
    config = parse_location("https://host:9200/news", env=env)
    assert config.username == "admin" and config.password == SECRET
    assert SECRET not in config.display and SECRET not in repr(config)
    key = parse_location("https://host/news", env={"SEARCHSVC_OPENSEARCH_API_KEY": SECRET})
    assert key.api_key == SECRET and SECRET not in repr(key)


def test_half_given_or_conflicting_credentials_are_refused():
    with pytest.raises(LocationError, match="PASSWORD"):
        parse_location("https://h/news", env={"SEARCHSVC_OPENSEARCH_USER": "u"})
    with pytest.raises(LocationError, match="either"):
        parse_location(
            "https://h/news",
            env={
                "SEARCHSVC_OPENSEARCH_USER": "u",
                "SEARCHSVC_OPENSEARCH_PASSWORD": "p",
                "SEARCHSVC_OPENSEARCH_API_KEY": "k",
            },
        )


def test_turning_verification_off_is_explicit_and_warned(caplog, tmp_path):
    config = parse_location("https://h/news", env={"SEARCHSVC_OPENSEARCH_VERIFY": "0"})
    assert config.verify is False
    assert any("verification is OFF" in w for w in connection_warnings(config))
    from searchsvc.engines.opensearch.client import Cluster

    with caplog.at_level(logging.WARNING, logger="searchsvc.opensearch"):
        Cluster(config)
    assert "verification is OFF" in caplog.text
    with pytest.raises(LocationError, match="CA_BUNDLE"):
        parse_location(
            "https://h/news", env={"SEARCHSVC_OPENSEARCH_CA_BUNDLE": str(tmp_path / "x")}
        )
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert parse_location(
        "https://h/news", env={"SEARCHSVC_OPENSEARCH_CA_BUNDLE": str(bundle)}
    ).ca_bundle == str(bundle)


def test_credentials_over_plain_http_to_another_machine_are_warned():
    env = {"SEARCHSVC_OPENSEARCH_USER": "u", "SEARCHSVC_OPENSEARCH_PASSWORD": "p"}
    assert connection_warnings(parse_location("http://search.example.org/news", env=env))
    assert not connection_warnings(parse_location("http://127.0.0.1/news", env=env))


def test_bad_timeouts_are_refused():
    with pytest.raises(LocationError, match="TIMEOUT"):
        parse_location("https://h/news", env={"SEARCHSVC_OPENSEARCH_TIMEOUT": "soon"})
    config = parse_location("https://h/news", env={"SEARCHSVC_OPENSEARCH_TIMEOUT": "2.5"})
    assert config.timeout == 2.5


def test_without_the_client_the_message_names_the_install_command(monkeypatch):
    from searchsvc.engine import open_engine
    from searchsvc.engines.opensearch import ClientMissing

    monkeypatch.setitem(sys.modules, "opensearchpy", None)
    with pytest.raises(ClientMissing) as caught:
        open_engine("opensearch://localhost:9200/news")
    assert "pip install 'searchsvc[opensearch]'" in str(caught.value)
    assert caught.value.http_status == 503
