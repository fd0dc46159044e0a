"""The spin flow end to end: the API in the test thread, the sandbox provider over real HTTP in live_server."""

from decimal import Decimal

import pytest

from core.outbox.models import OutboxMessage
from ledger.models import AccountKind, HoldStatus
from ledger.selectors import ledger_audit, wallet_for
from ledger.services import system_account_get_or_create
from providers.models import Round, RoundStatus
from sandbox.provider.faults import fault_set
from tests.support.concurrency import errors_of, results_of, run_concurrently, run_together
from tests.support.outbox import outbox_deliver_now, outbox_message
from tests.support.queries import database_cost

pytestmark = pytest.mark.django_db(transaction=True)


def _clearing(provider, currency="EUR"):
    return system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, partner=provider.code, currency=currency)


def test_happy_path_moves_bet_and_payout_exactly(sandbox, game, player_api):
    api = player_api(funds=10_000)
    session = api.open_session(game)
    assert session["status"] == "open" and session["provider"] == "sandbox"

    response = api.spin(game=game, session_id=session["session_id"], bet="2.50")

    assert response.status_code == 200, response.content
    body = response.json()
    payout = int(Decimal(body["payout"]) * 100)
    assert body["status"] == "settled" and body["bet"] == "2.50" and body["currency"] == "EUR"
    assert body["session_id"] == session["session_id"]
    assert Decimal(body["balance"]) == Decimal("100.00") - Decimal("2.50") + Decimal(body["payout"])
    assert api.balance() == {
        "currency": "EUR",
        "balance": body["balance"],
        "available": body["balance"],
        "held": "0.00",
    }
    round_obj = Round.objects.get(pk=body["round_id"])
    assert round_obj.status == RoundStatus.SETTLED and round_obj.hold.status == HoldStatus.CAPTURED
    assert round_obj.result_data == body["result_data"] and "reels" in body["result_data"]
    assert _clearing(sandbox).balance == 250 - payout
    assert ledger_audit() == []


def test_forced_win_credits_payout_in_the_same_transaction(sandbox, game, player_api):
    api = player_api(funds=1_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="win", multiplier=7, count=1)

    body = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()

    assert body["payout"] == "7.00" and body["balance"] == "16.00"
    round_obj = Round.objects.get(pk=body["round_id"])
    entries = round_obj.settle_transaction.entries.select_related("account").order_by("id")
    wallet_code, clearing_code = wallet_for(user=api.user, currency="EUR").code, _clearing(sandbox).code
    assert [(e.account.code, e.amount) for e in entries] == [
        (wallet_code, -100), (clearing_code, 100), (clearing_code, -700), (wallet_code, 700),
    ]  # fmt: skip
    statement = api.get("me/transactions").json()["results"]
    assert [(line["kind"], line["amount"], line["balance_after"]) for line in statement[:2]] == [
        ("spin", "7.00", "16.00"),
        ("spin", "-1.00", "9.00"),
    ]
    assert statement[0]["reference"] == f"round:{round_obj.pk}"
    assert ledger_audit() == []


def test_insufficient_funds_is_422_and_creates_nothing(sandbox, game, player_api):
    api = player_api(funds=100)
    session = api.open_session(game)

    response = api.spin(game=game, session_id=session["session_id"], bet="2.00")

    assert response.status_code == 422 and response.json()["code"] == "insufficient_funds"
    assert response["Content-Type"] == "application/problem+json"
    assert not Round.objects.exists()
    assert api.balance()["available"] == "1.00"
    assert ledger_audit() == []


@pytest.mark.parametrize("bet", ["0.09", "100.01"])
def test_bet_outside_the_game_limits_is_400_bet_out_of_range(sandbox, game, player_api, bet):
    api = player_api(funds=20_000)
    session = api.open_session(game)

    response = api.spin(game=game, session_id=session["session_id"], bet=bet)

    assert response.status_code == 400 and response.json()["code"] == "bet_out_of_range"
    assert not Round.objects.exists()


