"""A gateway's settlement report against the platform's payments and the ledger.

Lines are matched to payments by our own reference (the payment id the gateway got as merchant reference). For a
whole day, payments the gateway took and the platform completed that the report does not list are found too, and
the day's movement on the gateway's clearing account is checked against the report's totals.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Sum

from core.reconciliation import DiscrepancyKind, Finding
from ledger.models import AccountKind, Entry
from payments.interface import GatewayOutcome, GatewaySettlementLine
from payments.models import Gateway, Payment, PaymentKind, PaymentStatus


def _effect(kind: str, succeeded: bool, amount: int) -> int:
    """What a payment does to the player's wallet once final."""
    if not succeeded:
        return 0
    return amount if kind == PaymentKind.DEPOSIT else -amount


def gateway_report_compare(*, gateway: Gateway, lines: list[GatewaySettlementLine], day: date | None) -> list[Finding]:
    findings = []
    ids = []
    for line in lines:
        try:
            ids.append(uuid.UUID(line.payment_id))
        except ValueError:
            continue
    payments = {str(p.pk): p for p in Payment.objects.filter(gateway=gateway, pk__in=ids)}
    for line in lines:
        reference = f"payment:{line.payment_id}"
        reported = {"kind": line.kind, "status": str(line.outcome), "amount": line.amount, "currency": line.currency,
                    "reference": line.reference}  # fmt: skip
        payment = payments.get(line.payment_id)
        succeeded = line.outcome == GatewayOutcome.SUCCEEDED
        if payment is None:
            findings.append(Finding(DiscrepancyKind.MISSING_AT_PLATFORM, reference,
                                    "The gateway completed a payment the platform does not have.", partner=reported,
                                    currency=line.currency))  # fmt: skip
            continue
        platform = {"kind": payment.kind, "status": payment.status, "amount": payment.amount,
                    "currency": payment.currency, "reference": payment.gateway_reference}  # fmt: skip
        owed = _effect(payment.kind, succeeded, line.amount) - _effect(
            payment.kind, payment.status == PaymentStatus.SUCCEEDED, payment.amount
        )
        common = {"platform": platform, "partner": reported, "currency": line.currency, "player_id": payment.player_id}
        if line.currency != payment.currency:
            findings.append(Finding(DiscrepancyKind.CURRENCY_MISMATCH, reference, "The currency differs.", **common))
        elif line.amount != payment.amount:
            findings.append(Finding(DiscrepancyKind.AMOUNT_MISMATCH, reference, "The amount differs.", amount=owed,
                                    **common))  # fmt: skip
        elif str(line.outcome) != payment.status:
            findings.append(Finding(DiscrepancyKind.STATUS_MISMATCH, reference,
                                    f"The gateway has it {line.outcome}; the platform {payment.status}.", amount=owed,
                                    **common))  # fmt: skip
        elif succeeded and (payment.credit_transaction_id or payment.capture_transaction_id) is None:
            findings.append(Finding(DiscrepancyKind.AMOUNT_MISMATCH, reference,
                                    "The payment succeeded without a ledger transaction.", amount=owed,
                                    **common))  # fmt: skip
    if day is not None:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        # Only payments the gateway took (it gave a reference): one refused at the door is in no report.
        missing = Payment.objects.filter(
            gateway=gateway, status__in=[PaymentStatus.SUCCEEDED, PaymentStatus.FAILED], completed_at__gte=start,
            completed_at__lt=start + timedelta(days=1),
        ).exclude(gateway_reference="").exclude(pk__in=ids)  # fmt: skip
        for payment in missing:
            findings.append(Finding(
                DiscrepancyKind.MISSING_AT_PARTNER, f"payment:{payment.pk}",
                "The platform completed a payment the gateway's report does not list.",
                platform={"kind": payment.kind, "status": payment.status, "amount": payment.amount,
                          "currency": payment.currency},
                amount=-_effect(payment.kind, payment.status == PaymentStatus.SUCCEEDED, payment.amount),
                currency=payment.currency, player_id=payment.player_id,
            ))  # fmt: skip
        if not findings:
            findings += _ledger_total_compare(gateway, lines, start)
    return findings


def _ledger_total_compare(gateway: Gateway, lines: list[GatewaySettlementLine], start: datetime) -> list[Finding]:
    reported: dict[str, int] = defaultdict(int)
    for line in lines:
        reported[line.currency] -= _effect(line.kind, line.outcome == GatewayOutcome.SUCCEEDED, line.amount)
    booked = dict(
        Entry.objects.filter(
            account__kind=AccountKind.GATEWAY_CLEARING, account__code__startswith=f"gateway_clearing:{gateway.code}:",
            created_at__gte=start, created_at__lt=start + timedelta(days=1),
        ).values_list("currency").annotate(total=Sum("amount")).order_by()
    )  # fmt: skip
    return [
        Finding(
            DiscrepancyKind.AMOUNT_MISMATCH,
            f"ledger:gateway_clearing:{gateway.code}:{currency}",
            "The day's movement on the gateway's clearing account differs from the report's total.",
            platform={"net": booked.get(currency, 0)},
            partner={"net": reported.get(currency, 0)},
            currency=currency,
        )
        for currency in sorted(set(reported) | set(booked))
        if reported.get(currency, 0) != booked.get(currency, 0)
    ]
