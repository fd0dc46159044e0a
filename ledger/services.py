"""The only way to move money. Every move is one database transaction that locks the accounts it touches in
ascending id order (so two moves can never deadlock on each other), checks balances inside the lock, and is
idempotent by its key: a replay returns the first result, another move under the same key is refused. The
statements these services send (the lock, the INSERTs, the account totals) are written in ledger.statements.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import realtime
from core.metrics import LEDGER_TRANSACTIONS, MONEY_MINOR_UNITS, MONEY_MOVEMENTS
from core.money import currency_exponent, to_major
from ledger.errors import AlreadyReversed, HoldNotActive, InsufficientFunds, LedgerKeyConflict
from ledger.models import Account, AccountKind, Hold, HoldStatus, Transaction
from ledger.statements import (
    accounts_lock,
    accounts_totals_update,
    entries_insert,
    is_unique_violation,
    transaction_insert,
)


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
        _check_amount(posting.amount)
        net[posting.account.pk] += posting.amount
    return {account_id: amount for account_id, amount in net.items() if amount}


def _check_amount(amount) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError("posting amounts are integers of minor units")


def _net_legs(net: dict[int, int]) -> list[tuple[int, int]]:
    """One leg per account, in account id order: how a transaction's entries are normally written."""
    return sorted(net.items())


def _fingerprint(kind: str, legs: Iterable[tuple[int, int]], extra: str = "") -> str:
    text = kind + "|" + ",".join(f"{a}:{n}" for a, n in legs) + "|" + extra
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------- replays


def _replayed(model, key: str, fingerprint: str):
    existing = model.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise LedgerKeyConflict(f"Ledger key {key!r} was used for another money move.")
    existing.replayed = True
    existing.accounts = {}
    return existing


def _replay_or_raise(error: IntegrityError, key: str, fingerprint: str) -> Transaction:
    """After a failed insert: the first transaction under `key` if this call repeats it, else the error.

    A unique violation on the key means another call committed it first (the insert waits for that call to end,
    so under READ COMMITTED its row is visible to the next statement)."""
    if not is_unique_violation(error):
        raise error
    existing = _replayed(Transaction, key, fingerprint)
    if existing is None:
        raise error
    return existing


def _game_money(kind: str, legs: Iterable[tuple[int, int]], accounts: dict[int, Account]) -> list[tuple]:
    """(provider, currency, movement, amount) for each leg on a provider's clearing account: money in is a bet, money
    out a win, or a rollback when the transaction gives a bet back."""
    moves = []
    for account_id, amount in legs:
        account = accounts[account_id]
        if account.kind != AccountKind.PROVIDER_CLEARING or not amount:
            continue
        provider = account.code.split(":")[1]  # provider_clearing:<provider>:<currency>
        gives_back = "rollback" in kind or "reversal" in kind
        movement = "bet" if amount > 0 else ("rollback" if gives_back else "win")
        moves.append((provider, account.currency, movement, abs(amount)))
    return moves


def _count_committed(kind: str, legs: Iterable[tuple[int, int]] = (), accounts: dict[int, Account] | None = None):
    # Counted on commit: a caller's outer atomic block may still roll the move back.
    moves = _game_money(kind, legs, accounts) if accounts else []

    def count():
        LEDGER_TRANSACTIONS.labels(kind=kind).inc()
        for provider, currency, movement, amount in moves:
            MONEY_MINOR_UNITS.labels(provider=provider, currency=currency, movement=movement).inc(amount)
            MONEY_MOVEMENTS.labels(provider=provider, currency=currency, movement=movement).inc()

    transaction.on_commit(count)