@pytest.mark.parametrize("bet", ["1.001", "-1.00", "abc", "0", 1.5, 2])  # numbers: money is a decimal string
def test_a_bet_that_is_not_a_valid_amount_is_400_validation_error(sandbox, game, player_api, bet):
    api = player_api()
    session = api.open_session(game)

    response = api.spin(game=game, session_id=session["session_id"], bet=bet)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error" and "bet" in response.json()["errors"]


@pytest.mark.parametrize(
    "change", [{"status": "closed"}, {"expires_at": "2020-01-01T00:00:00Z"}], ids=["closed", "expired"]
)
def test_closed_or_expired_session_is_409_session_closed(sandbox, game, player_api, change):
    from providers.models import GameSession

    api = player_api()
    session = api.open_session(game)
    GameSession.objects.filter(pk=session["session_id"]).update(**change)

    response = api.spin(game=game, session_id=session["session_id"], bet="1.00")

    assert response.status_code == 409 and response.json()["code"] == "session_closed"
    assert api.balance()["held"] == "0.00"


def test_spin_with_another_game_than_the_session_is_refused(sandbox, game, player_api):
    other = sandbox.games.exclude(pk=game.pk).filter(currency="EUR").first()
    api = player_api()
    session = api.open_session(game)

    response = api.spin(game=other, session_id=session["session_id"], bet="1.00")

    assert response.status_code == 400 and "game_id" in response.json()["errors"]


def test_another_players_session_and_round_are_404(sandbox, game, player_api):
    alice, bob = player_api(), player_api()
    session = alice.open_session(game)
    round_id = alice.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]

    assert bob.get(f"rounds/{round_id}").status_code == 404
    assert bob.get(f"rounds/{round_id}").json()["code"] == "not_found"
    assert bob.post(f"rounds/{round_id}/ack").status_code == 404
    assert bob.spin(game=game, session_id=session["session_id"], bet="1.00").status_code == 404
    assert alice.get(f"rounds/{round_id}").status_code == 200


