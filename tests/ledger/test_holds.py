"""Two-phase holds: reserve, then capture (whole or part) or release, each at most once; expiry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.errors import HoldNotActive, InsufficientFunds, LedgerKeyConflict
from ledger.models import Account, Hold, HoldStatus, Transaction
from ledger.selectors import ledger_audit
from ledger.services import (
    Posting,
    hold_capture,
    hold_release,
    hold_reserve,
    holds_expire_due,
    transaction_reverse,
    transfer,
)


def fresh(account: Account) -> Account:
    return Account.objects.get(pk=account.pk)


def test_reserve_lowers_available_not_balance(funded_wallet):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="h:1", reference="round-1")
    assert (hold.replayed, hold.status, hold.currency) == (False, HoldStatus.ACTIVE, "EUR")
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held, wallet.available) == (1000, 300, 700)
    assert ledger_audit() == []


def test_reserve_beyond_available_is_refused_and_writes_nothing(funded_wallet):
    wallet = funded_wallet(1000)
    hold_reserve(account=wallet, amount=600, idempotency_key="h:a")
    with pytest.raises(InsufficientFunds):
        hold_reserve(account=wallet, amount=401, idempotency_key="h:b")
    assert not Hold.objects.filter(idempotency_key="h:b").exists()
    assert fresh(wallet).held == 600
    hold_reserve(account=wallet, amount=400, idempotency_key="h:b")
    assert fresh(wallet).available == 0
    assert ledger_audit() == []


def test_reserve_refuses_non_positive_amounts(funded_wallet):
    wallet = funded_wallet(1000)
    for amount in (0, -1):
        with pytest.raises(ValueError):
            hold_reserve(account=wallet, amount=amount, idempotency_key=f"h:{amount}")
    assert fresh(wallet).held == 0


def test_reserve_replay_returns_the_same_hold_and_holds_once(funded_wallet):
    wallet = funded_wallet(1000)
    first = hold_reserve(account=wallet, amount=300, idempotency_key="h:replay")
    again = hold_reserve(account=wallet, amount=300, idempotency_key="h:replay")
    assert (again.pk, again.replayed) == (first.pk, True)
    assert fresh(wallet).held == 300


def test_reserve_replay_after_the_funds_are_spent_is_still_a_replay(funded_wallet, house):
    wallet = funded_wallet(300)
    first = hold_reserve(account=wallet, amount=300, idempotency_key="h:spent")
    hold_capture(hold=first, destination=house, idempotency_key="h:spent:capture", kind="bet")
    again = hold_reserve(account=wallet, amount=300, idempotency_key="h:spent")
    assert (again.pk, again.replayed, again.status) == (first.pk, True, HoldStatus.CAPTURED)
    assert fresh(wallet).held == 0


def test_reserve_key_reused_for_another_reservation_is_a_conflict(funded_wallet):
    wallet = funded_wallet(1000)
    other = funded_wallet(1000)
    hold_reserve(account=wallet, amount=300, idempotency_key="h:conflict")
    with pytest.raises(LedgerKeyConflict):
        hold_reserve(account=wallet, amount=301, idempotency_key="h:conflict")
    with pytest.raises(LedgerKeyConflict):
        hold_reserve(account=other, amount=300, idempotency_key="h:conflict")
    assert (fresh(wallet).held, fresh(other).held) == (300, 0)


def test_full_capture_moves_the_hold_and_closes_it(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="c:hold", reference="round-9")
    txn = hold_capture(hold=hold, destination=provider_clearing, idempotency_key="c:capture", kind="bet")
    assert txn.replayed is False
    assert txn.reference == "round-9"
    assert {e.account_id: e.amount for e in txn.entries.all()} == {wallet.pk: -300, provider_clearing.pk: 300}
    hold.refresh_from_db()
    assert (hold.status, hold.captured_amount, hold.capture_transaction_id) == (HoldStatus.CAPTURED, 300, txn.pk)
    assert hold.closed_at is not None
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held) == (700, 0)
    assert ledger_audit() == []


def test_partial_capture_releases_the_rest(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="p:hold")
    hold_capture(hold=hold, destination=provider_clearing, idempotency_key="p:capture", kind="bet", amount=120)
    hold.refresh_from_db()
    assert (hold.status, hold.captured_amount) == (HoldStatus.CAPTURED, 120)
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held, wallet.available) == (880, 0, 880)
    assert fresh(provider_clearing).balance == 120
    assert ledger_audit() == []


@pytest.mark.parametrize("amount", [0, -1, 301])
def test_capture_outside_the_hold_is_refused(funded_wallet, provider_clearing, amount):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="o:hold")
    with pytest.raises(ValueError):
        hold_capture(hold=hold, destination=provider_clearing, idempotency_key="o:c", kind="bet", amount=amount)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.ACTIVE
    assert fresh(wallet).held == 300


def test_capture_into_the_held_account_itself_is_refused(funded_wallet):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="self:hold")
    with pytest.raises(ValueError):
        hold_capture(hold=hold, destination=wallet, idempotency_key="self:c", kind="bet")
    assert fresh(wallet).held == 300


def test_capture_with_a_payout_in_the_same_transaction(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=200, idempotency_key="s:hold")
    txn = hold_capture(
        hold=hold,
        destination=provider_clearing,
        idempotency_key="s:settle",
        kind="spin",
        extra_postings=[Posting(provider_clearing, -500), Posting(wallet, 500)],
    )
    # Gross legs: the bet and the payout are two lines each on the wallet and the clearing account.
    entries = [(e.account_id, e.amount) for e in txn.entries.order_by("id")]
    assert entries == [(wallet.pk, -200), (provider_clearing.pk, 200), (provider_clearing.pk, -500), (wallet.pk, 500)]
    assert [e.balance_after for e in txn.entries.filter(account=wallet).order_by("id")] == [800, 1300]
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held) == (1300, 0)
    assert ledger_audit() == []


def test_capture_whose_payout_equals_the_bet_keeps_its_legs_on_record(funded_wallet, provider_clearing):
    """The legs cancel out per account; the capture must still be a transaction with balancing entries."""
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=200, idempotency_key="push:hold")
    txn = hold_capture(
        hold=hold,
        destination=provider_clearing,
        idempotency_key="push:settle",
        kind="spin",
        extra_postings=[Posting(provider_clearing, -200), Posting(wallet, 200)],
    )
    assert sorted((e.account_id, e.amount) for e in txn.entries.all()) == sorted(
        [(wallet.pk, -200), (wallet.pk, 200), (provider_clearing.pk, 200), (provider_clearing.pk, -200)]
    )
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held) == (1000, 0)
    again = hold_capture(
        hold=hold,
        destination=provider_clearing,
        idempotency_key="push:settle",
        kind="spin",
        extra_postings=[Posting(provider_clearing, -200), Posting(wallet, 200)],
    )
    assert (again.pk, again.replayed) == (txn.pk, True)
    reversal = transaction_reverse(original=txn, idempotency_key="push:undo")
    assert reversal.entries.count() == 4
    assert ledger_audit() == []


def test_capture_replay_returns_the_same_transaction(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="r:hold")
    first = hold_capture(hold=hold, destination=provider_clearing, idempotency_key="r:c", kind="bet", amount=100)
    again = hold_capture(hold=hold, destination=provider_clearing, idempotency_key="r:c", kind="bet", amount=100)
    assert (again.pk, again.replayed) == (first.pk, True)
    assert fresh(wallet).balance == 900
    assert Transaction.objects.filter(kind="bet").count() == 1


def test_capture_replay_with_another_amount_is_a_conflict(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="rc:hold")
    hold_capture(hold=hold, destination=provider_clearing, idempotency_key="rc:c", kind="bet", amount=100)
    with pytest.raises(LedgerKeyConflict):
        hold_capture(hold=hold, destination=provider_clearing, idempotency_key="rc:c", kind="bet")
    assert fresh(wallet).balance == 900


def test_second_capture_under_another_key_is_refused(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="2c:hold")
    hold_capture(hold=hold, destination=provider_clearing, idempotency_key="2c:a", kind="bet")
    with pytest.raises(HoldNotActive) as caught:
        hold_capture(hold=hold, destination=provider_clearing, idempotency_key="2c:b", kind="bet")
    assert caught.value.code == "hold_not_active"
    assert fresh(wallet).balance == 700


def test_capture_under_a_key_already_used_by_a_transfer_is_a_conflict(funded_wallet, house, provider_clearing):
    wallet = funded_wallet(1000)
    transfer(source=wallet, destination=house, amount=5, kind="bet", idempotency_key="used")
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="u:hold")
    with pytest.raises(LedgerKeyConflict):
        hold_capture(hold=hold, destination=provider_clearing, idempotency_key="used", kind="bet")
    hold.refresh_from_db()
    assert hold.status == HoldStatus.ACTIVE
    assert fresh(wallet).held == 300


def test_capture_after_release_is_refused(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="cr:hold")
    released = hold_release(hold=hold)
    assert released.status == HoldStatus.RELEASED
    with pytest.raises(HoldNotActive):
        hold_capture(hold=hold, destination=provider_clearing, idempotency_key="cr:c", kind="bet")
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held) == (1000, 0)
    assert ledger_audit() == []


def test_release_after_capture_is_refused(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="rc2:hold")
    hold_capture(hold=hold, destination=provider_clearing, idempotency_key="rc2:c", kind="bet")
    with pytest.raises(HoldNotActive):
        hold_release(hold=hold)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CAPTURED
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held) == (700, 0)
    assert ledger_audit() == []


def test_double_release_is_a_no_op(funded_wallet):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=300, idempotency_key="dr:hold")
    other = hold_reserve(account=wallet, amount=100, idempotency_key="dr:other")
    first = hold_release(hold=hold)
    closed_at = first.closed_at
    second = hold_release(hold=hold)
    assert (second.status, second.closed_at) == (HoldStatus.RELEASED, closed_at)
    assert fresh(wallet).held == 100  # the other hold is untouched, the first released once
    other.refresh_from_db()
    assert other.status == HoldStatus.ACTIVE
    assert ledger_audit() == []


def test_expiry_releases_only_active_holds_past_due(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    now = timezone.now()
    due = hold_reserve(account=wallet, amount=100, idempotency_key="e:due", expires_at=now - timedelta(seconds=1))
    later = hold_reserve(account=wallet, amount=200, idempotency_key="e:later", expires_at=now + timedelta(hours=1))
    forever = hold_reserve(account=wallet, amount=50, idempotency_key="e:forever")
    captured = hold_reserve(account=wallet, amount=10, idempotency_key="e:cap", expires_at=now - timedelta(hours=1))
    hold_capture(hold=captured, destination=provider_clearing, idempotency_key="e:cap:c", kind="bet")

    assert holds_expire_due(now=now) == 1
    statuses = dict(Hold.objects.values_list("idempotency_key", "status"))
    assert statuses == {
        "e:due": HoldStatus.EXPIRED,
        "e:later": HoldStatus.ACTIVE,
        "e:forever": HoldStatus.ACTIVE,
        "e:cap": HoldStatus.CAPTURED,
    }
    assert fresh(wallet).held == 250
    assert holds_expire_due(now=now) == 0
    assert holds_expire_due(now=now + timedelta(hours=2)) == 1
    assert fresh(wallet).held == 50
    with pytest.raises(HoldNotActive):
        hold_capture(hold=due, destination=provider_clearing, idempotency_key="e:due:c", kind="bet")
    assert hold_release(hold=due).status == HoldStatus.EXPIRED
    assert {later.pk, forever.pk} >= {h.pk for h in Hold.objects.filter(status=HoldStatus.ACTIVE)}
    assert ledger_audit() == []


def test_expire_task_runs_the_service(funded_wallet):
    from ledger.tasks import expire_holds

    wallet = funded_wallet(1000)
    hold_reserve(account=wallet, amount=100, idempotency_key="t:due", expires_at=timezone.now() - timedelta(1))
    assert expire_holds.delay().get() == 1
    assert fresh(wallet).held == 0


@pytest.mark.django_db(transaction=True)
def test_expiry_pushes_the_wallet_its_available_balance_back(funded_wallet, house):
    """The player's sockets hear of the released money (balance.updated), once per expired hold; a hold on an
    account nobody owns pushes nothing."""
    from core.realtime import pushes_drain
    from tests.support.pushes import player_pushes_listen

    wallet = funded_wallet(1000)
    now = timezone.now()
    hold_reserve(account=wallet, amount=300, idempotency_key="p:due", expires_at=now - timedelta(seconds=1))
    hold_reserve(account=wallet, amount=200, idempotency_key="p:later", expires_at=now + timedelta(hours=1))
    hold_reserve(account=house, amount=1, idempotency_key="p:house:hold", expires_at=now - timedelta(seconds=1))
    pushes_drain()

    received = player_pushes_listen(wallet.owner_id)

    assert holds_expire_due(now=now) == 2
    assert received() == [{"type": "balance.updated", "balance": "10.00", "available": "8.00", "currency": "EUR"}]