def _apply(
    *, txn: Transaction, legs: Sequence[tuple[int, int]], accounts: dict[int, Account], held_delta: dict[int, int]
) -> None:
    """Write entries and new running totals; refuse if a non-negative account would go below its holds.

    Order matters: an unbalanced set of legs is a programming error and is reported as such before any balance is
    looked at (it must never reach a player as insufficient funds); then every account's final state is checked;
    only then is anything written."""
    per_currency: dict[str, int] = defaultdict(int)
    for account_id, amount in legs:
        per_currency[accounts[account_id].currency] += amount
    unbalanced = {c: s for c, s in per_currency.items() if s}
    if unbalanced:
        raise ValueError(f"transaction does not sum to zero per currency: {unbalanced}")

    entries = []
    for account_id, amount in legs:
        account = accounts[account_id]
        account.balance += amount
        entries.append((account_id, amount, account.currency, account.balance))
    touched = sorted({account_id for account_id, _ in legs} | set(held_delta))
    for account_id in touched:
        account = accounts[account_id]
        account.held += held_delta.get(account_id, 0)
        if account.non_negative and account.balance < account.held:
            raise InsufficientFunds(f"Account {account.code} has not enough available funds.")
    entries_insert(txn, entries)
    accounts_totals_update(accounts[a] for a in touched)


def transaction_post(
    *, kind: str, idempotency_key: str, postings: Sequence[Posting], reference: str = "", metadata: dict | None = None
) -> Transaction:
    """Post a balanced set of postings as one transaction. The returned row has `.replayed` True on a replay, and
    `.accounts`: the accounts the move locked, by id, as it left them (so a caller needs not read its wallet again
    to answer with the new balance; empty on a replay)."""
    net = _merge(postings)
    if not net:
        raise ValueError("a transaction moves some money")
    legs = _net_legs(net)
    fingerprint = _fingerprint(kind, legs)
    try:
        with transaction.atomic():
            # Locks first, key second: a call that waits on another call's uncommitted key can then hold no account
            # lock that the other call still needs for its move (it took all of them before its insert), even when
            # the waiter's outer transaction holds locks already; a replay race ends in the first result, never in
            # a deadlock.
            accounts = accounts_lock(net)
            # The insert comes before the balance check: a repeat of a move that has since drained the wallet is a
            # replay (the unique key refuses it here), not insufficient funds.
            txn = transaction_insert(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference,
                metadata=metadata,
            )
            _apply(txn=txn, legs=legs, accounts=accounts, held_delta={})
            _count_committed(kind, legs, accounts)
    except IntegrityError as error:
        return _replay_or_raise(error, idempotency_key, fingerprint)
    txn.replayed, txn.accounts = False, accounts
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
    """Post the exact opposite of `original`, at most once (a second reversal under another key is refused). The
    returned row carries `.replayed` and `.accounts` as transaction_post's does."""
    # Entry for entry, in the original's order: the opposite of every leg, even where legs on one account net out.
    legs = [
        (account_id, -amount)
        for account_id, amount in original.entries.order_by("id").values_list("account_id", "amount")
    ]
    if not legs:
        raise ValueError(f"transaction {original.pk} has no entries to reverse")
    fingerprint = _fingerprint(kind, legs, extra=f"reverses:{original.pk}")
    try:
        with transaction.atomic():
            accounts = accounts_lock(account_id for account_id, _ in legs)
            txn = transaction_insert(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference or original.reference,
                reverses=original,
                metadata=metadata,
            )
            _apply(txn=txn, legs=legs, accounts=accounts, held_delta={})
            _count_committed(kind, legs, accounts)
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        # A replay violates both the key and the one-reversal rule; which one PostgreSQL reports is not fixed, so
        # the key is looked at first.
        existing = _replayed(Transaction, idempotency_key, fingerprint)
        if existing is not None:
            return existing
        if Transaction.objects.filter(reverses=original).exists():
            raise AlreadyReversed(f"Transaction {original.pk} was already reversed.") from None
        raise
    txn.replayed, txn.accounts = False, accounts
    return txn


# ---------------------------------------------------------------------------------------------------- holds


