"""Recorded payloads of each gateway message type, checked against the adapters' schemas and parsers."""

import json
from pathlib import Path

import pytest
from lxml import etree

from payments.adapters.sandbox_rest.adapter import SCHEMAS, SandboxRestAdapter, signature_header
from payments.adapters.soap_xml.adapter import XSD_PATH
from payments.errors import ValidationFailed, WebhookInvalidSignature, WebhookStaleSignature
from payments.interface import EventType
from payments.models import Gateway

FIXTURES = Path(__file__).parent / "fixtures"
SOAP_ENV = "{http://schemas.xmlsoap.org/soap/envelope/}"


def _adapter(secret="whsec-current", previous=""):
    return SandboxRestAdapter(Gateway(code="sandbox", webhook_secret=secret, previous_webhook_secret=previous))


@pytest.mark.parametrize("name", ["payment_created", "payout_created", "payment_status_succeeded"])
def test_rest_answers_match_the_schema(name):
    answer = json.loads((FIXTURES / "sandbox_rest" / f"{name}.json").read_text())
    assert SCHEMAS.errors("payment", answer) == {}
    assert SCHEMAS.errors("payment", {**answer, "amount": 25}) != {}
    assert SCHEMAS.errors("payment", {**answer, "status": "paid"}) != {}


@pytest.mark.parametrize(
    ("name", "event_type", "amount"),
    [
        ("webhook_payment_succeeded", EventType.PAYMENT_SUCCEEDED, 2500),
        ("webhook_payment_failed", "payment.failed", 4000),
    ],
)
def test_rest_webhooks_parse(name, event_type, amount):
    body = (FIXTURES / "sandbox_rest" / f"{name}.json").read_bytes()
    event = _adapter().verify_and_parse_webhook({"x-sandbox-signature": signature_header("whsec-current", body)}, body)
    assert (event.type, event.amount, event.currency) == (event_type, amount, "EUR")
    assert event.event_id.startswith("evt_") and event.gateway_reference.startswith("sbx_")


def test_rest_webhook_signature_rules():
    body = (FIXTURES / "sandbox_rest" / "webhook_payment_succeeded.json").read_bytes()
    rotating = _adapter(secret="whsec-new", previous="whsec-current")
    assert rotating.verify_and_parse_webhook({"X-Sandbox-Signature": signature_header("whsec-current", body)}, body)
    with pytest.raises(WebhookInvalidSignature):
        _adapter().verify_and_parse_webhook({"X-Sandbox-Signature": signature_header("other", body)}, body)
    with pytest.raises(WebhookInvalidSignature):  # a signature of another body
        _adapter().verify_and_parse_webhook({"X-Sandbox-Signature": signature_header("whsec-current", b"{}")}, body)
    with pytest.raises(WebhookInvalidSignature):
        _adapter().verify_and_parse_webhook({"X-Sandbox-Signature": "v1=abc"}, body)
    old = {"X-Sandbox-Signature": signature_header("whsec-current", body, timestamp=1_700_000_000)}
    with pytest.raises(WebhookStaleSignature):
        _adapter().verify_and_parse_webhook(old, body)
    assert _adapter().verify_and_parse_webhook(old, body, check_freshness=False).amount == 2500
    with pytest.raises(ValidationFailed):
        bad = body.replace(b'"25.00"', b"25")
        _adapter().verify_and_parse_webhook({"X-Sandbox-Signature": signature_header("whsec-current", bad)}, bad)


@pytest.mark.parametrize("name", ["create_deposit_response", "get_payment_status_response"])
def test_soap_answers_match_the_xsd(name):
    schema = etree.XMLSchema(etree.parse(str(XSD_PATH)))
    body = etree.parse(str(FIXTURES / "soap_xml" / f"{name}.xml")).getroot().find(f"{SOAP_ENV}Body")[0]
    assert schema.validate(body), schema.error_log
    body.find("{urn:casino:soap-gateway:v1}Status").text = "paid"
    assert not schema.validate(body)


def test_soap_fault_fixture_is_a_client_fault():
    fault = etree.parse(str(FIXTURES / "soap_xml" / "fault_declined.xml")).getroot().find(f"{SOAP_ENV}Body")[0]
    assert fault.tag == f"{SOAP_ENV}Fault" and fault.findtext("faultcode") == "soap:Client"
