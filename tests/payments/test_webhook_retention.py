"""Failed-verification summaries are purged after their retention; genuine deliveries are kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.errors import WebhookInvalidSignature
from payments.models import Gateway, WebhookDelivery
from payments.services.webhooks import webhook_delivery_receive, webhook_rejections_purge
from payments.tasks import purge_webhook_rejections

pytestmark = pytest.mark.django_db


def test_rejection_summaries_are_purged_after_the_retention(settings):
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
    WebhookDelivery.objects.filter(pk__in=[old.pk, genuine.pk]).update(received_at=timezone.now() - timedelta(days=31))

    settings.PARTNER_REJECTION_RETENTION_DAYS = 30
    assert purge_webhook_rejections() == 1
    assert webhook_rejections_purge(older_than_days=30) == 0
    assert set(WebhookDelivery.objects.values_list("signature_verdict", flat=True)) == {"invalid", "valid"}
