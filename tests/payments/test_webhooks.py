"""The webhook receiver: signatures, schema, duplicates (also concurrent), out-of-order events, disagreeing
amounts. Events come from the sandbox gateway over HTTP, or are signed here exactly as the contract says."""

import json
import time

import requests

from payments.adapters.sandbox_rest.adapter import signature_header
from payments.models import Payment, PaymentAnomaly, PaymentStatus, ProcessedWebhookEvent, WebhookDelivery
from tests.payments.conftest import post_order, sandbox_complete, wallet_of
from tests.support.concurrency import run_together


def _event(payment: Payment, *, type_="payment.succeeded", event_id=None, amount="25.00", currency="EUR") -> bytes:
    body = {
        "id": event_id or f"evt-{payment.pk}-{type_}",
        "type": type_,
        "data": {
            "payment_id": str(payment.pk),
            "gateway_reference": payment.gateway_reference,
            "amount": amount,
            "currency": currency,
        },
    }
    return json.dumps(body).encode()


def _send(site, body: bytes, *, secret, timestamp=None, code="sandbox", signature=None):
    header = signature if signature is not None else signature_header(secret, body, timestamp)
    return requests.post(
        f"{site}/webhooks/payments/{code}/",
        data=body,
        headers={"Content-Type": "application/json", "X-Sandbox-Signature": header},
        timeout=30,
    )


def _pending_deposit(make_player, api, amount="25.00"):
    player = make_player()
    body = post_order(api(player), "deposits", amount=amount).json()
    return player, Payment.objects.get(pk=body["payment_id"])


def test_duplicate_webhook_from_the_gateway_credits_once(gateway, make_player, api, site, audit):
    player, payment = _pending_deposit(make_player, api)
    sandbox_complete(site, payment.gateway_reference, "succeeded")
    sandbox_complete(site, payment.gateway_reference, "succeeded")  # the sandbox re-sends the same event
    assert wallet_of(player).balance == 2500
    outcomes = list(WebhookDelivery.objects.order_by("received_at").values_list("outcome", flat=True))
    assert outcomes == ["processed", "duplicate"]
    assert ProcessedWebhookEvent.objects.count() == 1
    audit()


