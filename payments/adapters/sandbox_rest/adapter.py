"""The REST sandbox gateway's adapter: HMAC-signed JSON calls through OutboundClient, answers checked against
JSON Schemas, and its webhook signature `X-Sandbox-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from core.money import MoneyError, to_major, to_minor
from core.outbound import PartnerPayloadInvalid, PartnerRejected, PartnerUnavailable
from core.schemas import SchemaDirectory
from core.signing import any_signature_matches, check_timestamp, hmac_hex
from payments.errors import ValidationFailed, WebhookInvalidSignature, WebhookStaleSignature
from payments.interface import (
    EventType,
    GatewayAcceptance,
    GatewayAdapter,
    GatewayEvent,
    GatewayPaymentUnknown,
    GatewaySettlementReport,
    GatewayStatus,
    PaymentOrder,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
SCHEMAS = SchemaDirectory(Path(__file__).parent / "schemas")


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The sandbox's signature header for `body` (the sandbox uses it to sign; tests to forge or replay)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={hmac_hex(secret, str(ts).encode() + b'.' + body)}"


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), "")


class SandboxRestAdapter(GatewayAdapter):
    def _believed(self, answer) -> dict:
        errors = SCHEMAS.errors("payment", answer)
        if errors:
            # A gateway answering nonsense did not do what we asked as far as we can tell: treat as unavailable.
            raise PartnerPayloadInvalid(f"gateway {self.gateway.code}: answer does not match the schema: {errors}")
        return answer

    def _status(self, answer: dict) -> GatewayStatus:
        return self.answered_status(
            reference=answer["reference"], status=answer["status"], amount=answer["amount"], currency=answer["currency"]
        )

    def _create(self, path: str, operation: str, order: PaymentOrder) -> GatewayAcceptance:
        answer = self.gateway.outbound_client().request(
            "POST",
            path,
            operation=operation,
            json={
                "merchant_reference": order.payment_id,
                "amount": to_major(order.amount, order.currency),
                "currency": order.currency,
                "customer_id": order.player_id,
                "callback_url": order.callback_url,
            },
            parse=self._believed,
        )
        status = self._status(answer)
        if answer["merchant_reference"] != order.payment_id or (status.amount, status.currency) != (
            order.amount,
            order.currency,
        ):
            raise PartnerUnavailable(f"gateway {self.gateway.code}: answer is about another payment")
        return GatewayAcceptance(
            reference=status.reference, outcome=status.outcome, redirect_url=answer.get("redirect_url", "")
        )

    def create_deposit(self, order: PaymentOrder) -> GatewayAcceptance:
        return self._create("api/payments", "create_deposit", order)

    def create_payout(self, order: PaymentOrder) -> GatewayAcceptance:
        return self._create("api/payouts", "create_payout", order)

    def fetch_status(self, *, reference: str, payment_id: str, kind: str) -> GatewayStatus:
        if reference:
            path = f"api/payments/{reference}"
        else:  # by our reference: the gateway's answer to the submission never arrived
            path = f"api/{'payouts' if kind == 'withdrawal' else 'payments'}/by-merchant-reference/{payment_id}"
        try:
            answer = self.gateway.outbound_client().request("GET", path, operation="fetch_status", parse=self._believed)
        except PartnerRejected as exc:
            if not reference and exc.status == 404:
                raise GatewayPaymentUnknown(
                    f"gateway {self.gateway.code}: no payment for merchant reference {payment_id}", status=404
                ) from None
            raise
        if answer["merchant_reference"] != payment_id:
            raise PartnerUnavailable(f"gateway {self.gateway.code}: status answer is about another payment")
        return self._status(answer)

    def settlement_report(self, *, day: date | None, cursor: str = "") -> GatewaySettlementReport:
        query = urlencode({k: v for k, v in (("date", day.isoformat() if day else ""), ("cursor", cursor)) if v})
        path = "api/reports/settlements" + (f"?{query}" if query else "")
        # Read inside the call, like every other answer: a report failing its schema counts against the gateway.
        return self.gateway.outbound_client().request(
            "GET", path, operation="settlement_report", parse=self._report_from
        )

    def _report_from(self, answer) -> GatewaySettlementReport:
        errors = SCHEMAS.errors("settlement_report", answer)
        if errors:
            raise PartnerPayloadInvalid(f"gateway {self.gateway.code}: report does not match the schema: {errors}")
        lines = [
            self.reported_line(
                payment_id=item["merchant_reference"], reference=item["reference"], status=item["status"],
                kind="withdrawal" if item["kind"] == "payout" else "deposit", amount=item["amount"],
                currency=item["currency"],
            )
            for item in answer["items"]
        ]  # fmt: skip
        return GatewaySettlementReport(lines=lines, next_cursor=answer.get("next_cursor") or "")

    def verify_and_parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, *, check_freshness: bool = True
    ) -> GatewayEvent:
        fields = dict(
            part.strip().split("=", 1) for part in _header(headers, SIGNATURE_HEADER).split(",") if "=" in part
        )
        timestamp, given = fields.get("t", ""), fields.get("v1", "")
        if not timestamp.isdigit() or not given:
            raise WebhookInvalidSignature(f"Missing or malformed {SIGNATURE_HEADER} header.")
        signed = timestamp.encode() + b"." + raw_body
        if not any_signature_matches((hmac_hex(s, signed) for s in self.gateway.webhook_secrets()), given.lower()):
            raise WebhookInvalidSignature("The signature does not match.")
        if check_freshness:
            check_timestamp(timestamp, stale=WebhookStaleSignature)
        try:
            document = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed("The body is not JSON.", errors={"body": ["Not valid JSON."]}) from None
        errors = SCHEMAS.errors("webhook_event", document)
        if errors:
            raise ValidationFailed("The body does not match the event schema.", errors=errors)
        data = document["data"]
        try:
            amount = to_minor(data["amount"], data["currency"])
        except MoneyError as exc:
            raise ValidationFailed(errors={f"data.{exc.field}": [str(exc)]}) from None
        return GatewayEvent(
            event_id=document["id"],
            type=EventType(document["type"]),
            payment_id=data["payment_id"],
            gateway_reference=data["gateway_reference"],
            amount=amount,
            currency=data["currency"],
        )
