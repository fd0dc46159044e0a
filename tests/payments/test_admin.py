"""The payments admin: secrets never shown, query counts bounded, staff actions call the services."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.adapters.sandbox_rest.adapter import signature_header
from payments.models import Gateway, Payment, PaymentStatus, WebhookDelivery
from payments.services.transitions import payment_transition
from payments.services.webhooks import webhook_delivery_record
from tests.payments.conftest import post_order, wallet_of


@pytest.fixture
def seeded(db, settings):
    from sandbox.gateway.seed import seed

    settings.SITE_URL = "http://127.0.0.1:9"
    seed()
    return Gateway.objects.get(code="sandbox")


def test_gateway_secrets_are_never_displayed(seeded, admin_client, settings):
    seeded.secret = "api-secret-value"
    seeded.tls_client_key = "-----BEGIN PRIVATE KEY-----secret"
    seeded.save()
    for url in ("/admin/payments/gateway/", f"/admin/payments/gateway/{seeded.pk}/change/"):
        page = admin_client.get(url).content.decode()
        for secret in (settings.SANDBOX_WEBHOOK_SECRET, "api-secret-value", "PRIVATE KEY-----secret"):
            assert secret not in page


def test_gateway_form_keeps_secrets_left_blank_and_rotates_the_webhook_secret(seeded, admin_client, settings):
    page = admin_client.get(f"/admin/payments/gateway/{seeded.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(currencies=json.dumps(["EUR", "USD"]), webhook_secret="rotated-secret", enabled="on")
    data = {k: v for k, v in data.items() if v is not None and k != "clear_previous_webhook_secret"}
    response = admin_client.post(f"/admin/payments/gateway/{seeded.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    seeded.refresh_from_db()
    assert seeded.webhook_secret == "rotated-secret"
    assert seeded.previous_webhook_secret == settings.SANDBOX_WEBHOOK_SECRET
    assert seeded.secret == settings.SANDBOX_GATEWAY_SECRET  # blank field: kept


@pytest.mark.parametrize(
    "url",
    [
        "/admin/payments/gateway/",
        "/admin/payments/payment/",
        "/admin/payments/webhookdelivery/",
        "/admin/payments/paymentanomaly/",
    ],
)
def test_changelists_have_a_fixed_number_of_queries(seeded, admin_client, make_player, url):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    _rows(seeded, make_player, 1)
    few = count()
    _rows(seeded, make_player, 5)
    assert count() == few


def _rows(gateway, make_player, n):
    from payments.models import PaymentAnomaly

    for _ in range(n):
        payment = Payment.objects.create(
            player=make_player(), gateway=gateway, kind="deposit", amount=100, currency="EUR"
        )
        delivery = webhook_delivery_record(gateway_code="sandbox", headers={}, body=b"{}", source_address="127.0.0.1")
        WebhookDelivery.objects.filter(pk=delivery.pk).update(payment=payment)
        PaymentAnomaly.objects.create(payment=payment, gateway=gateway, kind="amount_mismatch", detail="x")


def test_reprocess_action_is_idempotent_and_forgives_only_age(seeded, admin_client, make_player, settings, audit):
    player = make_player()
    payment = Payment.objects.create(player=player, gateway=seeded, kind="deposit", amount=2500, currency="EUR")
    payment_transition(payment_id=payment.pk, to=PaymentStatus.PENDING, gateway_reference="sbx_1")
    body = json.dumps(
        {
            "id": "evt-1",
            "type": "payment.succeeded",
            "data": {"payment_id": str(payment.pk), "gateway_reference": "sbx_1", "amount": "25.00", "currency": "EUR"},
        }
    ).encode()
    old = signature_header(settings.SANDBOX_WEBHOOK_SECRET, body, timestamp=1_000_000_000)
    delivery = webhook_delivery_record(
        gateway_code="sandbox", headers={"X-Sandbox-Signature": old}, body=body, source_address="127.0.0.1"
    )
    forged = webhook_delivery_record(
        gateway_code="sandbox", headers={"X-Sandbox-Signature": "t=1,v1=00"}, body=body, source_address="127.0.0.1"
    )
    for _ in range(2):
        response = admin_client.post(
            "/admin/payments/webhookdelivery/",
            {"action": "reprocess", "_selected_action": [delivery.pk, forged.pk]},
        )
        assert response.status_code == 302
    assert wallet_of(player).balance == 2500
    assert WebhookDelivery.objects.get(pk=delivery.pk).outcome == "processed"
    assert WebhookDelivery.objects.get(pk=forged.pk).signature_verdict == "invalid"
    audit()


def test_review_resolution_asks_then_credits_what_the_gateway_reported(seeded, admin_client, make_player, audit):
    from core.audit.models import StaffAction
    from payments.models import PaymentAnomaly
    from payments.services.transitions import payment_outcome_apply

    player = make_player()
    payment = Payment.objects.create(player=player, gateway=seeded, kind="deposit", amount=700, currency="EUR")
    payment_transition(payment_id=payment.pk, to=PaymentStatus.PENDING, reason="taken")
    payment_outcome_apply(payment_id=payment.pk, outcome="succeeded", amount=650, currency="EUR", source="webhook")
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REVIEW
    action = {"action": "resolve_review_succeeded", "_selected_action": [payment.pk]}

    asked = admin_client.post("/admin/payments/payment/", action)
    assert asked.status_code == 200 and "I have checked this and confirm it" in asked.content.decode()
    assert wallet_of(player).balance == 0  # nothing moves before the confirmation
    unconfirmed = admin_client.post("/admin/payments/payment/", {**action, "confirmation": "yes", "note": "ok"})
    assert unconfirmed.status_code == 200 and wallet_of(player).balance == 0

    response = admin_client.post(
        "/admin/payments/payment/", {**action, "confirmation": "yes", "confirm": "on", "note": "bank shows 6.50"}
    )
    assert response.status_code == 302
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED
    assert wallet_of(player).balance == 650  # what the gateway reported, not what the player asked for
    assert not PaymentAnomaly.objects.filter(payment=payment, resolved=False).exists()
    assert StaffAction.objects.get(action="payment.review.succeeded").reason == "bank shows 6.50"
    audit()


def test_review_needs_its_own_permission(seeded, client, make_player, staff):
    player = make_player()
    payment = Payment.objects.create(player=player, gateway=seeded, kind="deposit", amount=700, currency="EUR")
    payment_transition(payment_id=payment.pk, to=PaymentStatus.REVIEW, reason="amount disagreed")
    client.force_login(staff("support"))  # (the groups come from the migration, as in production)
    page = client.get("/admin/payments/payment/").content.decode()
    assert "resolve_review_succeeded" not in page
    client.post("/admin/payments/payment/", {"action": "resolve_review_succeeded", "_selected_action": [payment.pk],
                                             "confirmation": "yes", "confirm": "on", "note": "x"})  # fmt: skip
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REVIEW


def test_withdrawal_hold_is_visible_to_staff(seeded, make_player, fund, api):
    player = make_player(kyc_status="verified")
    fund(player, 1000)
    # The gateway is unreachable (SITE_URL and base URL point nowhere): the payout waits in `created`.
    response = post_order(api(player), "withdrawals", amount="5.00")
    assert response.status_code == 201
    assert wallet_of(player).held == 500


def test_gateway_added_in_the_admin_keeps_pem_newlines(db, admin_client, tmp_path):
    from tests.support.tls import make_pki

    pki = make_pki(tmp_path)
    PEM = pki.client_key_pem
    page = admin_client.get("/admin/payments/gateway/add/").content.decode()
    assert '<textarea name="tls_client_key"' in page and 'type="password" name="webhook_secret"' in page
    response = admin_client.post(
        "/admin/payments/gateway/add/",
        {
            "code": "acme",
            "name": "Acme Pay",
            "protocol": "rest_json",
            "adapter": "sandbox_rest",
            "base_url": "https://acme.invalid/",
            "enabled": "on",
            "webhook_secret": "acme-secret",
            "tls_client_key": PEM.replace("\n", "\r\n"),  # as a browser sends a textarea
            "tls_client_cert": pki.client_cert_pem,
            "currencies": '["EUR"]',
            "min_amount": "1",
            "connect_timeout": "3",
            "read_timeout": "10",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    gateway = Gateway.objects.get(code="acme")
    assert gateway.tls_client_key == PEM and gateway.webhook_secret == "acme-secret"
    assert "acme-secret" not in admin_client.get(f"/admin/payments/gateway/{gateway.pk}/change/").content.decode()


def test_gateway_adapter_must_be_registered(db, admin_client):
    response = admin_client.post(
        "/admin/payments/gateway/add/",
        {"code": "x", "name": "X", "protocol": "rest_json", "adapter": "nope", "base_url": "https://x.invalid/"},
    )
    assert response.status_code == 200
    assert "adapter" in response.context["adminform"].form.errors


def _staff(django_user_model, *codenames):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username=f"staff-{len(codenames)}", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_view_only_staff_cannot_resolve_a_payment_or_reprocess_a_delivery(
    seeded, client, django_user_model, make_player, audit
):
    player = make_player()
    payment = Payment.objects.create(player=player, gateway=seeded, kind="deposit", amount=700, currency="EUR")
    payment_transition(payment_id=payment.pk, to=PaymentStatus.REVIEW, reason="amount disagreed")
    client.force_login(_staff(django_user_model, "view_payment", "view_webhookdelivery"))

    page = client.get("/admin/payments/payment/").content.decode()
    client.post("/admin/payments/payment/", {"action": "resolve_review_succeeded", "_selected_action": [payment.pk]})
    deliveries = client.get("/admin/payments/webhookdelivery/").content.decode()

    assert "resolve_review_succeeded" not in page and "reprocess" not in deliveries
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REVIEW
    assert wallet_of(player).balance == 0
    audit()


def test_staff_with_the_review_permission_resolve_payments(seeded, client, django_user_model, make_player, audit):
    player = make_player()
    payment = Payment.objects.create(player=player, gateway=seeded, kind="deposit", amount=700, currency="EUR")
    payment_transition(payment_id=payment.pk, to=PaymentStatus.REVIEW, reason="amount disagreed")
    client.force_login(_staff(django_user_model, "view_payment", "review_payment"))

    action = {"action": "resolve_review_failed", "_selected_action": [payment.pk]}
    # The review asks for a note and a confirmation first (core.admin_actions.confirmed).
    client.post("/admin/payments/payment/", {**action, "confirmation": "yes", "confirm": "on", "note": "declined"})

    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.FAILED
    audit()


def test_a_gateway_over_plain_http_is_refused_outside_the_sandbox(db, admin_client, settings):
    settings.SANDBOX_MODE = False
    response = admin_client.post(
        "/admin/payments/gateway/add/",
        {"code": "x", "name": "X", "protocol": "rest_json", "adapter": "sandbox_rest", "base_url": "http://x.invalid/"},
    )
    assert response.status_code == 200
    assert "base_url" in response.context["adminform"].form.errors


def test_payments_and_anomalies_show_amounts_in_major_units(seeded, admin_client, make_player):
    from payments.models import PaymentAnomaly
    from payments.services.transitions import payment_outcome_apply

    payment = Payment.objects.create(player=make_player(), gateway=seeded, kind="deposit", amount=4000, currency="EUR")
    payment_transition(payment_id=payment.pk, to=PaymentStatus.PENDING, reason="taken")
    payment_outcome_apply(payment_id=payment.pk, outcome="succeeded", amount=3500, currency="EUR", source="webhook")
    anomaly = PaymentAnomaly.objects.get(payment=payment)
    assert anomaly.detail == "webhook reported succeeded for 35.00 EUR; the payment is 40.00 EUR."

    listing = admin_client.get("/admin/payments/paymentanomaly/").content.decode()
    assert '<td class="field-payment_amount">40.00 EUR</td>' in listing
    assert '<td class="field-reported_amount">35.00 EUR</td>' in listing
    detail = admin_client.get(f"/admin/payments/paymentanomaly/{anomaly.pk}/change/").content.decode()
    assert '<div class="readonly">40.00 EUR</div>' in detail and '<div class="readonly">35.00 EUR</div>' in detail
    payments = admin_client.get("/admin/payments/payment/").content.decode()
    assert '<td class="field-amount_money">40.00 EUR</td>' in payments
    page = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    assert '<div class="readonly">40.00 EUR</div>' in page and '<div class="readonly">4000</div>' not in page
