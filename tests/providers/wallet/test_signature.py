"""Wallet callbacks are authenticated by the contract's HMAC signature alone: every way it can fail, and rotation."""

import time

import pytest

from providers.models import WalletCallback, WalletCallbackVerdict
from tests.providers.wallet.conftest import balance_body

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def body_for(make_player, open_session):
    """A balance body for a new player in a real game session (only the signature varies in these tests)."""

    def body_for(player=None):
        return balance_body(open_session(player or make_player()))

    return body_for


def test_signed_balance_is_answered(wallet, make_player, fund, body_for):
    player = make_player()
    fund(player, 1234)
    response = wallet.call("balance", body_for(player))
    assert response.status_code == 200, response.text
    assert response.json() == {"balance": "12.34", "currency": "EUR", "transaction_id": None, "status": "ok"}
    assert response.headers["X-Request-ID"]


def test_bad_signature_is_401_invalid_signature(wallet, body_for):
    response = wallet.call("balance", body_for(), secret="not-the-secret")
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_signature"


def test_unknown_key_id_is_401_invalid_signature(wallet, body_for):
    response = wallet.call("balance", body_for(), key_id="someone-else")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"


def test_missing_signature_headers_are_401_invalid_signature(wallet, body_for):
    import requests

    response = requests.post(wallet.base_url + wallet.path("balance"), json=body_for(), timeout=10)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"


def test_body_changed_after_signing_is_refused(wallet, make_player, body_for):
    import requests

    from core.signing import sign_request

    player = make_player()
    signed = sign_request(
        key_id=wallet.key_id, secret=wallet.secret, method="POST", path=wallet.path("balance"), body=b"{}"
    )
    response = requests.post(
        wallet.base_url + wallet.path("balance"), json=body_for(player), headers=signed, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"


# Five seconds past the 300 s window each way: a second of wall clock between signing and checking cannot
# bring the timestamp back inside it.
@pytest.mark.parametrize("offset", [-305, 305, -3600])
def test_timestamp_outside_the_window_is_401_stale_signature(wallet, body_for, offset):
    response = wallet.call("balance", body_for(), timestamp=int(time.time()) + offset)
    assert response.status_code == 401
    assert response.json()["code"] == "stale_signature"


def test_timestamp_inside_the_window_is_accepted(wallet, body_for):
    response = wallet.call("balance", body_for(), timestamp=int(time.time()) - 250)
    assert response.status_code == 200


def test_replayed_nonce_is_401_replayed_request(wallet, body_for):
    body = body_for()
    assert wallet.call("balance", body, nonce="nonce-once").status_code == 200
    response = wallet.call("balance", body, nonce="nonce-once")
    assert response.status_code == 401
    assert response.json()["code"] == "replayed_request"


def test_previous_secret_is_accepted_during_rotation(wallet, wallet_provider, body_for):
    body = body_for()  # the session is opened before the rotation (the sandbox knows only the current secret)
    wallet_provider.previous_secret = "acme-current-secret"
    wallet_provider.secret = "acme-next-secret"
    wallet_provider.save()
    assert wallet.call("balance", body, secret="acme-current-secret").status_code == 200
    assert wallet.call("balance", body, secret="acme-next-secret").status_code == 200
    assert wallet.call("balance", body, secret="acme-older-secret").status_code == 401
    # Rotation done: the previous secret stops working.
    wallet_provider.previous_secret = ""
    wallet_provider.save()
    assert wallet.call("balance", body, secret="acme-current-secret").json()["code"] == "invalid_signature"


def test_unknown_provider_is_404_unknown_provider(wallet, body_for):
    wallet.provider_code = "nobody"
    response = wallet.call("balance", body_for())
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_provider"
    assert not WalletCallback.objects.exists()  # a code nobody configured stores nothing


def test_disabled_provider_is_404_unknown_provider(wallet, wallet_provider, body_for):
    body = body_for()  # opened while the provider is enabled
    wallet_provider.enabled = False
    wallet_provider.save()
    response = wallet.call("balance", body)
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_provider"


def test_unknown_action_is_404_after_the_signature(wallet, body_for):
    body = body_for()
    response = wallet.call("refund", body)
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_action"
    assert wallet.call("refund", body, secret="x").json()["code"] == "invalid_signature"


def test_every_callback_is_stored_with_its_verdict(wallet, make_player, body_for):
    player = make_player()
    body = body_for(player)
    wallet.call("balance", body, headers={"X-Request-ID": "req-good"})
    wallet.call("balance", body, secret="wrong")
    good, bad = WalletCallback.objects.order_by("id")
    assert good.verdict == WalletCallbackVerdict.ACCEPTED
    assert good.response_status == 200
    assert good.provider.code == "acme"
    assert good.headers["X-Request-Id"] == "req-good"
    assert good.headers["Authorization"].startswith("HMAC acme-key:")
    assert str(player.pk) in good.body
    assert good.source_ip == "127.0.0.1"
    assert bad.verdict == WalletCallbackVerdict.REJECTED
    assert bad.error_code == "invalid_signature"
    assert bad.response_status == 401
