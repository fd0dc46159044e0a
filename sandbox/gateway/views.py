"""The REST sandbox gateway's vendor-style API, its checkout page and its control endpoint (sandbox mode only).

The API checks the platform's HMAC signature (core.signing, key from SANDBOX_GATEWAY_KEY_ID/SECRET). The checkout
page and the control endpoint play the payer: they are open, as a vendor's hosted page would be.
"""

from __future__ import annotations

import json
import time
from datetime import date

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import SignatureError
from core.money import MoneyError, to_major, to_minor
from sandbox.gateway.services import (
    SandboxDuplicate,
    SandboxNotFound,
    SandboxRefusal,
    sandbox_payment_by_merchant_reference,
    sandbox_payment_complete,
    sandbox_payment_create,
    sandbox_payment_get,
    sandbox_settlement_page,
)
from sandbox.models import SandboxGatewayPayment
from sandbox.signature import platform_call_verify


def _vendor_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _payment_json(request, payment: SandboxGatewayPayment) -> dict:
    body = {
        "reference": payment.reference,
        "kind": payment.kind,
        "status": payment.status,
        "amount": to_major(payment.amount, payment.currency),
        "currency": payment.currency,
        "merchant_reference": payment.merchant_reference,
    }
    if payment.status != SandboxGatewayPayment.Status.PENDING:
        body["amount"] = to_major(payment.settled_amount, payment.settled_currency)
        body["currency"] = payment.settled_currency
    if payment.kind == "deposit":
        body["redirect_url"] = request.build_absolute_uri(reverse("sandbox-gateway-checkout", args=[payment.reference]))
    return body


def _authenticated(request) -> None:
    platform_call_verify(
        request,
        key_id=settings.SANDBOX_GATEWAY_KEY_ID,
        secret=settings.SANDBOX_GATEWAY_SECRET,
        nonce_scope="sandbox-gateway",
    )


def _create(request, kind: str):
    try:
        _authenticated(request)
    except SignatureError as exc:
        return _vendor_error(401, exc.code, exc.detail)
    try:
        order = json.loads(request.body)
        currency = str(order["currency"])
        payment = sandbox_payment_create(
            channel=SandboxGatewayPayment.Channel.REST,
            kind=kind,
            merchant_reference=str(order["merchant_reference"])[:255],
            amount=to_minor(str(order["amount"]), currency),
            currency=currency,
            callback_url=str(order.get("callback_url", ""))[:500],
            refuse_duplicate=kind == "payout" and settings.SANDBOX_GATEWAY_REFUSE_DUPLICATE_PAYOUTS,
        )
    except (ValueError, KeyError, TypeError, MoneyError) as exc:
        return _vendor_error(400, "bad_request", f"invalid order: {exc}")
    except SandboxDuplicate as exc:
        return _vendor_error(409, "duplicate_reference", str(exc))
    except SandboxRefusal as exc:
        return _vendor_error(422, "declined", str(exc))
    if kind == "payout" and settings.SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY:
        # The payout is taken (committed); the answer is late, so a caller's read timeout leaves it unknown to them.
        time.sleep(settings.SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY)
    return JsonResponse(_payment_json(request, payment), status=201)


@csrf_exempt
@require_http_methods(["POST"])
def payment_create(request):
    return _create(request, "deposit")


@csrf_exempt
@require_http_methods(["POST"])
def payout_create(request):
    return _create(request, "payout")


@require_http_methods(["GET"])
def payment_status(request, reference: str):
    try:
        _authenticated(request)
    except SignatureError as exc:
        return _vendor_error(401, exc.code, exc.detail)
    try:
        payment = sandbox_payment_get(reference=reference)
    except SandboxNotFound:
        return _vendor_error(404, "not_found", "no such payment")
    return JsonResponse(_payment_json(request, payment))


@require_http_methods(["GET"])
def payment_by_merchant_reference(request, kind: str, merchant_reference: str):
    """The vendor's lookup by the merchant's own reference (for an order whose answer the merchant never got)."""
    try:
        _authenticated(request)
    except SignatureError as exc:
        return _vendor_error(401, exc.code, exc.detail)
    try:
        payment = sandbox_payment_by_merchant_reference(
            channel=SandboxGatewayPayment.Channel.REST, kind=kind, merchant_reference=merchant_reference
        )
    except SandboxNotFound:
        return _vendor_error(404, "not_found", "no such payment")
    return JsonResponse(_payment_json(request, payment))


@require_http_methods(["GET"])
def settlement_report(request):
    """The vendor's settlement report: payments and payouts completed on ?date=YYYY-MM-DD (UTC; every day without it),
    oldest first, paged by ?cursor=."""
    try:
        _authenticated(request)
    except SignatureError as exc:
        return _vendor_error(401, exc.code, exc.detail)
    try:
        day = date.fromisoformat(request.GET["date"]) if request.GET.get("date") else None
        page, next_cursor = sandbox_settlement_page(
            channel=SandboxGatewayPayment.Channel.REST, day=day, cursor=request.GET.get("cursor", "")
        )
    except ValueError as exc:
        return _vendor_error(400, "bad_request", str(exc))
    items = [_payment_json(request, payment) | {"completed_at": payment.completed_at.isoformat()} for payment in page]
    return JsonResponse({"items": items, "next_cursor": next_cursor or None})


@csrf_exempt
@require_http_methods(["POST"])
def control_complete(request, reference: str):
    """For tests and demos: {"outcome": "succeeded"|"failed", "amount"?, "currency"?, "notify"?: true}."""
    try:
        command = json.loads(request.body or b"{}")
        currency = command.get("currency")
        amount = command.get("amount")
        payment = sandbox_payment_get(reference=reference)
        minor = to_minor(str(amount), currency or payment.currency) if amount is not None else None
        payment = sandbox_payment_complete(
            reference=reference,
            outcome=str(command.get("outcome", "")),
            amount=minor,
            currency=currency,
            notify=bool(command.get("notify", True)),
        )
    except SandboxNotFound:
        return _vendor_error(404, "not_found", "no such payment")
    except (ValueError, TypeError, AttributeError, MoneyError, SandboxRefusal) as exc:
        return _vendor_error(400, "bad_request", str(exc))
    payment.refresh_from_db()
    return JsonResponse({**_payment_json(request, payment), "webhook_attempts": payment.webhook_attempts})


_CHECKOUT = """<!doctype html><html><head><meta charset="utf-8"><title>Sandbox checkout</title></head>
<body style="font-family: sans-serif; max-width: 30em; margin: 3em auto">
<h1>Sandbox checkout</h1><p>Pay <strong>{} {}</strong> (reference {}).</p><p>Status: <strong>{}</strong></p>
<form method="post"><button name="outcome" value="succeeded">Pay</button>
<button name="outcome" value="failed">Decline</button></form></body></html>"""


@csrf_exempt  # the vendor's hosted page: no platform session or cookie is involved
@require_http_methods(["GET", "POST"])
def checkout(request, reference: str):
    try:
        payment = sandbox_payment_get(reference=reference)
        if request.method == "POST":
            payment = sandbox_payment_complete(reference=reference, outcome=request.POST.get("outcome", ""))
    except SandboxNotFound:
        return HttpResponse("No such payment.", status=404, content_type="text/plain")
    except SandboxRefusal as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    html = format_html(
        _CHECKOUT, to_major(payment.amount, payment.currency), payment.currency, payment.reference, payment.status
    )
    return HttpResponse(html)
