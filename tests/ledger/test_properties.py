"""Random sequences of money moves keep every ledger invariant (hypothesis, stateful).

A model of the expected balances, holds and outcomes runs next to the real services on PostgreSQL; after every
step the database must agree with the model, `ledger_audit()` must be empty, every currency must sum to zero, and
no wallet may be below its holds. Each example runs inside one transaction that is rolled back at its end."""

import itertools
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from casino.services import player_register
from ledger.errors import AlreadyReversed, HoldNotActive, InsufficientFunds, LedgerKeyConflict
from ledger.models import Account, AccountKind, Hold, HoldStatus
from ledger.selectors import ledger_audit
from ledger.services import (
    Posting,
    hold_capture,
    hold_release,
    hold_reserve,
    holds_expire_due,
    system_account_get_or_create,
    transaction_reverse,
    transfer,
    wallet_get_or_create,
)

_names = itertools.count()
amounts = st.integers(min_value=1, max_value=600)
picks = st.integers(min_value=0, max_value=10_000)


class LedgerMachine(RuleBasedStateMachine):
    """Three EUR wallets, one USD wallet and their system accounts; the model is `balance` and `held` per account."""

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.keys = itertools.count()
        self.balance: dict[int, int] = defaultdict(int)
        self.held: dict[int, int] = defaultdict(int)
        self.accounts: dict[int, Account] = {}
        self.transfers: list[tuple[dict, object]] = []  # (kwargs, transaction)
        self.reversible: list[object] = []  # transactions with their per-account nets, not yet reversed
        self.nets: dict[object, dict[int, int]] = {}
        self.reversed: set = set()
        self.holds: dict[object, dict] = {}  # hold id -> {"hold", "status", "capture": (kwargs, txn) | None}

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _add(self, account: Account) -> Account:
        self.accounts[account.pk] = account
        return account

    def _key(self, prefix: str) -> str:
        return f"{prefix}:{next(self.keys)}"

    @initialize()
    def open_accounts(self):
        self.by_currency: dict[str, dict[str, list[Account]]] = {}
        for currency, wallets in (("EUR", 3), ("USD", 1)):
            players = [
                player_register(
                    username=f"prop{next(_names)}",
                    password="correct-horse-9",
                    email="p@example.com",
                    country="MT",
                    currency=currency,
                )
                for _ in range(wallets)
            ]
            group = {
                "wallets": [self._add(wallet_get_or_create(user=p, currency=currency)) for p in players],
                "system": [
                    self._add(system_account_get_or_create(kind=AccountKind.HOUSE, currency=currency)),
                    self._add(
                        system_account_get_or_create(
                            kind=AccountKind.PROVIDER_CLEARING, currency=currency, partner="prop"
                        )
                    ),
                ],
            }
            gateway = self._add(
                system_account_get_or_create(kind=AccountKind.GATEWAY_CLEARING, currency=currency, partner="prop")
            )
            for wallet in group["wallets"]:
                self._move(source=gateway, destination=wallet, amount=1000)
            self.by_currency[currency] = group

    # ---------------------------------------------------------------------------------------------- model helpers

    def _can_pay(self, account_id: int, debit: int) -> bool:
        account = self.accounts[account_id]
        return not account.non_negative or self.balance[account_id] - debit >= self.held[account_id]

    def _move(self, *, source: Account, destination: Account, amount: int, key: str | None = None, kind="move"):
        kwargs = {
            "source": source,
            "destination": destination,
            "amount": amount,
            "kind": kind,
            "idempotency_key": key or self._key("t"),
        }
        if not self._can_pay(source.pk, amount):
            with pytest.raises(InsufficientFunds):
                transfer(**kwargs)
            return None
        txn = transfer(**kwargs)
        assert txn.replayed is False
        self.balance[source.pk] -= amount
        self.balance[destination.pk] += amount
        self.transfers.append((kwargs, txn))
        self.reversible.append(txn)
        self.nets[txn.pk] = {source.pk: -amount, destination.pk: amount}
        return txn

    def _pair(self, currency: str, pick: int, wallet_to_wallet: bool):
        group = self.by_currency[currency]
        pool = group["wallets"] + ([] if wallet_to_wallet else group["system"])
        source = pool[pick % len(pool)]
        others = [a for a in pool if a.pk != source.pk] or group["system"]
        return source, others[(pick // len(pool)) % len(others)]

    # ---------------------------------------------------------------------------------------------- rules

    @rule(currency=st.sampled_from(["EUR", "USD"]), pick=picks, amount=amounts, wallets_only=st.booleans())
    def transfer_money(self, currency, pick, amount, wallets_only):
        source, destination = self._pair(currency, pick, wallets_only)
        self._move(source=source, destination=destination, amount=amount)

    @precondition(lambda self: self.transfers)
    @rule(pick=picks)
    def replay_transfer(self, pick):
        kwargs, first = self.transfers[pick % len(self.transfers)]
        again = transfer(**kwargs)
        assert (again.pk, again.replayed) == (first.pk, True)

    @precondition(lambda self: self.transfers)
    @rule(pick=picks, extra=st.integers(min_value=1, max_value=50))
    def reuse_key_for_another_move(self, pick, extra):
        kwargs, _ = self.transfers[pick % len(self.transfers)]
        with pytest.raises(LedgerKeyConflict):
            transfer(**{**kwargs, "amount": kwargs["amount"] + extra})

    @rule(currency=st.sampled_from(["EUR", "USD"]), pick=picks, amount=amounts, expired=st.booleans())
    def reserve(self, currency, pick, amount, expired):
        wallets = self.by_currency[currency]["wallets"]
        wallet = wallets[pick % len(wallets)]
        expires_at = timezone.now() - timedelta(seconds=1) if expired else None
        kwargs = {"account": wallet, "amount": amount, "idempotency_key": self._key("h"), "expires_at": expires_at}
        if self.balance[wallet.pk] - self.held[wallet.pk] < amount:
            with pytest.raises(InsufficientFunds):
                hold_reserve(**kwargs)
            return
        hold = hold_reserve(**kwargs)
        again = hold_reserve(**kwargs)
        assert (again.pk, again.replayed, hold.replayed) == (hold.pk, True, False)
        self.held[wallet.pk] += amount
        self.holds[hold.pk] = {"hold": hold, "status": HoldStatus.ACTIVE, "capture": None, "expires_at": expires_at}

    @precondition(lambda self: self.holds)
    @rule(pick=picks, fraction=st.sampled_from([None, 1, 2, 3]), payout=st.integers(0, 900), to_house=st.booleans())
    def capture(self, pick, fraction, payout, to_house):
        state = list(self.holds.values())[pick % len(self.holds)]
        hold = state["hold"]
        house, clearing = self.by_currency[hold.currency]["system"]
        amount = None if fraction is None else max(1, hold.amount // fraction)
        captured = hold.amount if amount is None else amount
        extra = [Posting(clearing, -payout), Posting(state["hold"].account, payout)] if payout else []
        kwargs = {
            "hold": hold,
            "destination": house if to_house else clearing,
            "idempotency_key": self._key("c"),
            "kind": "spin",
            "amount": amount,
            "extra_postings": extra,
        }
        if state["status"] != HoldStatus.ACTIVE:
            with pytest.raises(HoldNotActive):
                hold_capture(**kwargs)
            return
        txn = hold_capture(**kwargs)
        assert txn.replayed is False
        wallet_id, destination_id = hold.account_id, kwargs["destination"].pk
        net: dict[int, int] = defaultdict(int)
        net[wallet_id] += payout - captured
        net[destination_id] += captured
        net[clearing.pk] -= payout
        for account_id, amount_ in net.items():
            self.balance[account_id] += amount_
        self.held[wallet_id] -= hold.amount
        state.update(status=HoldStatus.CAPTURED, capture=(kwargs, txn))
        self.reversible.append(txn)
        self.nets[txn.pk] = {a: n for a, n in net.items() if n}

    @precondition(lambda self: any(s["capture"] for s in self.holds.values()))
    @rule(pick=picks)
    def replay_capture(self, pick):
        captured = [s for s in self.holds.values() if s["capture"]]
        kwargs, txn = captured[pick % len(captured)]["capture"]
        again = hold_capture(**kwargs)
        assert (again.pk, again.replayed) == (txn.pk, True)

    @precondition(lambda self: self.holds)
    @rule(pick=picks)
    def release(self, pick):
        state = list(self.holds.values())[pick % len(self.holds)]
        if state["status"] == HoldStatus.CAPTURED:
            with pytest.raises(HoldNotActive):
                hold_release(hold=state["hold"])
            return
        released = hold_release(hold=state["hold"])
        if state["status"] == HoldStatus.ACTIVE:
            self.held[state["hold"].account_id] -= state["hold"].amount
            state["status"] = HoldStatus.RELEASED
        assert released.status == state["status"]

    @rule()
    def expire_due(self):
        due = [
            s
            for s in self.holds.values()
            if s["status"] == HoldStatus.ACTIVE and s["expires_at"] is not None and s["expires_at"] <= timezone.now()
        ]
        assert holds_expire_due() == len(due)
        for state in due:
            state["status"] = HoldStatus.EXPIRED
            self.held[state["hold"].account_id] -= state["hold"].amount

    @precondition(lambda self: self.reversible)
    @rule(pick=picks)
    def reverse(self, pick):
        original = self.reversible[pick % len(self.reversible)]
        key = self._key("r")
        if original.pk in self.reversed:
            with pytest.raises(AlreadyReversed):
                transaction_reverse(original=original, idempotency_key=key)
            return
        net = self.nets[original.pk]
        if not all(self._can_pay(account_id, amount) for account_id, amount in net.items()):
            with pytest.raises(InsufficientFunds):
                transaction_reverse(original=original, idempotency_key=key)
            return
        reversal = transaction_reverse(original=original, idempotency_key=key)
        assert transaction_reverse(original=original, idempotency_key=key).pk == reversal.pk
        for account_id, amount in net.items():
            self.balance[account_id] -= amount
        self.reversed.add(original.pk)
        self.reversible.append(reversal)
        self.nets[reversal.pk] = {a: -n for a, n in net.items()}

    # ---------------------------------------------------------------------------------------------- invariants

    @invariant()
    def database_matches_the_model(self):
        if not self.accounts:
            return
        rows = {a.pk: (a.balance, a.held) for a in Account.objects.filter(pk__in=self.accounts)}
        assert rows == {pk: (self.balance[pk], self.held[pk]) for pk in self.accounts}
        statuses = dict(Hold.objects.filter(pk__in=self.holds).values_list("pk", "status"))
        assert statuses == {pk: s["status"] for pk, s in self.holds.items()}

    @invariant()
    def ledger_is_sound(self):
        assert ledger_audit() == []
        per_currency = Account.objects.values("currency").annotate(total=Sum("balance"))
        assert {row["currency"]: row["total"] for row in per_currency if row["total"]} == {}
        for account in Account.objects.all():
            assert account.held >= 0
            assert account.available == account.balance - account.held
            if account.kind == AccountKind.PLAYER_WALLET:
                assert account.balance >= account.held, account.code


def test_random_money_moves_keep_every_invariant(db):
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
