"""Withdrawals over HTTP: KYC, the hold taken at once, the payout sent by the outbox task, capture or release."""

from ledger.models import HoldStatus
from payments.models import Payment, PaymentStatus
from sandbox.models import SandboxGatewayPayment
from tests.payments.conftest import (
    clearing_of,
    created_withdrawal,
    gateway_calls,
    post_order,
    sandbox_complete,
    wallet_of,
)
from tests.support.concurrency import errors_of, results_of, run_concurrently, run_together
from tests.support.outbox import outbox_deliver_now


def _verified_player(make_player, fund, minor=10_000):
    player = make_player(kyc_status="verified")
    fund(player, minor)
    return player


def test_withdrawal_holds_at_once_and_captures_on_success(gateway, make_player, fund, api, site, audit):
    player = _verified_player(make_player, fund)
    client = api(player)
    response = post_order(client, "withdrawals", amount="40.00")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"payment_id", "status"} and body["status"] == "pending"
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held, wallet.available) == (10_000, 4_000, 6_000)

    payment = Payment.objects.get(pk=body["payment_id"])
    assert payment.status == PaymentStatus.PENDING  # the outbox task already handed it to the gateway
    sandboxed = SandboxGatewayPayment.objects.get(merchant_reference=str(payment.pk))
    assert sandboxed.kind == "payout" and payment.gateway_reference == sandboxed.reference

    sandbox_complete(site, payment.gateway_reference, "succeeded")
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (6_000, 0)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.hold.status == HoldStatus.CAPTURED
    assert clearing_of().balance == 4_000  # the payout is now owed to the gateway
    assert client.get(f"/api/v1/payments/{payment.pk}").json()["status"] == "succeeded"
    audit()


def test_failed_withdrawal_releases_the_hold(gateway, make_player, fund, api, site, audit):
    player = _verified_player(make_player, fund)
    body = post_order(api(player), "withdrawals", amount="40.00").json()
    payment = Payment.objects.get(pk=body["payment_id"])
    sandbox_complete(site, payment.gateway_reference, "failed")
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (10_000, 0)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment.hold.status == HoldStatus.RELEASED
    audit()


def test_withdrawal_refused_by_the_gateway_fails_and_releases_at_once(gateway, make_player, fund, api, audit):
    player = _verified_player(make_player, fund)
    body = post_order(api(player), "withdrawals", amount="13.13").json()
    payment = Payment.objects.get(pk=body["payment_id"])
    assert payment.status == PaymentStatus.FAILED and payment.submit_attempts == 1  # a refusal is never retried
    assert payment.hold.status == HoldStatus.RELEASED and "refused by the gateway" in payment.failure_reason
    assert not SandboxGatewayPayment.objects.exists()
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (10_000, 0)
    audit()


def test_withdrawal_requires_verified_kyc(gateway, make_player, fund, api, audit):
    for status in (None, "pending", "rejected"):
        player = make_player(kyc_status=status)
        fund(player, 10_000)
        response = post_order(api(player), "withdrawals")
        assert response.status_code == 403
        assert response.json()["code"] == "kyc_required"
        assert wallet_of(player).held == 0
    assert not Payment.objects.exists()
    audit()


def test_withdrawal_over_the_available_balance(gateway, make_player, fund, api, audit):
    player = _verified_player(make_player, fund, minor=1_000)
    response = post_order(api(player), "withdrawals", amount="10.01")
    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_funds"
    assert not Payment.objects.exists() and wallet_of(player).held == 0
    audit()


