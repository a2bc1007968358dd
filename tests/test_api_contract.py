"""The API does what its description says: schemathesis reads /api/openapi.json and sends
generated requests, valid and invalid, to the app in-process (WSGI, no network), on a
small index built here, with saved searches beside it, behind an access token. Each
operation (the writes too: PUT, POST, DELETE) must answer no 5xx, only documented statuses and
content types, bodies that match their schemas, a 4xx for every request the document
forbids, and 405 with an Allow header for other methods.

Bounded: a fixed seed and ``MAX_EXAMPLES`` per operation and phase, so the run is the
same every time and takes well under a minute. Found by it and pinned by ordinary tests
in test_api.py: ``expand=AAA`` and an over-long suggest ``q`` were answered 200.

Not checked: that valid requests are accepted (``positive_data_acceptance``). The query
language, date values and the depth limit (page × per_page) cannot be written as JSON
Schema, so schema-valid requests may rightly get a 400.
"""

from __future__ import annotations

import pytest
import schemathesis

from searchsvc.web import create_app
from tests.fixtures_search import build_sample_index

pytestmark = pytest.mark.api_contract

MAX_EXAMPLES = 150
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20231106,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)
# The document as the app serves it; the index is not needed to serve it.
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app({"INDEX_DIR": "/nonexistent/searchsvc-index"}), config=CONFIG
)


TOKEN = "contract-test-access-token"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    index_dir = build_sample_index(tmp_path_factory.mktemp("index"))
    return create_app({"INDEX_DIR": str(index_dir), "ACCESS_TOKEN": TOKEN})


@schema.parametrize()
def test_the_api_does_what_its_description_says(case, app):
    # The server requires its token, as one serving beyond loopback does; a program
    # sends it as a bearer token, which also lets it write without a CSRF token.
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {TOKEN}"})
