"""The SOAP/XML gateway adapter: zeep from the bundled WSDL, every body validated against the bundled XSD both
ways, mutual TLS from the Gateway row, and calls run through OutboundClient (breaker, metrics, error classes).

This gateway reports outcomes only by status polling; it sends no webhooks.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from zeep.helpers import serialize_object

from core.money import to_major
from core.outbound import PartnerRejected, PartnerUnavailable
from core.soap import soap_call
from payments.interface import (
    GatewayAcceptance,
    GatewayAdapter,
    GatewaySettlementReport,
    GatewayStatus,
    PaymentOrder,
)

WSDL_PATH = Path(__file__).parent / "wsdl" / "gateway.wsdl"
XSD_PATH = Path(__file__).parent / "wsdl" / "gateway.xsd"


class SoapXmlAdapter(GatewayAdapter):
    def _call(self, operation: str, **message) -> dict:
        service = self.gateway.soap_service(wsdl_path=WSDL_PATH, xsd_path=XSD_PATH)
        answer = soap_call(self.gateway.outbound_client(), operation, lambda: getattr(service, operation)(**message))
        return dict(serialize_object(answer))

    def _state(self, answer: dict, *, payment_id: str) -> GatewayStatus:
        """The answer passed the XSD already; it must also be about our payment and carry a valid amount."""
        if answer.get("MerchantReference") != payment_id:
            raise PartnerUnavailable(f"gateway {self.gateway.code}: answer is about another payment")
        return self.answered_status(
            reference=answer["Reference"], status=answer["Status"], amount=answer["Amount"], currency=answer["Currency"]
        )

    def _create(self, operation: str, order: PaymentOrder) -> GatewayAcceptance:
        answer = self._call(
            operation,
            MerchantReference=order.payment_id,
            Amount=to_major(order.amount, order.currency),
            Currency=order.currency,
            CustomerId=order.player_id,
        )
        state = self._state(answer, payment_id=order.payment_id)
        if (state.amount, state.currency) != (order.amount, order.currency):
            raise PartnerUnavailable(f"gateway {self.gateway.code}: answer names another amount")
        return GatewayAcceptance(
            reference=state.reference, outcome=state.outcome, redirect_url=answer.get("RedirectUrl") or ""
        )

    def create_deposit(self, order: PaymentOrder) -> GatewayAcceptance:
        return self._create("CreateDeposit", order)

    def create_payout(self, order: PaymentOrder) -> GatewayAcceptance:
        return self._create("CreatePayout", order)

    def fetch_status(self, *, reference: str, payment_id: str, kind: str) -> GatewayStatus:
        if not reference:
            # GetPaymentStatus takes only the gateway's own reference: nothing to ask with.
            raise PartnerRejected(f"gateway {self.gateway.code}: looks payments up by its own reference only")
        return self._state(self._call("GetPaymentStatus", Reference=reference), payment_id=payment_id)

    def settlement_report(self, *, day: date | None, cursor: str = "") -> GatewaySettlementReport:
        answer = self._call("GetSettlementReport", Date=day, Cursor=cursor or None)
        lines = [
            self.reported_line(
                payment_id=item["MerchantReference"], reference=item["Reference"], status=item["Status"],
                kind="withdrawal" if item["Kind"] == "payout" else "deposit", amount=item["Amount"],
                currency=item["Currency"],
            )
            for item in answer.get("Payment") or []
        ]  # fmt: skip
        return GatewaySettlementReport(lines=lines, next_cursor=answer.get("NextCursor") or "")
