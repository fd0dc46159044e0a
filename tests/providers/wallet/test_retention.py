"""Raw wallet callbacks are purged after WALLET_CALLBACK_RETENTION_DAYS; the money they moved stays in the ledger and
the wallet transactions, and the callbacks of a round whose win waits for staff stay until staff decide."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from core.retention import retention_purge
from providers.models import WalletCallback, WalletTransaction
from providers.wallet.services import wallet_win_refuse
from tests.providers.wallet.conftest import balance_body, move

pytestmark = pytest.mark.django_db(transaction=True)


def _remaining() -> list[tuple[str, str]]:
    return sorted(WalletCallback.objects.values_list("action", "transaction_id"))


def test_old_callbacks_go_in_batches_except_those_of_a_held_win(
    wallet, make_player, fund, open_session, django_user_model, settings, audited
):
    settings.WALLET_WIN_MAX_AMOUNT = "50.00"
    settings.WALLET_CALLBACK_RETENTION_DAYS = 400
    player = make_player()
    fund(player, 10_000)
    session = open_session(player)
    assert wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="10.00")).status_code == 200
    assert wallet.call("win", move(session, transaction_id="w-1", round_id="r-1", amount="5.00")).status_code == 200
    assert wallet.call("balance", balance_body(session), secret="not-the-secret").status_code == 401
    assert wallet.call("bet", move(session, transaction_id="b-2", round_id="r-2", amount="20.00")).status_code == 200
    assert wallet.call("win", move(session, transaction_id="w-2", round_id="r-2", amount="60.00")).json()["status"] == (
        "held"
    )
    WalletCallback.objects.update(received_at=timezone.now() - timedelta(days=401))
    assert wallet.call("balance", balance_body(session)).status_code == 200  # today's
    money_rows = WalletTransaction.objects.count()

    assert retention_purge(policy="wallet_callbacks", batch_size=2) == 3

    assert _remaining() == [("balance", ""), ("bet", "b-2"), ("win", "w-2")]
    assert WalletTransaction.objects.count() == money_rows  # the money's own records are never purged

    staff = django_user_model.objects.create_user(username="finance", password="x" * 16, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="review_win"))
    staff = django_user_model.objects.get(pk=staff.pk)
    wallet_win_refuse(wallet_transaction_id=WalletTransaction.objects.get(transaction_id="w-2").pk, actor=staff,
                      note="outside the paytable")  # fmt: skip
    assert retention_purge(policy="wallet_callbacks") == 2
    assert _remaining() == [("balance", "")]
