"""A KYC adapter that fails answers 503 kyc_unavailable (never a 500), and no money is held."""

import pytest

from payments.kyc.interface import KycAdapter
from tests.payments.conftest import post_order, wallet_of

pytestmark = pytest.mark.django_db


class BrokenKycAdapter(KycAdapter):
    def check(self, *, user):
        raise ConnectionError("identity vendor down")


def test_a_kyc_adapter_error_is_a_503(settings, make_player, fund, api):
    from payments.models import Gateway

    Gateway.objects.create(code="sandbox", name="S", adapter="sandbox_rest", base_url="http://127.0.0.1:9/",
                           currencies=["EUR"])  # fmt: skip
    settings.PAYMENTS_KYC_ADAPTER = "tests.payments.test_kyc_unavailable.BrokenKycAdapter"
    player = make_player(kyc_status="verified")
    fund(player, 5_000)
    response = post_order(api(player), "withdrawals", amount="10.00")
    assert response.status_code == 503 and response.json()["code"] == "kyc_unavailable"
    assert response["Retry-After"] == "60"
    assert wallet_of(player).held == 0
