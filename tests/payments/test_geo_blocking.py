"""Geo-blocking at payments: deposits and withdrawals from a blocked country are 403 country_blocked and create
nothing (the profile's country, or the one a trusted edge reports)."""

from payments.models import Payment
from tests.payments.conftest import post_order, wallet_of


def test_a_blocked_profile_country_is_refused_at_deposit_and_withdrawal(
    gateway, make_player, fund, api, blocked_countries
):
    player = make_player(kyc_status="verified")
    fund(player, 1_000)
    blocked_countries(player.player.country)

    for kind in ("deposits", "withdrawals"):
        response = post_order(api(player), kind, amount="5.00")
        assert (response.status_code, response.json()["code"]) == (403, "country_blocked"), kind
    assert not Payment.objects.exists() and wallet_of(player).held == 0


def test_a_blocked_country_at_the_trusted_edge_is_refused_at_deposit(
    gateway, make_player, api, blocked_countries, settings
):
    settings.GEO_COUNTRY_HEADER, settings.TRUSTED_PROXY_NETWORKS = "CF-IPCountry", ["127.0.0.1/32"]
    blocked_countries("KP")
    player = make_player()

    refused = api(player).post(
        "/api/v1/payments/deposits",
        {"gateway": "sandbox", "amount": "5.00", "currency": "EUR"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="geo-1",
        HTTP_CF_IPCOUNTRY="KP",
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "country_blocked")
    assert not Payment.objects.exists()
    assert post_order(api(player), "deposits", amount="5.00").status_code == 201