def test_session_for_unknown_or_other_currency_game(sandbox, player_api):
    api = player_api()
    response = api.post("sessions", {"game_id": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 404 and response.json()["code"] == "game_not_found"
    usd_game = sandbox.games.get(code="desert-gold")
    response = api.post("sessions", {"game_id": str(usd_game.pk)})
    assert response.status_code == 400 and "game_id" in response.json()["errors"]


def test_session_open_when_provider_is_down_is_503(sandbox, game, player_api):
    api = player_api()
    fault_set(operation="session", mode="error", count=1)
    response = api.post("sessions", {"game_id": str(game.pk)})
    assert response.status_code == 503 and response.json()["code"] == "provider_unavailable"
    assert response["Retry-After"]


def test_idempotent_replay_returns_the_first_answer_and_moves_money_once(sandbox, game, player_api):
    api = player_api(funds=10_000)
    session = api.open_session(game)
    first = api.spin(game=game, session_id=session["session_id"], bet="1.00", key="same-key")

    again = api.spin(game=game, session_id=session["session_id"], bet="1.00", key="same-key")

    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Round.objects.count() == 1
    assert api.balance()["balance"] == first.json()["balance"]
    conflict = api.spin(game=game, session_id=session["session_id"], bet="2.00", key="same-key")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_key_conflict"
    assert ledger_audit() == []


def test_missing_idempotency_key_is_400(sandbox, game, player_api):
    api = player_api()
    session = api.open_session(game)
    body = {"game_id": str(game.pk), "session_id": session["session_id"], "bet": "1.00"}
    response = api.post("spin", body)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]


def test_provider_5xx_releases_the_hold_and_a_retry_with_the_same_key_plays_once(sandbox, game, player_api):
    api = player_api(funds=10_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="error", status=502, count=1)

    failed = api.spin(game=game, session_id=session["session_id"], bet="3.00", key="retry-me")

    assert failed.status_code == 503 and failed.json()["code"] == "provider_unavailable"
    assert failed["Retry-After"] and failed["Content-Type"] == "application/problem+json"
    round_id = failed.json()["round_id"]
    round_obj = Round.objects.get(pk=round_id)
    assert round_obj.status == RoundStatus.FAILED and round_obj.hold.status == HoldStatus.RELEASED
    assert api.balance() == {"currency": "EUR", "balance": "100.00", "available": "100.00", "held": "0.00"}
    assert ledger_audit() == []

    retried = api.spin(game=game, session_id=session["session_id"], bet="3.00", key="retry-me")

    assert retried.status_code == 200 and retried.json()["round_id"] == round_id
    assert "Idempotent-Replayed" not in retried
    payout = Decimal(retried.json()["payout"])
    assert Decimal(api.balance()["balance"]) == Decimal("97.00") + payout
    assert Round.objects.get(pk=round_id).attempt == 2
    assert ledger_audit() == []


@pytest.mark.parametrize("disabled", ["game", "provider"])
def test_a_failed_spin_retried_after_staff_disabled_its_game_is_refused(sandbox, game, player_api, disabled):
    from providers.models import Game

    api = player_api(funds=10_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="error", status=502, count=1)
    failed = api.spin(game=game, session_id=session["session_id"], bet="3.00", key="retry-me")
    assert failed.status_code == 503
    if disabled == "game":
        Game.objects.filter(pk=game.pk).update(enabled=False)
    else:
        sandbox.enabled = False  # as staff do it, through a save (which drops the cached row)
        sandbox.save(update_fields=["enabled"])

    retried = api.spin(game=game, session_id=session["session_id"], bet="3.00", key="retry-me")

    # The retry is a new play of the round: it must pass the same rule as a first spin, not a laxer copy of it.
    assert retried.status_code == 409 and retried.json()["code"] == "session_closed"
    round_obj = Round.objects.get(pk=failed.json()["round_id"])
    assert (round_obj.status, round_obj.attempt) == (RoundStatus.FAILED, 1)
    assert api.balance() == {"currency": "EUR", "balance": "100.00", "available": "100.00", "held": "0.00"}
    assert ledger_audit() == []


def test_after_a_503_the_same_key_with_another_bet_is_a_conflict(sandbox, game, player_api):
    api = player_api(funds=10_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="error", count=1)
    assert api.spin(game=game, session_id=session["session_id"], bet="3.00", key="k").status_code == 503

    response = api.spin(game=game, session_id=session["session_id"], bet="4.00", key="k")

    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_conflict"
    assert api.balance()["balance"] == "100.00"


def test_invalid_provider_payload_leaves_the_round_pending_until_the_provider_says(sandbox, game, player_api):
    import time

    from providers.services import round_resolve

    _short_timeouts(sandbox)
    api = player_api(funds=1_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="garbage", count=1)

    response = api.spin(game=game, session_id=session["session_id"], bet="1.00")

    # An answer that cannot be believed is not proof the round was not played: the bet stays held.
    assert response.status_code == 503 and response.json()["code"] == "provider_unavailable"
    round_obj = Round.objects.get(pk=response.json()["round_id"])
    assert round_obj.status == RoundStatus.PENDING and round_obj.hold.status == HoldStatus.ACTIVE
    assert api.balance()["available"] == "9.00"

    time.sleep(0.9)  # past the in-flight window of the platform's own request (connect 0.5 s + read 0.3 s)
    round_obj = round_resolve(round_id=round_obj.id)

    assert round_obj.status == RoundStatus.VOIDED  # the sandbox answered garbage without playing
    assert Round.objects.get(pk=round_obj.pk).hold.status == HoldStatus.RELEASED
    assert api.balance() == {"currency": "EUR", "balance": "10.00", "available": "10.00", "held": "0.00"}
    assert ledger_audit() == []


def test_session_expired_at_the_provider_closes_it_with_409(sandbox, game, player_api):
    from providers.models import GameSession, SessionStatus
    from sandbox.provider.views import session_expire

    api = player_api(funds=1_000)
    session = api.open_session(game)
    session_expire(GameSession.objects.get(pk=session["session_id"]).provider_session_id)

    response = api.spin(game=game, session_id=session["session_id"], bet="1.00")

    assert response.status_code == 409 and response.json()["code"] == "session_closed"
    assert Round.objects.get(pk=response.json()["round_id"]).status == RoundStatus.FAILED
    assert GameSession.objects.get(pk=session["session_id"]).status == SessionStatus.CLOSED
    assert api.balance()["available"] == "10.00"
    assert ledger_audit() == []


def test_payout_equal_to_the_bet_is_captured_with_both_legs_on_record(sandbox, game, player_api):
    api = player_api(funds=1_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="win", multiplier=1, count=1)

    body = api.spin(game=game, session_id=session["session_id"], bet="2.00").json()

    assert (body["status"], body["payout"], body["balance"]) == ("settled", "2.00", "10.00")
    assert Round.objects.get(pk=body["round_id"]).hold.status == HoldStatus.CAPTURED
    assert api.balance()["held"] == "0.00"
    statement = api.get("me/transactions").json()["results"]
    assert [(line["kind"], line["amount"], line["balance_after"]) for line in statement[:2]] == [
        ("spin", "2.00", "10.00"),
        ("spin", "-2.00", "8.00"),
    ]
    assert ledger_audit() == []


def _short_timeouts(provider, read_timeout=0.3):
    type(provider).objects.filter(pk=provider.pk).update(connect_timeout=0.5, read_timeout=read_timeout)


def test_provider_timeout_leaves_the_round_pending_then_the_outbox_settles_it(sandbox, game, player_api):
    from core.outbound import breaker_reset

    _short_timeouts(sandbox)
    api = player_api(funds=10_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="timeout", delay=0.8, count=1)  # plays the round, answers too late
    fault_set(operation="status", mode="error")  # and the status endpoint is down for now

    response = api.spin(game=game, session_id=session["session_id"], bet="4.00", key="slow")

    assert response.status_code == 503 and response.json()["code"] == "provider_unavailable"
    round_id = response.json()["round_id"]
    round_obj = Round.objects.get(pk=round_id)
    assert round_obj.status == RoundStatus.PENDING and round_obj.hold.status == HoldStatus.ACTIVE
    assert api.balance() == {"currency": "EUR", "balance": "100.00", "available": "96.00", "held": "4.00"}
    assert ledger_audit() == []

    from sandbox.provider.faults import faults_clear

    message = outbox_message(f"round-resolve:{round_id}")
    assert message.status == "pending" and message.attempts == 1  # the resolver met the status error: retried later
    faults_clear()
    breaker_reset()  # the failed status polls opened it; staff close it after a fix
    assert outbox_deliver_now(f"round-resolve:{round_id}") == "delivered"

    round_obj.refresh_from_db()
    assert round_obj.status == RoundStatus.SETTLED
    balance = api.balance()
    assert Decimal(balance["balance"]) == Decimal("96.00") + Decimal(round_obj.payout) / 100
    assert balance["held"] == "0.00"
    # the client's retry with the same key now gets the settled round, and no money moves again
    retried = api.spin(game=game, session_id=session["session_id"], bet="4.00", key="slow")
    assert retried.status_code == 200 and retried.json()["round_id"] == round_id
    assert api.balance() == balance
    assert ledger_audit() == []


def test_provider_timeout_is_resolved_by_the_task_sent_on_commit(sandbox, game, player_api):
    _short_timeouts(sandbox)
    api = player_api(funds=10_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="timeout", delay=0.8, count=1)

    response = api.spin(game=game, session_id=session["session_id"], bet="4.00")

    assert response.status_code == 503
    round_obj = Round.objects.get(pk=response.json()["round_id"])
    assert round_obj.status == RoundStatus.SETTLED  # Celery is eager in tests: the resolver ran after the 503
    assert Decimal(api.balance()["balance"]) == Decimal("96.00") + Decimal(round_obj.payout) / 100
    assert ledger_audit() == []


def test_dropped_connection_before_the_play_voids_the_round(sandbox, game, player_api):
    import time

    _short_timeouts(sandbox, read_timeout=0.2)
    api = player_api(funds=10_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="drop", count=1)

    response = api.spin(game=game, session_id=session["session_id"], bet="5.00")

    assert response.status_code == 503
    round_id = response.json()["round_id"]
    # The provider has no record yet, but a play still in flight could arrive: the round waits out the timeouts.
    assert Round.objects.get(pk=round_id).status == RoundStatus.PENDING
    time.sleep(0.8)
    assert outbox_deliver_now(f"round-resolve:{round_id}") == "delivered"
    assert Round.objects.get(pk=round_id).status == RoundStatus.VOIDED
    assert api.balance() == {"currency": "EUR", "balance": "100.00", "available": "100.00", "held": "0.00"}
    assert ledger_audit() == []


def test_ack_is_idempotent_and_tells_the_provider(sandbox, game, player_api):
    from sandbox.provider.views import round_ack_state

    api = player_api()
    session = api.open_session(game)
    round_id = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]
    assert api.get(f"rounds/{round_id}").json()["acknowledged"] is False
    fault_set(operation="ack", mode="error", count=2)  # the outbox retries with backoff

    first = api.post(f"rounds/{round_id}/ack")
    second = api.post(f"rounds/{round_id}/ack")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"round_id": round_id, "status": "settled", "acknowledged": True}
    assert round_ack_state(round_id)["acknowledged"] is False  # the first try met the fault: due again later
    assert OutboxMessage.objects.filter(key=f"round-ack:{round_id}").count() == 1  # one intent, not one per call
    assert outbox_deliver_now(f"round-ack:{round_id}") == "retry"
    assert outbox_deliver_now(f"round-ack:{round_id}") == "delivered"
    assert round_ack_state(round_id)["acknowledged"] is True
    assert Round.objects.get(pk=round_id).provider_acknowledged_at is not None
    detail = api.get(f"rounds/{round_id}").json()
    assert detail["acknowledged"] is True and detail["status"] == "settled" and detail["bet"] == "1.00"


