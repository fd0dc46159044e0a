"""Seamless-wallet money moves: balance, bet, win and rollback, between the player's wallet and the provider's
clearing account (the callback sequence that calls them is in callbacks.py).

Money moves through ledger.services only, with the ledger key `wallet:<provider code>:<transaction id>`. Each
move is one database transaction that first claims its (provider, transaction_id) row in WalletTransaction; that
unique index is what makes duplicates safe under concurrency: a duplicate waits on the index until the first
commits, then replays the stored answer.

Every move happens in a game session of this provider and this player (else 404 session_not_found before anything
is claimed). A bet needs the session playable (providers.services.sessions.session_playable_check: open, unexpired,
its game and provider enabled; else 409 session_closed); a win or a rollback may arrive after the session closed
(a round can end after it), and a balance may be asked of a session in any state.

Decisions the contract leaves open:
- A refused move (insufficient funds, unknown round, ...) leaves no WalletTransaction; its callback row keeps the
  verdict. A retry under the same id is judged afresh.
- A rollback of an unknown id writes a tombstone under that id, so a late bet (or win) with it is refused.
- Only a bet can be rolled back, and only while its round has no win: reversing a stake after the round paid out
  would hand the player the stake back on top of the win. A rollback of a win or of a paid round is
  409 rollback_not_allowed and left to staff.
- A second rollback (another rollback id) of a bet already rolled back answers "ok" and moves nothing.
- A win of 0 closes a losing round: it is recorded and answered, and moves no money.
- A session is stored and fingerprinted by the platform's GameSession id, whichever of its two ids the provider
  sent: a retry naming the same session the other way is the same request.
- A repeated bet is answered its first answer even after its session closed (the claim comes before the check).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.money import to_major, to_minor
from ledger.models import Account, AccountKind
from ledger.models import Transaction as LedgerTransaction
from ledger.services import (
    system_account_get_or_create,
    transaction_reverse,
    transfer,
    wallet_balance_push,
    wallet_get_or_create,
)
from providers.models import GameSession, Provider, WalletAction, WalletTransaction, WalletTransactionStatus
from providers.services.sessions import bet_limits_check, session_playable_check
from providers.wallet.errors import (
    BetRolledBack,
    PlayerBlocked,
    RollbackNotAllowed,
    RoundNotFound,
    RoundRolledBack,
    SessionNotFound,
    TransactionConflict,
    TransactionRolledBack,
)
from providers.wallet.selectors import round_bets, round_has_win
from providers.wallet.statements import wallet_transaction_claim

STATUS_OK = "ok"
STATUS_NOT_FOUND = "not_found"
STATUS_HELD = "held"  # a win over the limits, credited only once staff release it


@dataclass(frozen=True)
class WalletAnswer:
    body: dict
    replayed: bool = False


# ---------------------------------------------------------------------------------------------------- money moves


def _fingerprint(**fields) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _answer(*, wallet: Account, currency: str, transaction_id: str | None, status: str = STATUS_OK) -> dict:
    return {
        "balance": to_major(wallet.available, currency),
        "currency": currency,
        "transaction_id": transaction_id,
        "status": status,
    }


def _claim(*, provider: Provider, transaction_id: str, fingerprint: str, **fields) -> WalletTransaction | None:
    """Insert this transaction's row, or return the row already holding its id, locked (None: this call owns it).

    Must run inside the caller's transaction: a concurrent duplicate waits on the unique index until the first
    commits (then sees its row) or rolls back (then takes the id itself)."""
    row = WalletTransaction(provider=provider, transaction_id=transaction_id, fingerprint=fingerprint, **fields)
    if wallet_transaction_claim(row):
        return None
    return WalletTransaction.objects.select_for_update().get(provider=provider, transaction_id=transaction_id)


def _replay(existing: WalletTransaction, fingerprint: str, *, tombstone_error) -> WalletAnswer:
    if existing.status == WalletTransactionStatus.TOMBSTONE:
        raise tombstone_error(f"Transaction {existing.transaction_id!r} was rolled back before it arrived.")
    if existing.fingerprint != fingerprint:
        raise TransactionConflict(f"Transaction {existing.transaction_id!r} was used before with another request.")
    return WalletAnswer(body=existing.response, replayed=True)


def _win_over_limits(*, amount: int, stakes: int, currency: str) -> bool:
    """A win above WALLET_WIN_MAX_MULTIPLIER times the round's live stakes, or above WALLET_WIN_MAX_AMOUNT."""
    if amount > stakes * settings.WALLET_WIN_MAX_MULTIPLIER:
        return True
    cap = settings.WALLET_WIN_MAX_AMOUNT
    return bool(cap) and amount > to_minor(cap, currency)


