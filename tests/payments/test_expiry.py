"""Deposits nobody paid expire after DEPOSIT_EXPIRY_MINUTES, once the sandbox gateway, asked one last time, still
has them unpaid or does not know them; a deposit it settled is settled instead, and a success reported after the
expiry is never credited but flagged for staff. Time moves by ageing the rows' created_at."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.outbox.models import OutboxMessage, OutboxStatus
from payments.interface import PaymentOrder
from payments.models import Payment, PaymentAnomaly, PaymentKind, PaymentStatus, PaymentStatusChange, WebhookDelivery
from payments.registry import adapter_for
from payments.services.expiry import deposits_expire
from payments.services.orders import payment_callback_url
from payments.services.polling import status_poll_intent
from payments.tasks import expire_deposits
from tests.payments.conftest import gateway_calls, post_order, sandbox_complete, wallet_of
from tests.payments.test_payment_updated import _listen, _payment_updates


def _age(payment_id, *, minutes: int) -> None:
    Payment.objects.filter(pk=payment_id).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_an_unpaid_deposit_expires_after_the_configured_time_and_a_young_one_waits(
    gateway, make_player, api, site, settings, audit
):
    settings.DEPOSIT_EXPIRY_MINUTES = 60
    player = make_player()
    old = post_order(api(player), "deposits", amount="25.00").json()
    young = post_order(api(player), "deposits", amount="10.00").json()
    settings.OUTBOX_DISPATCH_ON_COMMIT = False  # a poll of it waits in the outbox: the expiry cancels it
    with transaction.atomic():
        status_poll_intent(Payment.objects.get(pk=old["payment_id"]))
    _age(old["payment_id"], minutes=61)
    _age(young["payment_id"], minutes=59)
    receive = _listen(player)
    asked = gateway_calls("fetch_status")

    assert deposits_expire() == {"expired": 1}

    assert gateway_calls("fetch_status") == asked + 1  # asked about the old one only
    payment = Payment.objects.get(pk=old["payment_id"])
    assert payment.status == PaymentStatus.FAILED and payment.completed_at is not None
    assert payment.failure_reason.startswith("expired: unpaid after 61 minutes (the gateway still has it unpaid)")
    change = PaymentStatusChange.objects.filter(payment=payment).last()
    assert (change.from_status, change.to_status, change.reason) == ("pending", "failed", payment.failure_reason)
    assert Payment.objects.get(pk=young["payment_id"]).status == PaymentStatus.PENDING
    assert OutboxMessage.objects.get(key=f"status-poll:{payment.pk}").status == OutboxStatus.CANCELLED
    assert _payment_updates(receive()) == [
        {"type": "payment.updated", "payment_id": str(payment.pk), "kind": "deposit", "status": "failed",
         "amount": "25.00", "currency": "EUR"}
    ]  # fmt: skip
    assert deposits_expire() == {}  # nothing left old enough
    assert wallet_of(player).balance == 0
    audit()


def test_a_late_success_for_an_expired_deposit_is_flagged_not_credited(gateway, make_player, api, site, audit):
    player = make_player()
    body = post_order(api(player), "deposits", amount="25.00").json()
    _age(body["payment_id"], minutes=60 * 24 + 1)
    assert deposits_expire() == {"expired": 1}

    sandbox_complete(site, body["gateway_reference"], "succeeded")  # the player paid after all: its webhook comes

    delivery = WebhookDelivery.objects.get(payment_id=body["payment_id"])
    assert delivery.outcome == WebhookDelivery.Outcome.OUT_OF_ORDER
    assert Payment.objects.get(pk=body["payment_id"]).status == PaymentStatus.FAILED
    anomaly = PaymentAnomaly.objects.get()
    assert (anomaly.kind, str(anomaly.payment_id), anomaly.delivery_id) == (
        PaymentAnomaly.Kind.LATE_SUCCESS,
        body["payment_id"],
        delivery.pk,
    )
    assert wallet_of(player).balance == 0  # staff settle it from the anomaly
    audit()


def test_a_deposit_the_gateway_settled_is_settled_from_its_word_not_expired(gateway, make_player, api, site, audit):
    player = make_player()
    paid = post_order(api(player), "deposits", amount="25.00").json()
    declined = post_order(api(player), "deposits", amount="12.00").json()
    sandbox_complete(site, paid["gateway_reference"], "succeeded", notify=False)
    odd = post_order(api(player), "deposits", amount="30.00").json()
    sandbox_complete(site, declined["gateway_reference"], "failed", notify=False)
    sandbox_complete(site, odd["gateway_reference"], "succeeded", amount="31.00", notify=False)
    for body in (paid, declined, odd):
        _age(body["payment_id"], minutes=60 * 25)

    assert deposits_expire() == {"succeeded": 1, "failed": 1, "review": 1}

    assert Payment.objects.get(pk=paid["payment_id"]).status == PaymentStatus.SUCCEEDED
    failed = Payment.objects.get(pk=declined["payment_id"])
    assert failed.status == PaymentStatus.FAILED and not failed.failure_reason.startswith("expired")
    assert Payment.objects.get(pk=odd["payment_id"]).status == PaymentStatus.REVIEW  # staff decide, as after a poll
    assert list(PaymentAnomaly.objects.values_list("kind", flat=True)) == [PaymentAnomaly.Kind.AMOUNT_MISMATCH]
    assert wallet_of(player).balance == 2500
    audit()


def test_a_created_deposit_expires_whether_or_not_the_gateway_took_it(gateway, make_player, site, audit):
    """A deposit left `created`: the process died between committing the row and recording the gateway's answer
    (the only way to get one, so the rows are written as deposit_create writes them before its call)."""
    player = make_player()

    def created() -> Payment:
        return Payment.objects.create(
            player=player, gateway=gateway, kind=PaymentKind.DEPOSIT, amount=1500, currency="EUR", submit_attempts=1
        )

    unknown, taken = created(), created()
    order = PaymentOrder(
        payment_id=str(taken.pk),
        player_id=str(player.pk),
        amount=1500,
        currency="EUR",
        callback_url=payment_callback_url(gateway),
    )
    acceptance = adapter_for(gateway).create_deposit(order)
    for payment in (unknown, taken):
        _age(payment.pk, minutes=60 * 24 + 5)

    assert deposits_expire() == {"expired": 2}

    unknown.refresh_from_db()
    taken.refresh_from_db()
    assert unknown.status == taken.status == PaymentStatus.FAILED
    assert "(the gateway has no such payment)" in unknown.failure_reason
    assert "(the gateway still has it unpaid)" in taken.failure_reason
    assert taken.gateway_reference == acceptance.reference  # so a late webhook finds it
    sandbox_complete(site, acceptance.reference, "succeeded")
    assert PaymentAnomaly.objects.get().kind == PaymentAnomaly.Kind.LATE_SUCCESS
    assert wallet_of(player).balance == 0
    audit()


def test_an_unreachable_gateway_leaves_the_deposit_for_the_next_run(gateway, make_player, api, site, audit):
    from core.outbound import breaker_reset

    player = make_player()
    body = post_order(api(player), "deposits").json()
    _age(body["payment_id"], minutes=60 * 24 + 1)
    before = Payment.objects.get(pk=body["payment_id"]).updated_at
    real_url = gateway.base_url
    gateway.base_url = "http://127.0.0.1:9/"
    gateway.save()

    assert deposits_expire() == {"unreachable": 1}

    payment = Payment.objects.get(pk=body["payment_id"])
    assert payment.status == PaymentStatus.PENDING and payment.updated_at > before  # to the back of the queue
    gateway.base_url = real_url
    gateway.save()
    breaker_reset()
    assert deposits_expire() == {"expired": 1}
    audit()


def test_expiry_is_scheduled_and_the_task_runs(gateway, make_player, api):
    from django_celery_beat.models import PeriodicTask

    from backoffice.services.schedules import schedules_ensure

    schedules_ensure()
    assert PeriodicTask.objects.get(name="payments-expire-deposits").task == "payments.expire_deposits"
    body = post_order(api(make_player()), "deposits").json()
    _age(body["payment_id"], minutes=60 * 24 + 1)
    assert expire_deposits.delay().get() == {"expired": 1}
    assert Payment.objects.get(pk=body["payment_id"]).status == PaymentStatus.FAILED
