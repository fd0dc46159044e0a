"""The Idempotency-Key contract: replay returns the first response, another body conflicts, 5xx can be retried."""

import pytest
from rest_framework.test import APIClient

from ledger.selectors import ledger_audit
from ledger.services import wallet_get_or_create
from tests.support.concurrency import run_together

pytestmark = pytest.mark.urls("tests.core.idempotency_urls")


@pytest.fixture
def player_client(make_player):
    player = make_player()
    api = APIClient()
    api.force_authenticate(player)
    return player, api


def _balance(player):
    return wallet_get_or_create(user=player, currency="EUR").balance


def test_key_is_required(player_client):
    _, api = player_client
    response = api.post("/credit", {"amount": 100}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "Idempotency-Key" in response.json()["errors"]
    response = api.post("/credit", {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400


def test_replay_returns_first_response_and_moves_money_once(player_client):
    player, api = player_client
    first = api.post("/credit", {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api.post("/credit", {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert _balance(player) == 100


def test_same_key_with_another_body_conflicts(player_client):
    player, api = player_client
    api.post("/credit", {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = api.post("/credit", {"amount": 200}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_conflict"
    assert _balance(player) == 100


def test_keys_are_scoped_to_the_caller(make_player):
    a, b = make_player(), make_player()
    for player in (a, b):
        api = APIClient()
        api.force_authenticate(player)
        assert api.post("/credit", {"amount": 5}, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert _balance(a) == _balance(b) == 5


def test_server_error_is_not_stored_so_a_retry_runs(player_client):
    player, api = player_client
    failed = api.post("/credit", {"amount": 100, "fail": True}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert failed.status_code == 503
    assert failed["Content-Type"] == "application/problem+json"
    retried = api.post("/credit", {"amount": 100, "fail": True}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert retried.status_code == 503
    assert not retried.has_header("Idempotent-Replayed")
    assert _balance(player) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_move_money_once(make_player):
    player = make_player()

    def call():
        api = APIClient()
        api.force_authenticate(player)
        return api.post("/credit", {"amount": 7}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code

    results = run_together([call] * 12)
    assert results.count(201) == 12
    assert _balance(player) == 7
    assert ledger_audit() == []
