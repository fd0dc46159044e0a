"""A real Celery worker killed in the middle of outbox deliveries (issue 10): payouts owed to the sandbox gateway are
handed out by beat's sweep to a worker on Redis, the worker is SIGKILLed while its threads wait for the gateway's
answers (the gateway has taken those payouts already), and a new worker delivers everything once the dead worker's
leases lapse. Delivery is at least once (the killed attempts are repeated); the gateway's idempotency on our payment
id makes the effect exactly once: one payout per payment at the gateway, each paid out of the wallet once.
Slow (processes start Django), so it shares the xdist group of the other process tests."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from ledger.models import HoldStatus
from ledger.selectors import ledger_audit
from payments.models import Payment, PaymentStatus
from payments.services.orders import PAYOUT_SUBMIT, withdrawal_create
from sandbox.models import SandboxGatewayPayment
from tests.payments.conftest import clearing_of, sandbox_complete, wallet_of
from tests.support.processes import celery_beat, celery_worker, process_env, process_kill, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("processes")]

PAYOUTS = 4
THREADS = 2  # tests.support.processes.celery_worker's concurrency: the deliveries in flight when it is killed
LEASE_SECONDS = 3


def _payouts_received() -> dict[str, int]:
    """What the sandbox gateway has: orders received per merchant reference (our payment id), one row each."""
    rows = SandboxGatewayPayment.objects.filter(kind="payout")
    return dict(rows.values_list("merchant_reference", "orders_received"))


def test_a_worker_killed_mid_delivery_leaves_every_payout_delivered_once(
    gateway, site, make_player, fund, settings, tmp_path
):
    # Intents only: no task is sent on commit here (this process's Celery runs tasks inline); beat's sweep hands
    # them to the worker, as it does with any intent whose task was lost.
    settings.OUTBOX_DISPATCH_ON_COMMIT = False
    players, payments = [], []
    for _ in range(PAYOUTS):
        player = make_player(kyc_status="verified")
        fund(player, 10_000)
        players.append(player)
        payments.append(withdrawal_create(user=player, gateway_code="sandbox", amount="25.00", currency="EUR"))
    # Beat runs the sweep alone, every second (the seeded schedule, at its own pace, is for production).
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.exclude(task="outbox.sweep").update(enabled=False)
    PeriodicTask.objects.update_or_create(name="outbox-sweep", defaults={"task": "outbox.sweep", "enabled": True,
                                                                          "interval": every_second})  # fmt: skip
    # The gateway takes each payout (commits it), then holds its answer: the worker waits inside the call.
    settings.SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY = 8.0

    env = process_env(
        SITE_URL=site,  # the payouts' callback URL: the sandbox's webhooks come back to this test's live server
        OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
        PAYMENTS_SUBMIT_LEASE_SECONDS=str(LEASE_SECONDS - 1),
        OUTBOX_BACKOFF_BASE_SECONDS="1",
    )
    with ExitStack() as processes:
        worker = processes.enter_context(celery_worker(env=env, log=tmp_path / "worker-1.log"))
        processes.enter_context(celery_beat(env=env, log=tmp_path / "beat.log"))
        wait_until(lambda: len(_payouts_received()) == THREADS, timeout=60,
                   what="the worker's threads to be inside their calls")  # fmt: skip
        process_kill(worker)

        # The dead worker's state: its messages in flight with a running attempt, the others not yet tried.
        in_flight = set(OutboxMessage.objects.filter(status=OutboxStatus.IN_FLIGHT).values_list("pk", flat=True))
        assert len(in_flight) == THREADS
        assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == PAYOUTS - THREADS
        assert OutboxAttempt.objects.filter(outcome=OutboxAttempt.Outcome.RUNNING).count() == THREADS
        killed_payments = {OutboxMessage.objects.get(pk=pk).payload["payment_id"] for pk in in_flight}
        assert killed_payments == set(_payouts_received())  # the gateway took exactly the killed attempts' payouts

        settings.SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY = 0  # from now on the gateway answers at once
        with celery_worker(env=env, log=tmp_path / "worker-2.log"):
            delivered = OutboxMessage.objects.filter(kind=PAYOUT_SUBMIT, status=OutboxStatus.DELIVERED)
            wait_until(lambda: delivered.count() == PAYOUTS, timeout=90, what="the new worker to deliver every payout")

    messages = OutboxMessage.objects.filter(kind=PAYOUT_SUBMIT)
    assert messages.count() == PAYOUTS
    for message in messages:
        attempts = list(message.attempt_rows.values_list("outcome", "error"))
        assert message.attempts == len(attempts) and attempts[-1] == (OutboxAttempt.Outcome.OK, "")
        if message.pk in in_flight:
            # The killed attempt, taken over once its lease lapsed; the payout's own claim may have made the next
            # attempt wait its turn (retry), and one attempt delivered it.
            assert attempts[0] == (OutboxAttempt.Outcome.RETRY, "lease lapsed: the worker stopped")
            assert all(outcome == OutboxAttempt.Outcome.RETRY for outcome, _ in attempts[1:-1]), attempts
        else:
            assert attempts == [(OutboxAttempt.Outcome.OK, "")]

    # At the gateway: every payout once, whatever it received. The killed ones were ordered twice (the killed
    # attempt and its redelivery) and answered from the first order; the others once.
    assert _payouts_received() == {
        str(payment.pk): 2 if str(payment.pk) in killed_payments else 1 for payment in payments
    }
    for payment in payments:
        payment.refresh_from_db()
        taken = SandboxGatewayPayment.objects.get(kind="payout", merchant_reference=str(payment.pk))
        assert payment.status == PaymentStatus.PENDING and payment.gateway_reference == taken.reference
        assert payment.hold.status == HoldStatus.ACTIVE
    assert ledger_audit() == []

    # The gateway pays each out once: each wallet is debited once, the clearing account credited once per payout.
    for payment in payments:
        sandbox_complete(site, payment.gateway_reference, "succeeded")
    for player, payment in zip(players, payments, strict=True):
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SUCCEEDED
        wallet = wallet_of(player)
        assert (wallet.balance, wallet.held) == (7_500, 0)
    assert clearing_of().balance == PAYOUTS * 2_500
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == PAYOUTS
    assert ledger_audit() == []
