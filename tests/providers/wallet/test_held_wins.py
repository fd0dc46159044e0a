"""A partner cannot mint money: a win above the configured multiple of the round's stakes, or above the absolute
cap, is held for staff instead of credited; staff release it (credited once) or refuse it (nothing moves)."""

import pytest
from django.contrib.auth.models import Permission

from core.audit.models import StaffAction
from providers.models import WalletTransaction, WalletTransactionStatus
from providers.wallet.services import wallet_win_refuse, wallet_win_release
from tests.providers.wallet.conftest import available, move

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewer(django_user_model):
    user = django_user_model.objects.create_user(username="finance", password="x" * 16, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="review_win"))
    return django_user_model.objects.get(pk=user.pk)


def test_a_win_over_the_multiple_of_the_stakes_is_held_and_released_once(wallet, player, session, reviewer, settings,
                                                                         audited):  # fmt: skip
    settings.WALLET_WIN_MAX_MULTIPLIER = 10
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    within = wallet.call("win", move(session, transaction_id="w-0", round_id="r-1", amount="10.00"))
    assert within.json()["status"] == "ok" and within.json()["balance"] == "109.00"

    win = move(session, transaction_id="w-1", round_id="r-1", amount="10.01")
    held = wallet.call("win", win)
    assert held.status_code == 200, held.text
    assert held.json() == {"balance": "109.00", "currency": "EUR", "transaction_id": "w-1", "status": "held"}
    assert wallet.call("win", win).json() == held.json()  # the same id answers the same, and moves nothing
    assert available(player) == 10_900
    row = WalletTransaction.objects.get(transaction_id="w-1")
    assert row.status == WalletTransactionStatus.HELD and row.ledger_transaction_id is None

    wallet_win_release(wallet_transaction_id=row.pk, actor=reviewer, note="checked with the studio")
    wallet_win_release(wallet_transaction_id=row.pk, actor=reviewer, note="clicked twice")
    assert available(player) == 11_901
    row.refresh_from_db()
    assert row.status == WalletTransactionStatus.COMPLETED and row.ledger_transaction_id is not None
    assert StaffAction.objects.filter(action="wallet.win.release").count() == 1


def test_a_win_over_the_absolute_cap_is_held_and_can_be_refused(wallet, player, session, reviewer, settings, audited):
    settings.WALLET_WIN_MAX_AMOUNT = "50.00"
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="20.00"))
    held = wallet.call("win", move(session, transaction_id="w-1", round_id="r-1", amount="50.01"))
    assert held.json()["status"] == "held"
    row = WalletTransaction.objects.get(transaction_id="w-1")
    wallet_win_refuse(wallet_transaction_id=row.pk, actor=reviewer, note="outside the paytable")
    wallet_win_release(wallet_transaction_id=row.pk, actor=reviewer, note="too late: refused stays refused")
    row.refresh_from_db()
    assert row.status == WalletTransactionStatus.REFUSED
    assert available(player) == 8_000
    assert StaffAction.objects.get(action="wallet.win.refuse").reason == "outside the paytable"


def test_only_staff_with_the_review_permission_get_the_actions(rf, django_user_model, reviewer):
    from django.contrib import admin

    viewer = django_user_model.objects.create_user(username="viewer", password="x" * 16, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_wallettransaction"))
    model_admin = admin.site._registry[WalletTransaction]
    for user, expected in ((viewer, False), (django_user_model.objects.get(pk=reviewer.pk), True)):
        request = rf.get("/admin/providers/wallettransaction/")
        request.user = user
        actions = model_admin.get_actions(request)
        assert ("release_held_wins" in actions, "refuse_held_wins" in actions) == (expected, expected)