def test_ack_refused_by_the_provider_is_not_retried(sandbox, game, player_api):
    from django.core.cache import cache

    api = player_api()
    session = api.open_session(game)
    round_id = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]
    cache.delete(f"sandbox:provider:round:{round_id}")  # the provider forgot it: it answers 404

    assert api.post(f"rounds/{round_id}/ack").status_code == 200
    round_obj = Round.objects.get(pk=round_id)
    assert round_obj.acknowledged and round_obj.provider_acknowledged_at is None
    message = outbox_message(f"round-ack:{round_id}")
    assert (message.status, message.attempts) == ("refused", 1)  # a dead letter for staff, never retried by itself


def test_concurrent_spins_on_one_wallet_never_overspend(sandbox, game, make_player, fund, live_server):
    import requests

    from casino.services import player_token_obtain

    user = make_player()
    fund(user, 500)
    token = player_token_obtain(username=user.username, password="correct-horse-9")["access"]
    headers = {"Authorization": f"Bearer {token}"}
    session_id = requests.post(
        f"{live_server.url}/api/v1/sessions", json={"game_id": str(game.pk)}, headers=headers, timeout=10
    ).json()["session_id"]

    def spin(n):
        return requests.post(
            f"{live_server.url}/api/v1/spin",
            json={"game_id": str(game.pk), "session_id": session_id, "bet": "1.00"},
            headers={**headers, "Idempotency-Key": f"concurrent-{n}"},
            timeout=20,
        )

    outcomes = run_concurrently(10, spin)
    assert errors_of(outcomes) == []
    results = results_of(outcomes)

    assert {r.status_code for r in results} <= {200, 422}
    settled = Round.objects.filter(status=RoundStatus.SETTLED)
    assert settled.count() == sum(r.status_code == 200 for r in results) >= 5
    payouts = sum(r.payout for r in settled)
    wallet = wallet_for(user=user, currency="EUR")
    assert wallet.balance == 500 - 100 * settled.count() + payouts
    assert wallet.held == 0 and wallet.balance >= 0
    assert ledger_audit() == []


