"""The SOAP sandbox gateway (sandbox mode only): CreateDeposit, CreatePayout, GetPaymentStatus, GetSettlementReport
(the same pages as the REST sandbox's report, of its own payments), and the sandbox-only CompletePayment, served by
sandbox.soap.soap_view against the bundled XSD. In tests it runs behind a TLS server that requires the platform's
client certificate; for demos it answers plain HTTP."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from lxml import etree

from core.money import MoneyError, to_major, to_minor
from payments.adapters.soap_xml.adapter import XSD_PATH
from sandbox.gateway.services import (
    SandboxNotFound,
    SandboxRefusal,
    sandbox_payment_complete,
    sandbox_payment_create,
    sandbox_payment_get,
    sandbox_settlement_page,
)
from sandbox.models import SandboxGatewayPayment
from sandbox.site import sandbox_partners_url
from sandbox.soap import SoapFault, soap_view

NS = "urn:casino:soap-gateway:v1"


def _text(element, name: str) -> str | None:
    child = element.find(f"{{{NS}}}{name}")
    return None if child is None else (child.text or "")


def _state(tag: str, payment: SandboxGatewayPayment) -> etree._Element:
    answer = etree.Element(f"{{{NS}}}{tag}", nsmap={None: NS})
    settled = payment.status != SandboxGatewayPayment.Status.PENDING
    currency = payment.settled_currency if settled else payment.currency
    amount = payment.settled_amount if settled else payment.amount
    for name, value in (
        ("Reference", payment.reference),
        ("MerchantReference", payment.merchant_reference),
        ("Status", payment.status),
        ("Amount", to_major(amount, currency)),
        ("Currency", currency),
    ):
        etree.SubElement(answer, f"{{{NS}}}{name}").text = value
    if payment.kind == "deposit":
        checkout = sandbox_partners_url() + reverse("sandbox-gateway-checkout", args=[payment.reference])
        etree.SubElement(answer, f"{{{NS}}}RedirectUrl").text = checkout
    return answer


def _create(kind: str, tag: str):
    def handler(request: etree._Element) -> etree._Element:
        currency = _text(request, "Currency")
        try:
            payment = sandbox_payment_create(
                channel=SandboxGatewayPayment.Channel.SOAP,
                kind=kind,
                merchant_reference=_text(request, "MerchantReference"),
                amount=to_minor(_text(request, "Amount"), currency),
                currency=currency,
            )
        except MoneyError as exc:
            raise SoapFault(f"invalid amount: {exc}") from None
        except SandboxRefusal as exc:
            raise SoapFault(str(exc), detail="declined") from None
        return _state(tag, payment)

    return handler


def _status(request: etree._Element) -> etree._Element:
    try:
        return _state("GetPaymentStatusResponse", sandbox_payment_get(reference=_text(request, "Reference")))
    except SandboxNotFound:
        raise SoapFault("no such payment") from None


def _settlement_report(request: etree._Element) -> etree._Element:
    cursor = _text(request, "Cursor") or ""
    try:
        day = date.fromisoformat(_text(request, "Date")) if _text(request, "Date") else None
        page, next_cursor = sandbox_settlement_page(channel=SandboxGatewayPayment.Channel.SOAP, day=day, cursor=cursor)
    except ValueError as exc:
        raise SoapFault(f"invalid report request: {exc}") from None
    answer = etree.Element(f"{{{NS}}}GetSettlementReportResponse", nsmap={None: NS})
    for payment in page:
        item = etree.SubElement(answer, f"{{{NS}}}Payment")
        for name, value in (
            ("Reference", payment.reference),
            ("MerchantReference", payment.merchant_reference),
            ("Kind", payment.kind),
            ("Status", payment.status),
            ("Amount", to_major(payment.settled_amount, payment.settled_currency)),
            ("Currency", payment.settled_currency),
            ("CompletedAt", payment.completed_at.isoformat()),
        ):
            etree.SubElement(item, f"{{{NS}}}{name}").text = value
    if next_cursor:
        etree.SubElement(answer, f"{{{NS}}}NextCursor").text = next_cursor
    return answer


def _complete(request: etree._Element) -> etree._Element:
    reference = _text(request, "Reference")
    amount, currency = _text(request, "Amount"), _text(request, "Currency")
    try:
        payment = sandbox_payment_get(reference=reference)
        minor = to_minor(amount, currency or payment.currency) if amount is not None else None
        payment = sandbox_payment_complete(
            reference=reference, outcome=_text(request, "Outcome"), amount=minor, currency=currency
        )
    except (SandboxNotFound, SandboxRefusal, MoneyError) as exc:
        raise SoapFault(str(exc) or "no such payment") from None
    return _state("CompletePaymentResponse", payment)


gateway_view = soap_view(
    xsd_path=XSD_PATH,
    handlers={
        "CreateDepositRequest": _create("deposit", "CreateDepositResponse"),
        "CreatePayoutRequest": _create("payout", "CreatePayoutResponse"),
        "GetPaymentStatusRequest": _status,
        "GetSettlementReportRequest": _settlement_report,
        "CompletePaymentRequest": _complete,
    },
)
