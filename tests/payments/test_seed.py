"""The sandbox seed services: both gateways, secrets from settings, idempotent."""

from django.core.management import call_command

from payments.models import Gateway


def test_sandbox_seed_creates_both_gateways(db, settings, tmp_path, monkeypatch):
    settings.SITE_URL = "http://127.0.0.1:8123"
    monkeypatch.setattr("sandbox.management.commands.sandbox_seed.VAR_DIR", tmp_path)
    call_command("sandbox_seed")
    call_command("sandbox_seed")
    rest, soap = Gateway.objects.get(code="sandbox"), Gateway.objects.get(code="sandbox_soap")
    assert rest.base_url == "http://127.0.0.1:8123/sandbox/gateway/"
    assert rest.webhook_secret == settings.SANDBOX_WEBHOOK_SECRET and rest.currencies == ["EUR", "USD"]
    assert (soap.protocol, soap.adapter, soap.base_url) == (
        "soap_xml",
        "soap_xml",
        "http://127.0.0.1:8123/sandbox/soap-gateway/",
    )
    assert Gateway.objects.count() == 2
