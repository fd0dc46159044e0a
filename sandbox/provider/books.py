"""The sandbox studios' books: every round a studio played and every seamless-wallet move its driver made, written as
they happen in that studio's books (keyed by the studio's provider code), and the pages of its settlement report over
them (per day, paged by an opaque cursor); `settlement_report` renders them in the REST vendor's dialect, the SOAP
sandbox renders the same pages in its own."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from core.money import to_major
from sandbox.models import SandboxProviderEntry
from sandbox.reports import REPORT_PAGE_SIZE, report_page

REST_STUDIO = "sandbox"  # the REST sandbox's books (its provider code at the platform)


def books_round_played(*, ref: str, vendor_round_id: str, stake: int, win: int, currency: str,
                       studio: str = REST_STUDIO) -> None:  # fmt: skip
    """A round played (a repeated play of one ref is one line)."""
    try:
        with transaction.atomic():
            SandboxProviderEntry.objects.create(
                studio=studio, kind=SandboxProviderEntry.Kind.ROUND, ref=ref, round_ref=ref,
                vendor_round_id=vendor_round_id, amount=stake, win=win, currency=currency,
            )  # fmt: skip
    except IntegrityError:
        pass


def books_wallet_move(*, action: str, transaction_id: str, round_ref: str, amount: int, currency: str,
                      reference_transaction_id: str = "", studio: str = REST_STUDIO) -> None:  # fmt: skip
    """A wallet move the platform accepted; a rollback marks the bet it names as rolled back."""
    if action == "rollback":
        SandboxProviderEntry.objects.filter(studio=studio, kind="wallet", ref=reference_transaction_id).update(
            state="rolled_back"
        )
    try:
        with transaction.atomic():
            SandboxProviderEntry.objects.create(
                studio=studio, kind=SandboxProviderEntry.Kind.WALLET, ref=transaction_id, action=action,
                round_ref=round_ref, amount=amount, currency=currency,
            )  # fmt: skip
    except IntegrityError:
        pass


def books_page(*, studio: str, day: date | None, cursor: str = "", limit: int = REPORT_PAGE_SIZE):
    """One page of a studio's books: its entries of `day`."""
    entries = SandboxProviderEntry.objects.filter(studio=studio)
    return report_page(entries, stamped="created_at", day=day, cursor=cursor, limit=limit)


def settlement_report(*, day: date | None, cursor: str = "", limit: int = REPORT_PAGE_SIZE) -> dict:
    """One page of the REST sandbox's report, in its dialect."""
    entries, next_cursor = books_page(studio=REST_STUDIO, day=day, cursor=cursor, limit=limit)
    return {
        "date": day.isoformat() if day else None,
        "items": [_item(entry) for entry in entries],
        "nextCursor": next_cursor or None,
    }


def _item(entry: SandboxProviderEntry) -> dict:
    if entry.kind == SandboxProviderEntry.Kind.ROUND:
        return {
            "type": "ROUND", "ref": entry.ref, "vendorRoundId": entry.vendor_round_id,
            "stake": to_major(entry.amount, entry.currency), "win": to_major(entry.win, entry.currency),
            "ccy": entry.currency, "state": "COMPLETED", "at": entry.created_at.isoformat(),
        }  # fmt: skip
    return {
        "type": "WALLET", "ref": entry.ref, "action": entry.action.upper(), "roundRef": entry.round_ref,
        "amount": to_major(entry.amount, entry.currency), "ccy": entry.currency,
        "state": entry.state.upper(), "at": entry.created_at.isoformat(),
    }  # fmt: skip