def test_spin_hot_path_statements_and_commits(sandbox, game, player_api):
    """Exactly what a spin sends (the sandbox's own statements run on the live server's connection, not here): a
    count that changes, up or down, fails; say why in the change."""
    api = player_api()
    session = api.open_session(game)
    api.spin(game=game, session_id=session["session_id"], bet="1.00")  # warm up accounts and caches

    with database_cost() as cost:
        response = api.spin(game=game, session_id=session["session_id"], bet="1.00", key="hot-1")
    assert response.status_code == 200
    # user, profile, stored answer?, round with this key?, session, wallet;
    # commit 1, before the provider is called: the ledger's savepoint, lock, hold, held total, release; the round;
    # the outbox's resolve intent (insurance should the answer be lost);
    # commit 2, the settlement: round locked with its hold and wallet, clearing account; the ledger's savepoint,
    # lock, hold locked, transaction, entries, totals, hold captured, release; the resolve intent closed; the round
    # settled;
    # commit 3: the answer kept under the Idempotency-Key
    assert (cost.count, cost.commits) == (26, 3), str(cost)  # every statement, one a line, when it fails

    with database_cost() as cost:
        replayed = api.spin(game=game, session_id=session["session_id"], bet="1.00", key="hot-1")
    assert replayed["Idempotent-Replayed"] == "true"
    assert (cost.count, cost.commits) == (3, 0), cost  # user, profile, the stored answer