def wallet_win_release(*, wallet_transaction_id: int, actor, note: str) -> WalletTransaction:
    """Staff credit a held win, once: the same ledger key as a win credited at once, so a second release moves
    nothing. The stored answer stays what the provider was told ("held"); the row says what became of it."""
    with transaction.atomic():
        row = (
            WalletTransaction.objects.select_for_update()
            .select_related("provider", "player")
            .get(pk=wallet_transaction_id)
        )
        if row.status != WalletTransactionStatus.HELD:
            return row
        provider, currency = row.provider, row.currency
        wallet = wallet_get_or_create(user=row.player, currency=currency)
        # The same move (ledger key, reference) as a win credited at once; who released it is in the audit row.
        move = _RoundMove(provider=provider, player=row.player, currency=currency,
                          session=GameSession(pk=row.session_id), transaction_id=row.transaction_id,
                          round_id=row.round_id, amount=row.amount)  # fmt: skip
        ledger_txn = move.transfer(source=_clearing(provider, currency), destination=wallet, kind="wallet_win")
        row.status, row.ledger_transaction = WalletTransactionStatus.COMPLETED, ledger_txn
        row.save(update_fields=["status", "ledger_transaction"])
        audit_record(actor=actor, action="wallet.win.release", target=row, before={"status": "held"},
                     after={"status": "completed", "amount": row.amount}, reason=note)  # fmt: skip
        wallet_balance_push(wallet=_after(ledger_txn, wallet))
    return row


def wallet_win_refuse(*, wallet_transaction_id: int, actor, note: str) -> WalletTransaction:
    """Staff refuse a held win: nothing is credited, and the row records who decided and why (audit)."""
    with transaction.atomic():
        row = WalletTransaction.objects.select_for_update().get(pk=wallet_transaction_id)
        if row.status != WalletTransactionStatus.HELD:
            return row
        row.status = WalletTransactionStatus.REFUSED
        row.save(update_fields=["status"])
        audit_record(actor=actor, action="wallet.win.refuse", target=row, before={"status": "held"},
                     after={"status": "refused"}, reason=note)  # fmt: skip
    return row


def _settle_row(row_filter: dict, *, response: dict, **fields) -> None:
    WalletTransaction.objects.filter(**row_filter).update(response=response, **fields)


def _after(move: LedgerTransaction, account: Account) -> Account:
    """`account` as the ledger move left it: the row the ledger locked and wrote, or (a replayed move) read again."""
    locked = move.accounts.get(account.pk)
    if locked is None:
        account.refresh_from_db()
        return account
    return locked


def wallet_balance_get(*, player: AbstractBaseUser, currency: str) -> WalletAnswer:
    wallet = wallet_get_or_create(user=player, currency=currency)
    return WalletAnswer(body=_answer(wallet=wallet, currency=currency, transaction_id=None))


def _clearing(provider: Provider, currency: str) -> Account:
    return system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, partner=provider.code, currency=currency)


