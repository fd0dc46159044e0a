"""Schemathesis against /api/schema/: generated requests to every operation, bounded in number, and no answer may be
a 5xx or fall outside what the schema documents (status, content type, body, headers)."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casino.services import player_token_obtain

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The requests run inside the test's transaction: like Django's own test client, keep the WSGI handler from
    closing the connection at the end of each one."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(make_player, fund):
    player = make_player()
    fund(player, 10_000)
    return {
        "Authorization": f"Bearer {player_token_obtain(username=player.username, password='correct-horse-9')['access']}"
    }


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
@pytest.mark.django_db
def test_every_answer_is_documented(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