def hold_reserve(
    *, account: Account, amount: int, idempotency_key: str, reference: str = "", expires_at: datetime | None = None
) -> Hold:
    """Reserve `amount` on `account` so that `available = balance - held` drops at once."""
    if amount <= 0:
        raise ValueError("a hold reserves a positive amount")
    try:
        with transaction.atomic():
            locked = accounts_lock([account.pk])[account.pk]
            # The insert comes before the balance check so that a replay is recognised as one (see transaction_post).
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
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        existing = Hold.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        if (existing.account_id, existing.amount) != (account.pk, amount):
            raise LedgerKeyConflict(f"Hold key {idempotency_key!r} was used for another reservation.") from None
        # The hold as it is now: a replay after a capture or release shows that outcome.
        existing.replayed = True
        return existing
    hold.replayed = False
    return hold


def _locked_hold(hold_id, account_ids: Iterable[int]) -> tuple[Hold, dict[int, Account]]:
    accounts = accounts_lock(account_ids)
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
    postings (a spin captures the bet and credits the payout together). The rest of the hold is released. The
    returned row carries `.replayed` and `.accounts` as transaction_post's does."""
    amount = hold.amount if amount is None else amount
    _check_amount(amount)
    if not 0 < amount <= hold.amount:
        raise ValueError("a capture takes between one minor unit and the whole hold")
    if destination.pk == hold.account_id:
        raise ValueError("a hold is captured into another account; to give it back, release it")
    postings = [(hold.account_id, -amount), (destination.pk, amount)]
    for posting in extra_postings:
        _check_amount(posting.amount)
        postings.append((posting.account.pk, posting.amount))
    # Gross legs, one entry per posting: a spin's bet and its payout stay two lines on the wallet and on the
    # provider's clearing account (turnover and wins are reported separately, and a payout equal to the bet is
    # still on record), never netted into one.
    legs = [(account_id, leg) for account_id, leg in postings if leg]
    net = {account_id for account_id, _ in legs}
    fingerprint = _fingerprint(kind, legs, extra=f"hold:{hold.pk}")
    try:
        with transaction.atomic():
            locked_hold, accounts = _locked_hold(hold.pk, [*net, hold.account_id])
            if locked_hold.status != HoldStatus.ACTIVE:
                # A repeat of the capture that closed this hold returns that capture; anything else is refused.
                replay = _replayed(Transaction, idempotency_key, fingerprint)
                if replay is not None:
                    return replay
                raise HoldNotActive(f"Hold {hold.pk} is {locked_hold.status}; it cannot be captured.")
            txn = transaction_insert(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference or locked_hold.reference,
                metadata=metadata,
            )
            _apply(txn=txn, legs=legs, accounts=accounts, held_delta={locked_hold.account_id: -locked_hold.amount})
            Hold.objects.filter(pk=locked_hold.pk).update(
                status=HoldStatus.CAPTURED, captured_amount=amount, capture_transaction=txn, closed_at=timezone.now()
            )
            _count_committed(kind, legs, accounts)
    except IntegrityError as error:
        return _replay_or_raise(error, idempotency_key, fingerprint)
    txn.replayed, txn.accounts = False, accounts
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
    """Release every active hold past its expiry (run by a periodic task), telling each wallet's owner the
    available balance it gave back once the release commits."""
    now = now or timezone.now()
    due = list(Hold.objects.filter(status=HoldStatus.ACTIVE, expires_at__lte=now).order_by("expires_at")[:limit])
    expired = 0
    for hold in due:
        try:
            with transaction.atomic():
                released = hold_release(hold=hold, status=HoldStatus.EXPIRED)
                account = Account.objects.get(pk=released.account_id)  # as it stands after the release
                if account.owner_id is not None:
                    wallet_balance_push(wallet=account)
        except HoldNotActive:  # captured meanwhile: nothing to expire
            continue
        expired += released.status == HoldStatus.EXPIRED
    return expired


def wallet_balance_push(*, wallet: Account) -> None:
    """Tell the wallet owner's open sockets its balance and available amount once the surrounding transaction
    commits (never for money that rolled back). The one home of the balance.updated message: every service that
    changes a player's wallet calls it with the wallet as it stands after the move (re-read after the ledger call)."""
    realtime.balance_updated(
        user_id=wallet.owner_id,
        balance=to_major(wallet.balance, wallet.currency),
        available=to_major(wallet.available, wallet.currency),
        currency=wallet.currency,
    )