def _session_check(*, session: GameSession, provider: Provider, player: AbstractBaseUser) -> None:
    """The session must be this provider's and this player's (the callback sequence only finds such sessions; a
    direct caller of the services is held to the same rule)."""
    if session.provider_id != provider.pk or session.player_id != player.pk:
        raise SessionNotFound(f"No game session {session.pk} of this player at {provider.code}.")


def _ledger_key(provider: Provider, transaction_id: str) -> str:
    return f"wallet:{provider.code}:{transaction_id}"


@dataclass(frozen=True)
class _RoundMove:
    """A bet or a win: the steps they share (fingerprint, claim of the row, ledger move) in one place."""

    provider: Provider
    player: AbstractBaseUser
    currency: str
    session: GameSession
    transaction_id: str
    round_id: str
    amount: int

    def fingerprint(self, action: WalletAction) -> str:
        """What the call asked for: a repeat of its transaction id must ask for the same."""
        return _fingerprint(
            action=action.value,
            player=str(self.player.pk),
            currency=self.currency,
            session=str(self.session.pk),
            round=self.round_id,
            amount=self.amount,
        )

    def claim(self, action: WalletAction, fingerprint: str) -> WalletTransaction | None:
        return _claim(
            provider=self.provider,
            transaction_id=self.transaction_id,
            fingerprint=fingerprint,
            action=action,
            status=WalletTransactionStatus.COMPLETED,
            player=self.player,
            round_id=self.round_id,
            session_id=str(self.session.pk),
            amount=self.amount,
            currency=self.currency,
        )

    def transfer(self, *, source: Account, destination: Account, kind: str) -> LedgerTransaction:
        return transfer(
            source=source,
            destination=destination,
            amount=self.amount,
            kind=kind,
            idempotency_key=_ledger_key(self.provider, self.transaction_id),
            reference=f"{self.provider.code}:{self.round_id}",
            metadata={"provider": self.provider.code, "transaction_id": self.transaction_id, "round_id": self.round_id},
        )


def wallet_bet_place(
    *,
    provider: Provider,
    player: AbstractBaseUser,
    currency: str,
    session: GameSession,
    transaction_id: str,
    round_id: str,
    amount: int,
) -> WalletAnswer:
    """Debit a bet from the wallet to the provider's clearing account, once per transaction id, in an open game
    session (a repeat of a bet already taken is answered as before, whatever became of its session)."""
    _session_check(session=session, provider=provider, player=player)
    move = _RoundMove(provider=provider, player=player, currency=currency, session=session,
                      transaction_id=transaction_id, round_id=round_id, amount=amount)  # fmt: skip
    fingerprint = move.fingerprint(WalletAction.BET)
    with transaction.atomic(savepoint=False):
        existing = move.claim(WalletAction.BET, fingerprint)
        if existing is not None:
            return _replay(existing, fingerprint, tombstone_error=BetRolledBack)
        if not player.is_active:
            raise PlayerBlocked("The player's account is blocked; bets are refused.")
        session_playable_check(session=session)
        # The game's limits bind the provider's bets as they bind a spin (its claim rolls back with this refusal).
        bet_limits_check(game=session.game, amount=amount, field="amount")
        wallet = wallet_get_or_create(user=player, currency=currency)
        # The ledger locks the wallet and refuses to take it below zero (422 insufficient_funds, all rolled back).
        ledger_txn = move.transfer(source=wallet, destination=_clearing(provider, currency), kind="wallet_bet")
        wallet = _after(ledger_txn, wallet)
        response = _answer(wallet=wallet, currency=currency, transaction_id=transaction_id)
        _settle_row(
            {"provider": provider, "transaction_id": transaction_id}, response=response, ledger_transaction=ledger_txn
        )
        wallet_balance_push(wallet=wallet)
    return WalletAnswer(body=response)