def test_duplicate_answers_200(gateway, make_player, api, site, settings, audit):
    player, payment = _pending_deposit(make_player, api)
    body = _event(payment)
    first = _send(site, body, secret=settings.SANDBOX_WEBHOOK_SECRET)
    again = _send(site, body, secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert (first.status_code, first.json()["status"]) == (200, "processed")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert wallet_of(player).balance == 2500
    audit()


def test_concurrent_duplicates_credit_exactly_once(gateway, make_player, api, site, settings, audit):
    player, payment = _pending_deposit(make_player, api)
    body = _event(payment)
    header = signature_header(settings.SANDBOX_WEBHOOK_SECRET, body)
    answers = run_together([lambda: _send(site, body, secret="", signature=header)] * 8)
    assert sorted(a.status_code for a in answers) == [200] * 8
    assert sorted(a.json()["status"] for a in answers) == ["duplicate"] * 7 + ["processed"]
    wallet = wallet_of(player)
    assert wallet.balance == 2500 and wallet.entries.count() == 1
    assert WebhookDelivery.objects.count() == 8 and ProcessedWebhookEvent.objects.count() == 1
    audit()


def test_failed_after_succeeded_is_ignored_and_recorded(gateway, make_player, api, site, settings, audit):
    player, payment = _pending_deposit(make_player, api)
    assert _send(site, _event(payment), secret=settings.SANDBOX_WEBHOOK_SECRET).json()["status"] == "processed"
    late = _send(site, _event(payment, type_="payment.failed"), secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert (late.status_code, late.json()["status"]) == (200, "out_of_order")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and wallet_of(player).balance == 2500
    assert WebhookDelivery.objects.filter(outcome="out_of_order").count() == 1
    audit()


def test_success_after_failure_is_not_credited_and_flagged(gateway, make_player, api, site, settings, audit):
    player, payment = _pending_deposit(make_player, api)
    _send(site, _event(payment, type_="payment.failed"), secret=settings.SANDBOX_WEBHOOK_SECRET)
    late = _send(site, _event(payment), secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert (late.status_code, late.json()["status"]) == (200, "out_of_order")
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.FAILED
    assert wallet_of(player).balance == 0
    assert PaymentAnomaly.objects.get().kind == PaymentAnomaly.Kind.LATE_SUCCESS
    audit()


def test_forged_signature_is_refused_but_stored(gateway, make_player, api, site, audit):
    player, payment = _pending_deposit(make_player, api)
    response = _send(site, _event(payment), secret="not-the-secret")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_signature"
    missing = requests.post(f"{site}/webhooks/payments/sandbox/", data=_event(payment), timeout=10)
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid_signature")
    deliveries = WebhookDelivery.objects.all()
    assert [d.signature_verdict for d in deliveries] == ["invalid", "invalid"]
    assert all(d.body and d.outcome == "rejected" for d in deliveries)
    assert wallet_of(player).balance == 0 and not ProcessedWebhookEvent.objects.exists()
    audit()


def test_stale_timestamp_is_refused(gateway, make_player, api, site, settings):
    _, payment = _pending_deposit(make_player, api)
    old = int(time.time()) - 305
    response = _send(site, _event(payment), secret=settings.SANDBOX_WEBHOOK_SECRET, timestamp=old)
    assert (response.status_code, response.json()["code"]) == (400, "stale_signature")
    assert WebhookDelivery.objects.get().signature_verdict == "stale"
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING


def test_body_not_matching_the_schema_is_refused(gateway, make_player, api, site, settings):
    _, payment = _pending_deposit(make_player, api)
    for body in (b"not json", b'{"id": "e1", "type": "payment.refunded", "data": {}}', b"[]"):
        response = _send(site, body, secret=settings.SANDBOX_WEBHOOK_SECRET)
        assert (response.status_code, response.json()["code"]) == (400, "validation_error"), body
    too_precise = _event(payment, amount="25.001")
    response = _send(site, too_precise, secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING


def test_unknown_gateway_is_404(gateway, site, settings):
    response = _send(site, b"{}", secret=settings.SANDBOX_WEBHOOK_SECRET, code="nope")
    assert (response.status_code, response.json()["code"]) == (404, "unknown_gateway")
    assert WebhookDelivery.objects.get().outcome == "unknown_gateway"


def test_wrong_amount_from_the_gateway_is_rejected_and_never_credited(gateway, make_player, api, site, audit):
    player, payment = _pending_deposit(make_player, api)
    answer = sandbox_complete(site, payment.gateway_reference, "succeeded", amount="2500.00")
    assert answer["webhook_attempts"] == 1  # the receiver's 400 is final: the sandbox does not retry it
    delivery = WebhookDelivery.objects.get()
    assert (delivery.signature_verdict, delivery.outcome) == ("valid", "amount_mismatch")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVIEW
    assert api(player).get(f"/api/v1/payments/{payment.pk}").json()["status"] == "pending"
    anomaly = PaymentAnomaly.objects.get()
    assert anomaly.kind == "amount_mismatch" and anomaly.payment == payment and anomaly.delivery == delivery
    assert wallet_of(player).balance == 0
    audit()


def test_wrong_currency_answers_amount_mismatch(gateway, make_player, api, site, settings, audit):
    player, payment = _pending_deposit(make_player, api)
    response = _send(site, _event(payment, currency="USD"), secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert (response.status_code, response.json()["code"]) == (400, "amount_mismatch")
    assert PaymentAnomaly.objects.get().received["currency"] == "USD"
    # A later, correct event does not credit a payment held for review: staff decide.
    ok = _send(site, _event(payment, event_id="evt-correct"), secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert (ok.status_code, ok.json()["status"]) == (200, "held_for_review")
    assert wallet_of(player).balance == 0
    audit()


def test_previous_secret_is_accepted_during_rotation(gateway, make_player, api, site, settings, audit):
    player, payment = _pending_deposit(make_player, api)
    gateway.previous_webhook_secret = settings.SANDBOX_WEBHOOK_SECRET
    gateway.webhook_secret = "the-new-secret"
    gateway.save()
    response = _send(site, _event(payment), secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert response.status_code == 200 and wallet_of(player).balance == 2500
    audit()


def test_event_for_an_unknown_payment_is_recorded(gateway, make_player, api, site, settings):
    _, payment = _pending_deposit(make_player, api)
    payment.pk = "00000000-0000-4000-8000-000000000000"
    response = _send(site, _event(payment), secret=settings.SANDBOX_WEBHOOK_SECRET)
    assert (response.status_code, response.json()["status"]) == (200, "unknown_payment")
    assert PaymentAnomaly.objects.get().kind == "unknown_payment"
