"""The read-only admin of wallet callbacks and transactions: list pages load in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.providers.wallet.conftest import move

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser(username="staff", password="x" * 12, email="s@example.com")
    client.force_login(staff)
    return client


def play_rounds(wallet, session, rounds: int):
    for i in range(rounds):
        wallet.call("bet", move(session, transaction_id=f"b-{i}", round_id=f"r-{i}", amount="1.00"))
        wallet.call("win", move(session, transaction_id=f"w-{i}", round_id=f"r-{i}", amount="2.00"))


def list_queries(staff_client, name: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(reverse(f"admin:providers_{name}_changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["walletcallback", "wallettransaction"])
def test_list_pages_do_not_grow_with_rows(staff_client, wallet, make_player, fund, open_session, name):
    player = make_player()
    fund(player, 10_000)
    session = open_session(player)
    play_rounds(wallet, session, 2)
    few = list_queries(staff_client, name)
    play_rounds(wallet, session, 8)
    assert list_queries(staff_client, name) == few


def test_nothing_can_be_added_changed_or_deleted(staff_client, wallet, make_player, fund, open_session):
    player = make_player()
    fund(player, 1_000)
    session = open_session(player)
    play_rounds(wallet, session, 1)
    assert staff_client.get(reverse("admin:providers_wallettransaction_add")).status_code == 403
    assert staff_client.get(reverse("admin:providers_walletcallback_add")).status_code == 403
    search = staff_client.get(reverse("admin:providers_wallettransaction_changelist"), {"q": "b-0"})
    assert b"b-0" in search.content
