"""A provider's settlement report against the platform's rounds, seamless-wallet transactions and ledger.

Each line is matched to the platform's row by the id both sides know (the round id the platform sent; the provider's
wallet transaction id); for a whole day, the platform's own rows the report does not list are found too, and the day's
movement on the provider's clearing account in the ledger is checked against the report's totals.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Sum

from core.reconciliation import DiscrepancyKind, Finding
from ledger.models import AccountKind, Entry
from providers.interface import SettlementLine
from providers.models import Provider, Round, RoundStatus, WalletTransaction, WalletTransactionStatus

_WALLET_MONEY = (WalletTransactionStatus.COMPLETED, WalletTransactionStatus.ROLLED_BACK)


def _day_range(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _round_effect(bet: int, payout: int) -> int:
    return payout - bet


def _wallet_effect(action: str, amount: int, state: str) -> int:
    if action == "bet" and state != WalletTransactionStatus.ROLLED_BACK:
        return -amount
    return amount if action == "win" else 0


def provider_report_compare(*, provider: Provider, lines: list[SettlementLine], day: date | None) -> list[Finding]:
    findings: list[Finding] = []
    round_lines = [line for line in lines if line.kind == "round"]
    wallet_lines = [line for line in lines if line.kind == "wallet"]
    findings += _rounds_compare(provider, round_lines, day)
    findings += _wallet_compare(provider, wallet_lines, day)
    if day is not None and not findings:
        findings += _ledger_total_compare(provider, lines, day)
    return findings


def _round_ids(lines: list[SettlementLine]) -> list[uuid.UUID]:
    ids = []
    for line in lines:
        try:
            ids.append(uuid.UUID(line.reference))
        except ValueError:
            continue
    return ids


def _rounds_compare(provider: Provider, lines: list[SettlementLine], day: date | None) -> list[Finding]:
    findings = []
    rounds = {str(r.id): r for r in Round.objects.filter(provider=provider, id__in=_round_ids(lines))}
    for line in lines:
        reported = {"bet": line.amount, "payout": line.payout, "currency": line.currency, "state": line.state}
        round_obj = rounds.get(line.reference)
        reference = f"round:{line.reference}"
        if round_obj is None:
            findings.append(Finding(DiscrepancyKind.MISSING_AT_PLATFORM, reference,
                                    "The provider settled a round the platform does not have.", partner=reported,
                                    currency=line.currency))  # fmt: skip
            continue
        platform = {"bet": round_obj.bet, "payout": round_obj.payout, "currency": round_obj.currency,
                    "state": round_obj.status}  # fmt: skip
        settled = round_obj.status == RoundStatus.SETTLED
        owed = _round_effect(line.amount, line.payout) - (
            _round_effect(round_obj.bet, round_obj.payout or 0) if settled else 0
        )
        common = {
            "platform": platform,
            "partner": reported,
            "currency": line.currency,
            "player_id": round_obj.player_id,
        }
        if line.currency != round_obj.currency:
            findings.append(Finding(DiscrepancyKind.CURRENCY_MISMATCH, reference, "The round's currency differs.",
                                    **common))  # fmt: skip
        elif not settled:
            findings.append(Finding(DiscrepancyKind.STATUS_MISMATCH, reference,
                                    f"The provider settled the round; the platform has it {round_obj.status}.",
                                    **common))  # fmt: skip
        elif (line.amount, line.payout) != (round_obj.bet, round_obj.payout):
            findings.append(Finding(DiscrepancyKind.AMOUNT_MISMATCH, reference, "The bet or the payout differs.",
                                    amount=owed, **common))  # fmt: skip
        elif round_obj.settle_transaction_id is None:
            findings.append(Finding(DiscrepancyKind.AMOUNT_MISMATCH, reference,
                                    "The round is settled without a ledger transaction.", amount=owed,
                                    **common))  # fmt: skip
    if day is not None:
        start, end = _day_range(day)
        listed = set(rounds)
        missing = Round.objects.filter(provider=provider, status=RoundStatus.SETTLED, settled_at__gte=start,
                                       settled_at__lt=end).exclude(id__in=[uuid.UUID(k) for k in listed])  # fmt: skip
        for round_obj in missing:
            findings.append(Finding(
                DiscrepancyKind.MISSING_AT_PARTNER, f"round:{round_obj.id}",
                "The platform settled a round the provider's report does not list.",
                platform={"bet": round_obj.bet, "payout": round_obj.payout, "currency": round_obj.currency},
                amount=-_round_effect(round_obj.bet, round_obj.payout or 0), currency=round_obj.currency,
                player_id=round_obj.player_id,
            ))  # fmt: skip
    return findings


def _wallet_compare(provider: Provider, lines: list[SettlementLine], day: date | None) -> list[Finding]:
    findings = []
    rows = {
        row.transaction_id: row
        for row in WalletTransaction.objects.filter(provider=provider, transaction_id__in=[x.reference for x in lines])
    }
    for line in lines:
        reference = f"wallet:{line.reference}"
        reported = {"action": line.action, "amount": line.amount, "currency": line.currency, "state": line.state}
        row = rows.get(line.reference)
        if row is None or row.status not in _WALLET_MONEY:
            findings.append(Finding(DiscrepancyKind.MISSING_AT_PLATFORM, reference,
                                    f"The provider reports a {line.action} the platform did not take.",
                                    partner=reported, amount=_wallet_effect(line.action, line.amount, line.state),
                                    currency=line.currency, player_id=row.player_id if row else None))  # fmt: skip
            continue
        platform = {"action": row.action, "amount": row.amount, "currency": row.currency, "state": row.status}
        owed = _wallet_effect(line.action, line.amount, line.state) - _wallet_effect(row.action, row.amount, row.status)
        common = {"platform": platform, "partner": reported, "currency": line.currency, "player_id": row.player_id}
        if line.currency != row.currency:
            findings.append(Finding(DiscrepancyKind.CURRENCY_MISMATCH, reference, "The currency differs.", **common))
        elif line.amount != row.amount:
            findings.append(Finding(DiscrepancyKind.AMOUNT_MISMATCH, reference, "The amount differs.", amount=owed,
                                    **common))  # fmt: skip
        elif line.state != row.status:
            findings.append(Finding(DiscrepancyKind.STATUS_MISMATCH, reference,
                                    f"The provider has it {line.state}; the platform {row.status}.", amount=owed,
                                    **common))  # fmt: skip
        elif row.amount and row.ledger_transaction_id is None:
            findings.append(Finding(DiscrepancyKind.AMOUNT_MISMATCH, reference,
                                    "The move has no ledger transaction.", amount=owed, **common))  # fmt: skip
    if day is not None:
        start, end = _day_range(day)
        missing = WalletTransaction.objects.filter(
            provider=provider, status__in=_WALLET_MONEY, created_at__gte=start, created_at__lt=end
        ).exclude(transaction_id__in=[line.reference for line in lines])
        for row in missing:
            findings.append(Finding(
                DiscrepancyKind.MISSING_AT_PARTNER, f"wallet:{row.transaction_id}",
                f"The platform took a {row.action} the provider's report does not list.",
                platform={"action": row.action, "amount": row.amount, "currency": row.currency, "state": row.status},
                amount=-_wallet_effect(row.action, row.amount, row.status), currency=row.currency,
                player_id=row.player_id,
            ))  # fmt: skip
    return findings


def _ledger_total_compare(provider: Provider, lines: list[SettlementLine], day: date) -> list[Finding]:
    """The day's movement on the provider's clearing accounts equals what the report says players lost."""
    reported: dict[str, int] = defaultdict(int)
    for line in lines:
        effect = (_round_effect(line.amount, line.payout) if line.kind == "round"
                  else _wallet_effect(line.action, line.amount, line.state))  # fmt: skip
        reported[line.currency] -= effect
    start, end = _day_range(day)
    booked = dict(
        Entry.objects.filter(
            account__kind=AccountKind.PROVIDER_CLEARING,
            account__code__startswith=f"provider_clearing:{provider.code}:",
            created_at__gte=start, created_at__lt=end,
        ).values_list("currency").annotate(total=Sum("amount")).order_by()
    )  # fmt: skip
    findings = []
    for currency in sorted(set(reported) | set(booked)):
        if reported.get(currency, 0) != booked.get(currency, 0):
            findings.append(Finding(
                DiscrepancyKind.AMOUNT_MISMATCH, f"ledger:provider_clearing:{provider.code}:{currency}",
                "The day's movement on the provider's clearing account differs from the report's total.",
                platform={"net": booked.get(currency, 0)}, partner={"net": reported.get(currency, 0)},
                currency=currency,
            ))  # fmt: skip
    return findings
