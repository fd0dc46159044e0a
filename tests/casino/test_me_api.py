"""The player's statement: ledger entries of the wallet, newest first, cursor-paginated."""

import pytest
from rest_framework.test import APIClient

from casino.services import player_token_obtain

pytestmark = pytest.mark.django_db


def _client_for(user):
    client = APIClient()
    access = player_token_obtain(username=user.username, password="correct-horse-9")["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_transactions_are_newest_first_with_a_cursor(make_player, fund):
    user = make_player()
    for minor in (100, 250, 1000):
        fund(user, minor)
    client = _client_for(user)

    first = client.get("/api/v1/me/transactions?page_size=2").json()

    assert [e["amount"] for e in first["results"]] == ["10.00", "2.50"]
    assert [e["balance_after"] for e in first["results"]] == ["13.50", "3.50"]
    entry = first["results"][0]
    assert set(entry) == {"id", "kind", "amount", "currency", "balance_after", "reference", "created_at"}
    assert entry["kind"] == "deposit" and entry["currency"] == "EUR"
    assert first["next"].startswith("http://testserver/api/v1/me/transactions?")
    second = client.get(first["next"]).json()
    assert [e["amount"] for e in second["results"]] == ["1.00"]
    assert second["next"] is None


def test_other_players_entries_never_show(make_player, fund):
    alice, bob = make_player(), make_player()
    fund(alice, 500)
    assert _client_for(bob).get("/api/v1/me/transactions").json() == {"results": [], "next": None}


def test_balance_shows_held_money(make_player, fund):
    from ledger.services import hold_reserve, wallet_get_or_create

    user = make_player()
    fund(user, 1000)
    hold_reserve(account=wallet_get_or_create(user=user, currency="EUR"), amount=250, idempotency_key="t:hold")
    assert _client_for(user).get("/api/v1/me/balance").json() == {
        "currency": "EUR",
        "balance": "10.00",
        "available": "7.50",
        "held": "2.50",
    }


def test_a_bad_cursor_is_a_400_naming_the_parameter(make_player):
    response = _client_for(make_player()).get("/api/v1/me/transactions?cursor=garbage")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error" and "cursor" in response.json()["errors"]
