"""The one interface every payment gateway adapter implements, and the platform's own small dataclasses it speaks.

Amounts are integers of minor units. Adapters translate and sign; they never touch the ledger. Whatever comes back
from a gateway is validated by the adapter (JSON Schema, XSD) before it is returned as one of these dataclasses.
Errors: core.outbound's PartnerUnavailable / PartnerTimeout / PartnerRejected for calls, and payments.errors'
WebhookInvalidSignature / WebhookStaleSignature / ValidationFailed for webhooks.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import MoneyError, to_minor
from core.outbound import PartnerPayloadInvalid, PartnerRejected, PartnerUnavailable


class GatewayPaymentUnknown(PartnerRejected):
    """fetch_status: the gateway answered that it has no payment under that reference (it never took the order)."""


class GatewayOutcome(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class EventType(enum.StrEnum):
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"


@dataclass(frozen=True)
class PaymentOrder:
    """What the platform asks a gateway to do (a deposit to collect, or a payout to send)."""

    payment_id: str
    player_id: str
    amount: int
    currency: str
    callback_url: str = ""  # where the gateway should send its webhooks, if it sends any


@dataclass(frozen=True)
class GatewayAcceptance:
    """The gateway took the order: its reference, and for a deposit where to send the player."""

    reference: str
    outcome: GatewayOutcome = GatewayOutcome.PENDING
    redirect_url: str = ""


@dataclass(frozen=True)
class GatewayStatus:
    """What the gateway says about one payment when asked."""

    reference: str
    outcome: GatewayOutcome
    amount: int
    currency: str


@dataclass(frozen=True)
class GatewayEvent:
    """A verified, schema-valid webhook event."""

    event_id: str
    type: EventType
    payment_id: str
    gateway_reference: str
    amount: int
    currency: str

    @property
    def outcome(self) -> GatewayOutcome:
        return GatewayOutcome.SUCCEEDED if self.type == EventType.PAYMENT_SUCCEEDED else GatewayOutcome.FAILED


class ReportsUnsupported(PartnerRejected):
    """The gateway publishes no settlement report this adapter can read."""


@dataclass(frozen=True)
class GatewaySettlementLine:
    """One payment or payout the gateway says it completed."""

    payment_id: str  # our reference (the merchant reference)
    reference: str  # the gateway's
    kind: str  # deposit or withdrawal (the platform's words)
    outcome: GatewayOutcome
    amount: int
    currency: str


@dataclass(frozen=True)
class GatewaySettlementReport:
    lines: list[GatewaySettlementLine]
    next_cursor: str = ""


class GatewayAdapter(abc.ABC):
    """Built by payments.registry from a Gateway row."""

    def __init__(self, gateway):
        self.gateway = gateway

    @abc.abstractmethod
    def create_deposit(self, order: PaymentOrder) -> GatewayAcceptance: ...

    @abc.abstractmethod
    def create_payout(self, order: PaymentOrder) -> GatewayAcceptance:
        """Must be idempotent on `order.payment_id`: the platform retries after an unknown outcome."""

    @abc.abstractmethod
    def fetch_status(self, *, reference: str, payment_id: str, kind: str) -> GatewayStatus:
        """The payment's state at the gateway. Without `reference` (the gateway's answer to a submission never came),
        look it up by `payment_id`, our reference, and raise GatewayPaymentUnknown if the gateway has no such order;
        a gateway that cannot look up by our reference raises PartnerRejected."""

    def answered_status(self, *, reference: str, status: str, amount: str | Decimal, currency: str) -> GatewayStatus:
        """A payment's state as the gateway answered it (schema-checked already); an amount that is no money in its
        currency means the gateway cannot be believed: PartnerUnavailable."""
        try:
            minor = to_minor(amount, currency)
        except MoneyError as exc:
            raise PartnerUnavailable(f"gateway {self.gateway.code}: bad amount in answer: {exc}") from None
        return GatewayStatus(reference=reference, outcome=GatewayOutcome(status), amount=minor, currency=currency)

    def reported_line(
        self, *, payment_id: str, reference: str, kind: str, status: str, amount: str | Decimal, currency: str
    ) -> GatewaySettlementLine:
        """A settlement report's line as the gateway wrote it (schema-checked already; `kind` in the platform's words);
        an amount that is no money in its currency makes the report unbelievable: PartnerPayloadInvalid."""
        try:
            minor = to_minor(amount, currency)
        except MoneyError as exc:
            raise PartnerPayloadInvalid(f"gateway {self.gateway.code}: bad amount in report: {exc}") from None
        return GatewaySettlementLine(payment_id=payment_id, reference=reference, kind=kind,
                                     outcome=GatewayOutcome(status), amount=minor, currency=currency)  # fmt: skip

    def settlement_report(self, *, day: date | None, cursor: str = "") -> GatewaySettlementReport:
        """One page of the gateway's settlement report for a UTC day (every day when None), after `cursor`."""
        raise ReportsUnsupported(f"gateway {self.gateway.code}: no settlement report in this adapter")

    def verify_and_parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, *, check_freshness: bool = True
    ) -> GatewayEvent:
        """Verify the vendor's signature and parse the event. Gateways that only report by polling refuse all."""
        from payments.errors import WebhookInvalidSignature

        raise WebhookInvalidSignature("This gateway does not send webhooks.")