def wallet_win_credit(
    *,
    provider: Provider,
    player: AbstractBaseUser,
    currency: str,
    session: GameSession,
    transaction_id: str,
    round_id: str,
    amount: int,
) -> WalletAnswer:
    """Credit a win from the provider's clearing account to a round this player bet in, once per transaction id.

    The session may be closed or expired by now: a round that began in it can still end."""
    _session_check(session=session, provider=provider, player=player)
    move = _RoundMove(provider=provider, player=player, currency=currency, session=session,
                      transaction_id=transaction_id, round_id=round_id, amount=amount)  # fmt: skip
    fingerprint = move.fingerprint(WalletAction.WIN)
    with transaction.atomic(savepoint=False):
        existing = move.claim(WalletAction.WIN, fingerprint)
        if existing is not None:
            return _replay(existing, fingerprint, tombstone_error=TransactionRolledBack)
        # Lock the round's bets: a rollback of one of them and this win cannot both pass their checks at once.
        bets = list(round_bets(provider=provider, round_id=round_id, player=player).select_for_update())
        if not bets:
            raise RoundNotFound(f"Player has no bet in round {round_id!r} at {provider.code}.")
        if all(bet.status == WalletTransactionStatus.ROLLED_BACK for bet in bets):
            raise RoundRolledBack(f"Every bet of round {round_id!r} was rolled back; nothing can be won.")
        wallet = wallet_get_or_create(user=player, currency=currency)
        stakes = sum(bet.amount for bet in bets if bet.status != WalletTransactionStatus.ROLLED_BACK)
        if _win_over_limits(amount=amount, stakes=stakes, currency=currency):
            # A partner must not be able to mint money: a win this large waits for staff (wallet_win_release).
            response = _answer(wallet=wallet, currency=currency, transaction_id=transaction_id, status=STATUS_HELD)
            _settle_row({"provider": provider, "transaction_id": transaction_id}, response=response,
                        status=WalletTransactionStatus.HELD)  # fmt: skip
            return WalletAnswer(body=response)
        ledger_txn = None
        if amount:
            ledger_txn = move.transfer(source=_clearing(provider, currency), destination=wallet, kind="wallet_win")
            wallet = _after(ledger_txn, wallet)
            wallet_balance_push(wallet=wallet)
        response = _answer(wallet=wallet, currency=currency, transaction_id=transaction_id)
        _settle_row(
            {"provider": provider, "transaction_id": transaction_id}, response=response, ledger_transaction=ledger_txn
        )
    return WalletAnswer(body=response)