def test_spin_pushes_balance_and_round_to_the_players_websocket(sandbox, game, player_api):
    from asgiref.sync import async_to_sync, sync_to_async
    from channels.testing import WebsocketCommunicator

    from casino.asgi import application

    api = player_api(funds=1_000)
    session = api.open_session(game)
    token = api.client._credentials["HTTP_AUTHORIZATION"].removeprefix("Bearer ")

    async def scenario():
        communicator = WebsocketCommunicator(
            application, f"/ws/player/?token={token}", headers=[(b"origin", b"http://testserver")]
        )
        assert (await communicator.connect())[0]
        spin = await sync_to_async(api.spin)(game=game, session_id=session["session_id"], bet="1.00")
        pushes = [await communicator.receive_json_from(timeout=3) for _ in range(2)]
        await communicator.disconnect()
        return spin.json(), pushes

    body, pushes = async_to_sync(scenario)()

    balance, settled = sorted(pushes, key=lambda m: m["type"])
    assert balance == {"type": "balance.updated", "balance": body["balance"], "available": body["balance"],
                       "currency": "EUR"}  # fmt: skip
    assert settled == {"type": "round.settled", "round_id": body["round_id"], "bet": "1.00",
                       "payout": body["payout"], "result_data": body["result_data"]}  # fmt: skip


def test_concurrent_resolvers_settle_a_pending_round_exactly_once(sandbox, game, player_api):
    from ledger.models import Transaction
    from providers.services import round_resolve

    _short_timeouts(sandbox)
    api = player_api(funds=10_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="timeout", delay=0.8, count=1)
    fault_set(operation="status", mode="error", count=1)  # the on-commit resolver fails once: the round stays pending
    round_id = api.spin(game=game, session_id=session["session_id"], bet="2.00").json()["round_id"]
    assert Round.objects.get(pk=round_id).status == RoundStatus.PENDING
    outcomes = run_together([lambda: round_resolve(round_id=round_id).status] * 4)

    assert outcomes == [RoundStatus.SETTLED] * 4
    assert Transaction.objects.filter(idempotency_key__startswith=f"spin:{round_id}:").count() == 1
    payout = Round.objects.get(pk=round_id).payout
    assert api.balance()["balance"] == f"{(10_000 - 200 + payout) / 100:.2f}"
    assert ledger_audit() == []


def test_provider_latency_is_waited_for(sandbox, game, player_api):
    import time

    api = player_api()
    session = api.open_session(game)
    fault_set(operation="play", mode="latency", delay=0.3, count=1)

    started = time.monotonic()
    response = api.spin(game=game, session_id=session["session_id"], bet="1.00")

    assert response.status_code == 200 and time.monotonic() - started >= 0.3