def test_withdrawal_replay_holds_once(gateway, make_player, fund, api, audit):
    player = _verified_player(make_player, fund)
    client = api(player)
    first = post_order(client, "withdrawals", amount="30.00", key="wd-1")
    again = post_order(client, "withdrawals", amount="30.00", key="wd-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    conflict = post_order(client, "withdrawals", amount="31.00", key="wd-1")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_key_conflict"
    assert Payment.objects.count() == 1
    assert wallet_of(player).held == 3_000
    audit()


def test_withdrawal_while_the_gateway_is_down_stays_held_then_the_poller_resubmits(
    gateway, make_player, fund, api, settings, audit
):
    from datetime import timedelta

    from payments.services.polling import payments_poll_pending

    player = _verified_player(make_player, fund)
    real_url = gateway.base_url
    gateway.base_url = "http://127.0.0.1:9/"
    gateway.save()
    body = post_order(api(player), "withdrawals", amount="20.00").json()
    payment = Payment.objects.get(pk=body["payment_id"])
    # The outbox delivered it once on commit and scheduled a retry (due later, with backoff).
    assert payment.status == PaymentStatus.CREATED and payment.submit_attempts == 1
    # unavailable: retried later with backoff, never given up on the spot
    assert outbox_deliver_now(f"payout-submit:{payment.pk}") == "retry"
    assert Payment.objects.get(pk=payment.pk).submit_attempts == 2
    assert wallet_of(player).held == 2_000
    assert api(player).get(f"/api/v1/payments/{payment.pk}").json()["status"] == "pending"

    gateway.base_url = real_url
    gateway.save()
    assert payments_poll_pending(older_than=timedelta(0)) == {"resubmitted": 1}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and payment.gateway_reference
    audit()


def test_concurrent_withdrawals_cannot_overdraw(gateway, make_player, fund, audit):
    from core.errors import InsufficientFunds
    from payments.services.orders import withdrawal_create

    player = _verified_player(make_player, fund, minor=10_000)
    outcomes = run_concurrently(
        4, lambda _: withdrawal_create(user=player, gateway_code="sandbox", amount="60.00", currency="EUR")
    )
    assert len(results_of(outcomes)) == 1
    errors = errors_of(outcomes)
    assert len(errors) == 3 and all(isinstance(error, InsufficientFunds) for error in errors), errors
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (10_000, 6_000)
    assert Payment.objects.count() == 1
    audit()


def test_payout_taken_by_a_timed_out_submission_is_not_failed_by_a_duplicate_refusal(
    gateway, make_player, fund, api, site, settings, audit
):
    """The first submission times out after the gateway took the payout; the resubmission is answered 409
    "duplicate reference": the gateway is asked by our reference, the payment follows it and is paid out once."""
    from payments.models import PaymentStatusChange

    player = _verified_player(make_player, fund)
    gateway.read_timeout = 0.3
    gateway.save()
    settings.SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY = 1.0  # the sandbox takes the payout, then answers too late
    settings.SANDBOX_GATEWAY_REFUSE_DUPLICATE_PAYOUTS = True
    body = post_order(api(player), "withdrawals", amount="40.00").json()
    payment = Payment.objects.get(pk=body["payment_id"])
    assert payment.status == PaymentStatus.CREATED and payment.submit_attempts == 1  # timed out: retry scheduled
    assert gateway_calls("create_payout", "timeout") == 1
    sandboxed = SandboxGatewayPayment.objects.get(merchant_reference=str(payment.pk))
    assert sandboxed.kind == "payout" and sandboxed.status == "pending"  # the gateway has it all the same

    settings.SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY = 0
    gateway.read_timeout = 10.0
    gateway.save()
    rejected = gateway_calls("create_payout", "rejected")
    assert outbox_deliver_now(f"payout-submit:{payment.pk}") == "delivered"  # the outbox's retry
    assert gateway_calls("create_payout", "rejected") == rejected + 1  # answered 409 for real
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and payment.gateway_reference == sandboxed.reference
    assert payment.submit_attempts == 2 and payment.hold.status == HoldStatus.ACTIVE
    assert wallet_of(player).held == 4_000

    sandbox_complete(site, sandboxed.reference, "succeeded")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.hold.status == HoldStatus.CAPTURED
    assert not PaymentStatusChange.objects.filter(payment=payment, to_status=PaymentStatus.FAILED).exists()
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held, wallet.available) == (6_000, 0, 6_000)
    assert clearing_of().balance == 4_000
    audit()


def test_a_refused_resubmission_the_gateway_does_not_know_fails_and_releases(gateway, make_player, fund, api, audit):
    player = _verified_player(make_player, fund)
    payment = created_withdrawal(gateway, api(player), "13.13")  # first attempt: gateway down
    lookups = gateway_calls("fetch_status")
    assert outbox_deliver_now(f"payout-submit:{payment.pk}") == "delivered"  # 422, then asked: unknown
    assert gateway_calls("fetch_status") == lookups + 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and "no such payout" in payment.failure_reason
    assert payment.hold.status == HoldStatus.RELEASED
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (10_000, 0)
    audit()


def test_concurrent_submissions_of_one_payout_reach_the_gateway_once(gateway, make_player, fund, api, settings, audit):
    from payments.services.orders import payout_submit

    player = _verified_player(make_player, fund)
    payment = created_withdrawal(gateway, api(player), "25.00")
    settings.SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY = 0.5  # the submission that wins stays in flight a while
    calls = gateway_calls("create_payout")
    outcomes = run_together([lambda: payout_submit(payment_id=payment.pk).status] * 4)
    assert len(outcomes) == 4 and outcomes.count(PaymentStatus.PENDING) >= 1
    assert gateway_calls("create_payout") == calls + 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and payment.submit_attempts == 2
    assert payment.submitting_until is None
    assert SandboxGatewayPayment.objects.filter(merchant_reference=str(payment.pk)).count() == 1
    assert wallet_of(player).held == 2_500
    audit()
