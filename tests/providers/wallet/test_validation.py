"""Bodies that are not what the action's schema says, and players or currencies that do not match."""

import pytest

from providers.models import WalletTransaction
from tests.providers.wallet.conftest import move, new_id

pytestmark = pytest.mark.django_db(transaction=True)


def test_malformed_json_is_400_validation_error(wallet):
    response = wallet.call("bet", b'{"player_id": ')
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"


def test_non_object_body_is_400_validation_error(wallet):
    response = wallet.call("balance", b"[1, 2]")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_missing_fields_are_named(wallet, make_player):
    response = wallet.call("bet", {"player_id": str(make_player().pk), "currency": "EUR"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"session_id", "transaction_id", "round_id", "amount"}


@pytest.mark.parametrize("amount", [10, "-1.00", "1,00", "abc", ""])
def test_amount_must_be_a_positive_decimal_string(wallet, make_player, fund, open_session, amount):
    player = make_player()
    fund(player, 1000)
    response = wallet.call("bet", move(open_session(player), transaction_id=new_id(), round_id="r-1", amount=amount))
    assert response.status_code == 400
    assert "amount" in response.json()["errors"]


def test_too_many_decimals_is_400_never_rounded(wallet, make_player, fund, open_session):
    player = make_player()
    fund(player, 1000)
    response = wallet.call("bet", move(open_session(player), transaction_id=new_id(), round_id="r-1", amount="1.005"))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "amount" in response.json()["errors"]
    assert not WalletTransaction.objects.exists()


def test_zero_bet_is_400(wallet, make_player, fund, open_session):
    player = make_player()
    fund(player, 1000)
    response = wallet.call("bet", move(open_session(player), transaction_id=new_id(), round_id="r-1", amount="0.00"))
    assert response.status_code == 400


def test_wrong_currency_is_400_currency_mismatch(wallet, make_player, fund, open_session):
    player = make_player(currency="EUR")
    fund(player, 1000)
    session = open_session(player)
    response = wallet.call("bet", move(session, transaction_id=new_id(), round_id="r-1", amount="1.00", currency="USD"))
    assert response.status_code == 400
    assert response.json()["code"] == "currency_mismatch"
    balance = wallet.call("balance", {"player_id": str(player.pk), "session_id": str(session.pk), "currency": "USD"})
    assert balance.json()["code"] == "currency_mismatch"


def test_lowercase_or_unknown_currency_is_400(wallet, make_player):
    player = make_player()
    response = wallet.call("balance", {"player_id": str(player.pk), "session_id": "s", "currency": "eur"})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("player_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_unknown_player_is_404_player_not_found(wallet, player_id):
    response = wallet.call("balance", {"player_id": player_id, "session_id": "s", "currency": "EUR"})
    assert response.status_code == 404
    assert response.json()["code"] == "player_not_found"


def test_staff_user_without_a_player_profile_is_not_a_player(wallet, django_user_model):
    staff = django_user_model.objects.create_user(username="staff", password="x" * 12)
    response = wallet.call("balance", {"player_id": str(staff.pk), "session_id": "s", "currency": "EUR"})
    assert response.status_code == 404
    assert response.json()["code"] == "player_not_found"


def test_oversized_body_is_413_and_stores_nothing(wallet, make_player):
    from providers.models import WalletCallback

    body = {"player_id": str(make_player().pk), "session_id": "s", "currency": "EUR", "padding": "x" * 100_000}
    response = wallet.call("balance", body)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not WalletCallback.objects.exists()  # refused before it is read whole: nothing to fill the disk with
