"""What a wallet callback costs the database, pinned exactly: each action's statements, and one commit for the
money move, its stored answer and the callback record together; a refusal is recorded in a commit of its own.

The callbacks go through Django's test client in the test's thread (signed as a provider signs them), so that every
statement the platform sends is seen here. A count that changes, up or down, fails: say why in the change."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from core.signing import sign_request
from ledger.services import wallet_get_or_create
from providers.models import WalletCallback, WalletCallbackVerdict, WalletTransaction
from tests.providers.wallet.conftest import balance_body, move, rollback_body
from tests.support.queries import database_cost

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audited")]


@pytest.fixture
def signed(wallet_provider):
    client = Client()

    def post(action: str, body: dict):
        raw = json.dumps(body).encode()
        path = f"/api/v1/providers/{wallet_provider.code}/wallet/{action}/"
        headers = sign_request(
            key_id=wallet_provider.key_id, secret="acme-current-secret", method="POST", path=path, body=raw
        )
        return client.post(path, raw, content_type="application/json", headers=headers)

    return post


@pytest.fixture
def session(make_player, fund, open_session, signed):
    player = make_player()
    fund(player, 10_000)
    session = open_session(player)
    # Warm: the provider's clearing account exists and the provider row is in the process's cache.
    assert signed("bet", move(session, transaction_id="warm-up", round_id="r-0", amount="1.00")).status_code == 200
    return session


def cost_of(signed, action: str, body: dict, status: int = 200):
    with database_cost() as cost:
        response = signed(action, body)
    assert response.status_code == status, response.content
    return cost


def test_balance_reads_player_session_and_wallet_and_records_the_callback(signed, session):
    cost = cost_of(signed, "balance", balance_body(session))
    # player, session, wallet; the callback record
    assert (cost.count, cost.commits) == (4, 1), cost


def test_bet_commits_once(signed, session):
    cost = cost_of(signed, "bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.00"))
    # player, session, claim, wallet, clearing; the ledger's savepoint, lock, transaction, entries, totals, release;
    # the claim's answer, the callback record
    assert (cost.count, cost.commits) == (13, 1), cost
    assert WalletCallback.objects.get(transaction_id="b-1").verdict == WalletCallbackVerdict.ACCEPTED
    assert WalletTransaction.objects.get(transaction_id="b-1").response["balance"] == "97.00"


def test_win_commits_once(signed, session):
    signed("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.00"))
    cost = cost_of(signed, "win", move(session, transaction_id="w-1", round_id="r-1", amount="5.00"))
    # as a bet, and the round's bets locked
    assert (cost.count, cost.commits) == (14, 1), cost


def test_rollback_commits_once(signed, session):
    signed("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.00"))
    cost = cost_of(signed, "rollback", rollback_body(session, transaction_id="rb-1", reference="b-1"))
    # player, session, claim, wallet, the bet locked with its ledger transaction, "has the round a win?", its
    # entries; the ledger's savepoint, lock, transaction, entries, totals, release; the bet marked, the answer, the
    # callback record
    assert (cost.count, cost.commits) == (16, 1), cost


def test_replayed_bet_reads_its_first_answer(signed, session):
    body = move(session, transaction_id="b-1", round_id="r-1", amount="2.00")
    signed("bet", body)
    cost = cost_of(signed, "bet", body)
    # player, session, the claim that finds the first, the first locked; the callback record
    assert (cost.count, cost.commits) == (5, 1), cost
    assert WalletCallback.objects.filter(verdict=WalletCallbackVerdict.REPLAYED).count() == 1


def test_refused_bet_rolls_back_and_is_recorded_on_its_own(signed, session):
    cost = cost_of(signed, "bet", move(session, transaction_id="b-1", round_id="r-1", amount="99.50"), 422)
    # as a bet up to the ledger's refusal (no entries, no totals); then, after the rollback, the callback record
    assert (cost.count, cost.commits) == (11, 1), cost
    stored = WalletCallback.objects.get(transaction_id="b-1")
    assert (stored.verdict, stored.error_code) == (WalletCallbackVerdict.REJECTED, "insufficient_funds")
    assert not WalletTransaction.objects.filter(transaction_id="b-1").exists()
    assert wallet_get_or_create(user=session.player, currency="EUR").available == 9_900


def test_bad_signature_is_recorded_without_touching_anything_else(wallet_provider, session):
    raw = json.dumps(balance_body(session)).encode()
    path = f"/api/v1/providers/{wallet_provider.code}/wallet/balance/"
    headers = sign_request(key_id=wallet_provider.key_id, secret="wrong", method="POST", path=path, body=raw)
    with database_cost() as cost:
        response = Client().post(path, raw, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert (cost.count, cost.commits) == (1, 1), cost  # the callback record alone
