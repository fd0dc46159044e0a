"""Webhook deliveries are purged after their retention: failed-verification summaries after
PARTNER_REJECTION_RETENTION_DAYS, everything else after WEBHOOK_DELIVERY_RETENTION_DAYS, except a delivery an anomaly
points at or one about a payment not finished yet. A replay of a purged event has no second effect."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.retention import retention_purge
from payments.errors import WebhookInvalidSignature
from payments.models import Gateway, Payment, PaymentStatus, ProcessedWebhookEvent, WebhookDelivery
from payments.services.polling import payments_poll_pending
from payments.services.webhooks import webhook_delivery_receive
from payments.tasks import purge_webhook_rejections
from tests.payments.conftest import post_order, sandbox_complete, wallet_of
from tests.payments.test_webhooks import _event, _send


def _age(days: int, **filters) -> None:
    WebhookDelivery.objects.filter(**filters).update(received_at=timezone.now() - timedelta(days=days))


@pytest.mark.django_db
def test_rejection_summaries_are_purged_after_their_retention(settings):
    gateway = Gateway.objects.create(
        code="acme", name="Acme", adapter="sandbox_rest", base_url="https://acme.invalid/", webhook_secret="s"
    )
    for _ in range(2):
        with pytest.raises(WebhookInvalidSignature):
            webhook_delivery_receive(
                gateway=gateway, headers={"X-Sandbox-Signature": "t=1,v1=00"}, body=b"{}", source_address="192.0.2.1"
            )
    genuine = WebhookDelivery.objects.create(gateway_code="acme", gateway=gateway, body="{}", signature_verdict="valid")
    old = WebhookDelivery.objects.filter(signature_verdict="invalid").first()
    _age(31, pk__in=[old.pk, genuine.pk])

    settings.PARTNER_REJECTION_RETENTION_DAYS = 30
    assert purge_webhook_rejections() == 1
    assert retention_purge(policy="webhook_rejections") == 0
    assert set(WebhookDelivery.objects.values_list("signature_verdict", flat=True)) == {"invalid", "valid"}


def test_old_deliveries_go_unless_staff_or_an_unfinished_payment_need_them(
    gateway, make_player, api, site, settings, audit
):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 2000
    player = make_player()
    paid = Payment.objects.get(pk=post_order(api(player), "deposits").json()["payment_id"])
    sandbox_complete(site, paid.gateway_reference, "succeeded")
    disagreeing = Payment.objects.get(pk=post_order(api(player), "deposits", amount="30.00").json()["payment_id"])
    sandbox_complete(site, disagreeing.gateway_reference, "succeeded", amount="31.00")  # anomaly, to review
    in_review = Payment.objects.get(pk=post_order(api(player), "deposits", amount="40.00").json()["payment_id"])
    sandbox_complete(site, in_review.gateway_reference, "succeeded", amount="41.00", notify=False)
    payments_poll_pending(older_than=timedelta(0))  # to review by the poll; then a webhook about it comes
    assert _send(site, _event(in_review, amount="40.00"), secret=settings.SANDBOX_WEBHOOK_SECRET).status_code == 200
    assert _send(site, b"{}", secret="forged").status_code == 400
    _age(2001)
    recent = Payment.objects.get(pk=post_order(api(player), "deposits", amount="5.00").json()["payment_id"])
    sandbox_complete(site, recent.gateway_reference, "succeeded")
    assert Payment.objects.get(pk=in_review.pk).status == PaymentStatus.REVIEW
    paid_event = WebhookDelivery.objects.get(payment=paid).event_id
    assert ProcessedWebhookEvent.objects.filter(event_id=paid_event).exists()

    assert retention_purge(policy="webhook_deliveries", batch_size=1) == 2  # the paid deposit's and the forged one

    kept = set(WebhookDelivery.objects.values_list("payment_id", "outcome"))
    assert kept == {(disagreeing.pk, "amount_mismatch"), (in_review.pk, "held_for_review"), (recent.pk, "processed")}
    assert not ProcessedWebhookEvent.objects.filter(event_id=paid_event).exists()  # it went with its delivery

    # The paid deposit's event again, signed afresh: the state machine answers it without its marker.
    replay = _send(site, _event(paid, event_id=paid_event), secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert replay.json()["status"] == "duplicate"
    assert wallet_of(player).balance == 2500 + 500
    audit()