def test_circuit_opens_after_repeated_failures_and_spins_fail_fast(sandbox, game, player_api, settings):
    api = player_api(funds=10_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="error")  # every play fails

    for _ in range(settings.CIRCUIT_FAIL_MAX):
        assert api.spin(game=game, session_id=session["session_id"], bet="1.00").status_code == 503
    fast = api.spin(game=game, session_id=session["session_id"], bet="1.00")

    assert fast.status_code == 503 and fast["Retry-After"] == str(settings.CIRCUIT_RESET_SECONDS)
    assert "circuit open" in Round.objects.get(pk=fast.json()["round_id"]).failure_reason
    assert api.balance() == {"currency": "EUR", "balance": "100.00", "available": "100.00", "held": "0.00"}
    assert ledger_audit() == []


def _proxy_that_loses_play_answers(upstream: str, status: str, body: bytes):
    """A proxy in front of the provider: it forwards every call, but answers a play with `status` and an HTML page
    instead of the provider's answer (a WAF page, a gateway's 504 after the provider did play)."""
    import requests as http

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        path = environ["PATH_INFO"] + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        forwarded = {
            name: environ[key]
            for name, key in (("Authorization", "HTTP_AUTHORIZATION"), ("X-Timestamp", "HTTP_X_TIMESTAMP"),
                              ("X-Nonce", "HTTP_X_NONCE"), ("Content-Type", "CONTENT_TYPE"))
            if environ.get(key)
        }  # fmt: skip
        answer = http.request(environ["REQUEST_METHOD"], upstream + path, data=raw or None, headers=forwarded,
                              timeout=10)  # fmt: skip
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/v2/rounds"):
            start_response(status, [("Content-Type", "text/html")])
            return [body]
        start_response(f"{answer.status_code} {answer.reason}", [("Content-Type", answer.headers["Content-Type"])])
        return [answer.content]

    return app


@pytest.mark.parametrize(
    ("status", "body"), [("200 OK", b"<html>OK</html>"), ("504 Gateway Timeout", b"<html>Gateway Timeout</html>")]
)
def test_a_played_round_whose_answer_is_lost_in_between_is_settled_not_released(
    sandbox, game, player_api, live_server, status, body
):
    from tests.support.tls import wsgi_server

    api = player_api(funds=1_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="win", multiplier=10, count=1)
    with wsgi_server(_proxy_that_loses_play_answers(live_server.url, status, body)) as proxy_url:
        sandbox.base_url = sandbox.base_url.replace(live_server.url, proxy_url)
        sandbox.save(update_fields=["base_url"])

        response = api.spin(game=game, session_id=session["session_id"], bet="1.00")

    # The provider played it (a 10.00 win) but the platform never read the answer: not a definite failure, so the
    # bet stayed held and the resolver asked the provider how the round ended.
    assert response.status_code == 503 and response.json()["code"] == "provider_unavailable"
    round_obj = Round.objects.get(pk=response.json()["round_id"])
    assert round_obj.status == RoundStatus.SETTLED and round_obj.payout == 1_000
    assert round_obj.hold.status == HoldStatus.CAPTURED
    assert api.balance() == {"currency": "EUR", "balance": "19.00", "available": "19.00", "held": "0.00"}
    assert ledger_audit() == []


def test_a_status_answer_at_another_stake_is_not_believed(sandbox, game, player_api):
    import time

    from providers.services import round_resolve

    _short_timeouts(sandbox)
    api = player_api(funds=1_000)
    session = api.open_session(game)
    fault_set(operation="play", mode="timeout", delay=0.8, count=1)  # played, answer too late: pending
    fault_set(operation="status", mode="restake", count=2)  # the on-commit resolver and ours hear another stake
    round_id = api.spin(game=game, session_id=session["session_id"], bet="2.00").json()["round_id"]
    time.sleep(0.9)

    round_obj = round_resolve(round_id=round_id)

    assert round_obj.status == RoundStatus.PENDING and round_obj.hold.status == HoldStatus.ACTIVE
    assert api.balance()["held"] == "2.00"
    assert round_resolve(round_id=round_id).status == RoundStatus.SETTLED  # the provider answers straight again
    assert api.balance()["held"] == "0.00"
    assert ledger_audit() == []