def wallet_rollback_apply(
    *,
    provider: Provider,
    player: AbstractBaseUser,
    currency: str,
    session: GameSession,
    transaction_id: str | None,
    reference_transaction_id: str,
    round_id: str = "",
    amount: int | None = None,
) -> WalletAnswer:
    """Reverse the bet named by `reference_transaction_id` exactly once; an unknown id is tombstoned.

    Some providers give a rollback no id of its own, or reuse the bet's id for it: its row is then kept under
    "rollback <bet id>" (a space never occurs in provider ids), so it neither collides with the bet it reverses
    nor with any other id, and the answer echoes the id the provider sent (or the bet's). The session may be closed
    or expired: a bet taken in it can still be cancelled."""
    _session_check(session=session, provider=provider, player=player)
    session_id = str(session.pk)
    answer_id = transaction_id or reference_transaction_id
    row_id = answer_id if answer_id != reference_transaction_id else f"rollback {reference_transaction_id}"
    fingerprint = _fingerprint(
        action="rollback",
        player=str(player.pk),
        currency=currency,
        session=session_id,
        reference=reference_transaction_id,
        round=round_id,
        amount=amount,
    )
    own_row = {"provider": provider, "transaction_id": row_id}
    with transaction.atomic(savepoint=False):
        existing = _claim(
            provider=provider,
            transaction_id=row_id,
            fingerprint=fingerprint,
            action=WalletAction.ROLLBACK,
            status=WalletTransactionStatus.COMPLETED,
            player=player,
            round_id=round_id,
            session_id=session_id,
            amount=amount or 0,
            currency=currency,
            reference_transaction_id=reference_transaction_id,
        )
        if existing is not None:
            return _replay(existing, fingerprint, tombstone_error=TransactionRolledBack)
        wallet = wallet_get_or_create(user=player, currency=currency)
        target = _rollback_target(
            provider=provider,
            reference_transaction_id=reference_transaction_id,
            player=player,
            currency=currency,
            session_id=session_id,
            round_id=round_id,
            amount=amount,
        )
        if target is None or target.status == WalletTransactionStatus.TOMBSTONE:
            response = _answer(wallet=wallet, currency=currency, transaction_id=answer_id, status=STATUS_NOT_FOUND)
            _settle_row(own_row, response=response, status=WalletTransactionStatus.NOT_FOUND)
            return WalletAnswer(body=response)
        _rollback_check(target=target, player=player, round_id=round_id, amount=amount)
        reversal = None
        if target.status == WalletTransactionStatus.COMPLETED:
            if round_has_win(provider=provider, round_id=target.round_id, player=player):
                raise RollbackNotAllowed(f"Round {target.round_id!r} has been paid; its bets cannot be rolled back.")
            reversal = transaction_reverse(
                original=target.ledger_transaction,
                idempotency_key=_ledger_key(provider, row_id),
                kind="wallet_rollback",
                metadata={
                    "provider": provider.code,
                    "transaction_id": answer_id,
                    "reverses": target.transaction_id,
                },
            )
            WalletTransaction.objects.filter(pk=target.pk).update(
                status=WalletTransactionStatus.ROLLED_BACK, reversal_transaction=reversal, updated_at=timezone.now()
            )
            wallet = _after(reversal, wallet)
            wallet_balance_push(wallet=wallet)
        # else: already rolled back by another rollback id: the bet is reversed once, answer ok and move nothing.
        response = _answer(wallet=wallet, currency=currency, transaction_id=answer_id)
        _settle_row(own_row, response=response, ledger_transaction=reversal)
    return WalletAnswer(body=response)


def _rollback_target(
    *,
    provider: Provider,
    reference_transaction_id: str,
    player: AbstractBaseUser,
    currency: str,
    session_id: str,
    round_id: str,
    amount: int | None,
) -> WalletTransaction | None:
    """The locked row the rollback names; when there is none, a tombstone takes its id (then None is returned).

    If the named bet is being written by a concurrent request, the tombstone's insert waits for it on the unique
    index: either the bet commits first (and is returned, locked, to be reversed) or the tombstone wins."""
    # The bet's ledger transaction comes with it: a rollback reverses it.
    named = WalletTransaction.objects.select_for_update(of=("self",)).select_related("ledger_transaction")
    target = named.filter(provider=provider, transaction_id=reference_transaction_id).first()
    if target is not None:
        return target
    # None: the tombstone holds the id now. Otherwise the bet committed first, and comes back locked to be reversed
    # (its ledger transaction is read when the reversal needs it).
    return _claim(
        provider=provider,
        transaction_id=reference_transaction_id,
        fingerprint="",
        action=WalletAction.BET,  # the tombstone stands in for the bet the rollback expected
        status=WalletTransactionStatus.TOMBSTONE,
        player=player,
        round_id=round_id,
        session_id=session_id,
        amount=amount or 0,
        currency=currency,
    )


def _rollback_check(*, target: WalletTransaction, player: AbstractBaseUser, round_id: str, amount: int | None) -> None:
    if target.player_id != player.pk:
        raise TransactionConflict(f"Transaction {target.transaction_id!r} belongs to another player.")
    if target.action != WalletAction.BET:
        raise RollbackNotAllowed(f"Transaction {target.transaction_id!r} is a {target.action}; only bets roll back.")
    if round_id and round_id != target.round_id:
        raise TransactionConflict(f"Transaction {target.transaction_id!r} is in another round.")
    if amount is not None and amount != target.amount:
        raise TransactionConflict(f"The rollback's amount differs from transaction {target.transaction_id!r}.")
