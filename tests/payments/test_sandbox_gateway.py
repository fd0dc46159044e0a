"""The REST sandbox gateway as a vendor: it checks the platform's signature and retries its own webhooks."""

import pytest
import requests
from celery.exceptions import Retry

from payments.models import Payment, PaymentStatus
from sandbox.gateway.tasks import sandbox_webhook_send
from sandbox.models import SandboxGatewayPayment
from tests.payments.conftest import post_order, sandbox_complete, wallet_of


def test_sandbox_api_refuses_unsigned_calls(gateway, site):
    response = requests.post(
        f"{site}/sandbox/gateway/api/payments",
        json={"merchant_reference": "x", "amount": "1.00", "currency": "EUR"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not SandboxGatewayPayment.objects.exists()


def test_sandbox_retries_a_webhook_the_platform_did_not_take(gateway, make_player, api, site, audit):
    player = make_player()
    body = post_order(api(player), "deposits").json()
    sandboxed = SandboxGatewayPayment.objects.get(reference=body["gateway_reference"])
    real_callback = sandboxed.callback_url
    SandboxGatewayPayment.objects.filter(pk=sandboxed.pk).update(callback_url="http://127.0.0.1:9/down/")
    answer = sandbox_complete(site, sandboxed.reference, "succeeded")
    assert answer["webhook_attempts"] == 1  # the first attempt failed and a retry was scheduled
    assert Payment.objects.get(pk=body["payment_id"]).status == PaymentStatus.PENDING

    with pytest.raises(Retry):  # still down: retried again later
        sandbox_webhook_send.apply(args=[sandboxed.reference])
    SandboxGatewayPayment.objects.filter(pk=sandboxed.pk).update(callback_url=real_callback)
    assert sandbox_webhook_send.apply(args=[sandboxed.reference]).get() == 200
    assert Payment.objects.get(pk=body["payment_id"]).status == PaymentStatus.SUCCEEDED
    assert wallet_of(player).balance == 2500
    audit()


def test_webhooks_for_a_polling_only_gateway_are_refused(gateway, site):
    from sandbox.gateway_soap.seed import seed

    seed()
    response = requests.post(f"{site}/webhooks/payments/sandbox_soap/", data=b"{}", timeout=10)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_signature")
    assert response.headers["X-Request-ID"]
