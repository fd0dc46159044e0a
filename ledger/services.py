"""The only way to move money. Every move is one database transaction that locks the accounts it touches in
ascending id order (so two moves can never deadlock on each other), checks balances inside the lock, and is
idempotent by its key: a replay returns the first result, another move under the same key is refused.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from casino.metrics import LEDGER_TRANSACTIONS
from ledger.errors import AlreadyReversed, HoldNotActive, InsufficientFunds, LedgerKeyConflict
from ledger.models import Account, AccountKind, Entry, Hold, HoldStatus, Transaction
from ledger.money import currency_exponent


@dataclass(frozen=True)
class Posting:
    """One leg of a transaction: `amount` minor units (signed) on `account`."""

    account: Account
    amount: int


# ---------------------------------------------------------------------------------------------------- accounts


def wallet_get_or_create(*, user, currency: str) -> Account:
    currency_exponent(currency)
    account, _ = Account.objects.get_or_create(
        code=f"player:{user.pk}:{currency}",
        defaults={"kind": AccountKind.PLAYER_WALLET, "currency": currency, "owner": user, "non_negative": True},
    )
    return account


def system_account_get_or_create(*, kind: str, currency: str, partner: str = "") -> Account:
    """House and clearing accounts; they may go below zero (they mirror money owed by or to a partner)."""
    if kind == AccountKind.PLAYER_WALLET:
        raise ValueError("player wallets are made by wallet_get_or_create")
    currency_exponent(currency)
    code = f"{kind}:{partner}:{currency}" if partner else f"{kind}:{currency}"
    account, _ = Account.objects.get_or_create(
        code=code, defaults={"kind": kind, "currency": currency, "non_negative": False}
    )
    return account


# ---------------------------------------------------------------------------------------------------- postings


def _merge(postings: Iterable[Posting]) -> dict[int, int]:
    """Net amount per account id; legs on one account are summed, and zero nets dropped."""
    net: dict[int, int] = defaultdict(int)
    for posting in postings:
        if not isinstance(posting.amount, int) or isinstance(posting.amount, bool):
            raise TypeError("posting amounts are integers of minor units")
        net[posting.account.pk] += posting.amount
    return {account_id: amount for account_id, amount in net.items() if amount}


def _fingerprint(kind: str, net: dict[int, int], extra: str = "") -> str:
    text = kind + "|" + ",".join(f"{a}:{n}" for a, n in sorted(net.items())) + "|" + extra
    return hashlib.sha256(text.encode()).hexdigest()


def _lock_accounts(account_ids: Iterable[int]) -> dict[int, Account]:
    """SELECT ... FOR UPDATE in ascending id order: the one lock order of the whole platform."""
    ids = sorted(set(account_ids))
    return {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _replayed(model, key: str, fingerprint: str):
    existing = model.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise LedgerKeyConflict(f"Ledger key {key!r} was used for another money move.")
    existing.replayed = True
    return existing


def _apply(*, txn: Transaction, net: dict[int, int], accounts: dict[int, Account], held_delta: dict[int, int]) -> None:
    """Write entries and new running totals; refuse if a non-negative account would go below its holds."""
    per_currency: dict[str, int] = defaultdict(int)
    entries = []
    for account_id in sorted(set(net) | set(held_delta)):
        account = accounts[account_id]
        amount = net.get(account_id, 0)
        per_currency[account.currency] += amount
        account.balance += amount
        account.held += held_delta.get(account_id, 0)
        if account.non_negative and account.balance < account.held:
            raise InsufficientFunds(f"Account {account.code} has not enough available funds.")
        if amount:
            entries.append(
                Entry(
                    transaction=txn,
                    account=account,
                    amount=amount,
                    currency=account.currency,
                    balance_after=account.balance,
                )
            )
    unbalanced = {c: s for c, s in per_currency.items() if s}
    if unbalanced:
        raise ValueError(f"transaction does not sum to zero per currency: {unbalanced}")
    Entry.objects.bulk_create(entries)
    Account.objects.bulk_update([accounts[a] for a in sorted(set(net) | set(held_delta))], ["balance", "held"])


def transaction_post(
    *, kind: str, idempotency_key: str, postings: Sequence[Posting], reference: str = "", metadata: dict | None = None
) -> Transaction:
    """Post a balanced set of postings as one transaction. The returned row has `.replayed` True on a replay."""
    net = _merge(postings)
    if not net:
        raise ValueError("a transaction moves some money")
    fingerprint = _fingerprint(kind, net)
    try:
        with transaction.atomic():
            accounts = _lock_accounts(net)
            txn = Transaction.objects.create(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference,
                metadata=metadata or {},
            )
            _apply(txn=txn, net=net, accounts=accounts, held_delta={})
    except IntegrityError:
        existing = _replayed(Transaction, idempotency_key, fingerprint)
        if existing is None:
            raise
        return existing
    LEDGER_TRANSACTIONS.labels(kind=kind).inc()
    txn.replayed = False
    return txn


def transfer(
    *,
    source: Account,
    destination: Account,
    amount: int,
    kind: str,
    idempotency_key: str,
    reference: str = "",
    metadata: dict | None = None,
) -> Transaction:
    if amount <= 0:
        raise ValueError("a transfer moves a positive amount")
    return transaction_post(
        kind=kind,
        idempotency_key=idempotency_key,
        reference=reference,
        metadata=metadata,
        postings=[Posting(source, -amount), Posting(destination, amount)],
    )


def transaction_reverse(
    *,
    original: Transaction,
    idempotency_key: str,
    kind: str = "reversal",
    reference: str = "",
    metadata: dict | None = None,
) -> Transaction:
    """Post the exact opposite of `original`, at most once (a second reversal under another key is refused)."""
    entries = list(original.entries.select_related("account"))
    net = _merge(Posting(e.account, -e.amount) for e in entries)
    fingerprint = _fingerprint(kind, net, extra=f"reverses:{original.pk}")
    try:
        with transaction.atomic():
            accounts = _lock_accounts(net)
            txn = Transaction.objects.create(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference or original.reference,
                reverses=original,
                metadata=metadata or {},
            )
            _apply(txn=txn, net=net, accounts=accounts, held_delta={})
    except IntegrityError:
        existing = _replayed(Transaction, idempotency_key, fingerprint)
        if existing is not None:
            return existing
        if Transaction.objects.filter(reverses=original).exists():
            raise AlreadyReversed(f"Transaction {original.pk} was already reversed.") from None
        raise
    LEDGER_TRANSACTIONS.labels(kind=kind).inc()
    txn.replayed = False
    return txn


# ---------------------------------------------------------------------------------------------------- holds


def _hold_fingerprint(account: Account, amount: int) -> str:
    return hashlib.sha256(f"hold|{account.pk}|{amount}".encode()).hexdigest()


def hold_reserve(
    *, account: Account, amount: int, idempotency_key: str, reference: str = "", expires_at: datetime | None = None
) -> Hold:
    """Reserve `amount` on `account` so that `available = balance - held` drops at once."""
    if amount <= 0:
        raise ValueError("a hold reserves a positive amount")
    try:
        with transaction.atomic():
            locked = _lock_accounts([account.pk])[account.pk]
            hold = Hold.objects.create(
                account=locked,
                amount=amount,
                currency=locked.currency,
                idempotency_key=idempotency_key,
                reference=reference,
                expires_at=expires_at,
            )
            locked.held += amount
            if locked.non_negative and locked.balance < locked.held:
                raise InsufficientFunds(f"Account {locked.code} has not enough available funds.")
            Account.objects.filter(pk=locked.pk).update(held=locked.held)
    except IntegrityError:
        existing = Hold.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        if _hold_fingerprint(existing.account, existing.amount) != _hold_fingerprint(account, amount):
            raise LedgerKeyConflict(f"Hold key {idempotency_key!r} was used for another reservation.") from None
        existing.replayed = True
        return existing
    hold.replayed = False
    return hold


def _locked_hold(hold_id, account_ids: Iterable[int]) -> tuple[Hold, dict[int, Account]]:
    accounts = _lock_accounts(account_ids)
    return Hold.objects.select_for_update().get(pk=hold_id), accounts


def hold_capture(
    *,
    hold: Hold,
    destination: Account,
    idempotency_key: str,
    kind: str,
    amount: int | None = None,
    reference: str = "",
    extra_postings: Sequence[Posting] = (),
    metadata: dict | None = None,
) -> Transaction:
    """Capture `amount` (default all) of an active hold into `destination`, in one transaction with any extra
    postings (a spin captures the bet and credits the payout together). The rest of the hold is released."""
    amount = hold.amount if amount is None else amount
    if not 0 < amount <= hold.amount:
        raise ValueError("a capture takes between one minor unit and the whole hold")
    net = _merge([Posting(hold.account, -amount), Posting(destination, amount), *extra_postings])
    fingerprint = _fingerprint(kind, net, extra=f"hold:{hold.pk}")
    try:
        with transaction.atomic():
            locked_hold, accounts = _locked_hold(hold.pk, [*net, hold.account_id])
            if locked_hold.status != HoldStatus.ACTIVE:
                replay = _replayed(Transaction, idempotency_key, fingerprint)
                if replay is not None:
                    return replay
                raise HoldNotActive(f"Hold {hold.pk} is {locked_hold.status}; it cannot be captured.")
            txn = Transaction.objects.create(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference or locked_hold.reference,
                metadata=metadata or {},
            )
            _apply(txn=txn, net=net, accounts=accounts, held_delta={locked_hold.account_id: -locked_hold.amount})
            Hold.objects.filter(pk=locked_hold.pk).update(
                status=HoldStatus.CAPTURED, captured_amount=amount, capture_transaction=txn, closed_at=timezone.now()
            )
    except IntegrityError:
        existing = _replayed(Transaction, idempotency_key, fingerprint)
        if existing is None:
            raise
        return existing
    LEDGER_TRANSACTIONS.labels(kind=kind).inc()
    txn.replayed = False
    return txn


def hold_release(*, hold: Hold, status: str = HoldStatus.RELEASED) -> Hold:
    """Give a hold's amount back to the available balance. Releasing twice is a no-op; after a capture, refused."""
    with transaction.atomic():
        locked_hold, accounts = _locked_hold(hold.pk, [hold.account_id])
        if locked_hold.status in (HoldStatus.RELEASED, HoldStatus.EXPIRED):
            return locked_hold
        if locked_hold.status == HoldStatus.CAPTURED:
            raise HoldNotActive(f"Hold {hold.pk} was captured; it cannot be released.")
        account = accounts[locked_hold.account_id]
        Account.objects.filter(pk=account.pk).update(held=account.held - locked_hold.amount)
        locked_hold.status, locked_hold.closed_at = status, timezone.now()
        locked_hold.save(update_fields=["status", "closed_at"])
    return locked_hold


def holds_expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Release every active hold past its expiry (run by a periodic task)."""
    now = now or timezone.now()
    due = list(Hold.objects.filter(status=HoldStatus.ACTIVE, expires_at__lte=now).order_by("expires_at")[:limit])
    expired = 0
    for hold in due:
        try:
            released = hold_release(hold=hold, status=HoldStatus.EXPIRED)
        except HoldNotActive:  # captured meanwhile: nothing to expire
            continue
        expired += released.status == HoldStatus.EXPIRED
    return expired
