"""The poller: payments left pending too long are settled from the gateway's status, with the same services."""

from datetime import timedelta

from payments.models import Payment, PaymentAnomaly, PaymentStatus, WebhookDelivery
from payments.services.polling import payments_poll_pending
from payments.tasks import poll_pending
from tests.payments.conftest import created_withdrawal, gateway_calls, post_order, sandbox_complete, wallet_of
from tests.support.concurrency import running_in_background
from tests.support.outbox import outbox_deliver_now


def test_poll_settles_a_deposit_whose_webhook_never_came(gateway, make_player, api, site, audit):
    player = make_player()
    body = post_order(api(player), "deposits").json()
    sandbox_complete(site, body["gateway_reference"], "succeeded", notify=False)
    assert not WebhookDelivery.objects.exists()

    assert payments_poll_pending() == {}  # not pending long enough yet
    assert payments_poll_pending(older_than=timedelta(0)) == {"polled": 1}  # delivered by the outbox at once
    assert Payment.objects.get(pk=body["payment_id"]).status == PaymentStatus.SUCCEEDED
    assert wallet_of(player).balance == 2500
    assert payments_poll_pending(older_than=timedelta(0)) == {}  # settled payments are not asked again
    audit()


def test_poll_fails_a_withdrawal_and_releases_its_hold(gateway, make_player, fund, api, site, audit):
    player = make_player(kyc_status="verified")
    fund(player, 5_000)
    body = post_order(api(player), "withdrawals", amount="50.00").json()
    payment = Payment.objects.get(pk=body["payment_id"])
    sandbox_complete(site, payment.gateway_reference, "failed", notify=False)
    assert payments_poll_pending(older_than=timedelta(0)) == {"polled": 1}
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (5_000, 0)
    audit()


def test_poll_leaves_a_pending_payment_and_flags_a_disagreeing_one(gateway, make_player, api, site, audit):
    player = make_player()
    waiting = post_order(api(player), "deposits").json()
    wrong = post_order(api(player), "deposits", amount="30.00").json()
    sandbox_complete(site, wrong["gateway_reference"], "succeeded", amount="31.00", notify=False)
    assert payments_poll_pending(older_than=timedelta(0)) == {"polled": 2}
    assert Payment.objects.get(pk=waiting["payment_id"]).status == PaymentStatus.PENDING
    assert Payment.objects.get(pk=wrong["payment_id"]).status == PaymentStatus.REVIEW
    assert PaymentAnomaly.objects.get().kind == "amount_mismatch"
    assert wallet_of(player).balance == 0
    audit()


def test_poll_task_is_scheduled_and_runs(gateway, settings):
    from django_celery_beat.models import PeriodicTask

    from backoffice.services.schedules import schedules_ensure

    schedules_ensure()
    assert PeriodicTask.objects.get(name="payments-poll-pending").task == "payments.poll_pending"
    assert poll_pending.delay().get() == {}


def test_poll_leaves_a_payout_being_submitted_or_just_tried(gateway, make_player, fund, api, settings, audit):
    import time

    from django.utils import timezone

    from payments.services.orders import payout_submit

    player = make_player(kyc_status="verified")
    fund(player, 5_000)
    payment = created_withdrawal(gateway, api(player), "20.00")

    # Each attempt moves updated_at: an old payment the task just tried again is not resubmitted on top.
    real_url = gateway.base_url
    gateway.base_url = "http://127.0.0.1:9/"
    gateway.save()
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert outbox_deliver_now(f"payout-submit:{payment.pk}") == "retry"
    assert payments_poll_pending(older_than=timedelta(seconds=60)) == {}
    gateway.base_url = real_url
    gateway.save()
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert payments_poll_pending(older_than=timedelta(seconds=60)) == {"resubmitted": 1}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and payment.submit_attempts == 3

    other = created_withdrawal(gateway, api(player), "10.00")
    settings.SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY = 1.0
    calls = gateway_calls("create_payout")

    with running_in_background(lambda: payout_submit(payment_id=other.pk)):
        deadline = time.monotonic() + 10
        while Payment.objects.get(pk=other.pk).submitting_until is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert Payment.objects.get(pk=other.pk).submitting_until is not None  # in flight
        assert payments_poll_pending(older_than=timedelta(0)) == {"polled": 1}  # `payment`; `other` left alone
    assert gateway_calls("create_payout") == calls + 1
    other.refresh_from_db()
    assert other.status == PaymentStatus.PENDING and other.submit_attempts == 2 and other.submitting_until is None
    assert wallet_of(player).held == 3_000
    audit()
