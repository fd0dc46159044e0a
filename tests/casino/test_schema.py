"""The OpenAPI description generates without warnings and lists every endpoint of the contract."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PLAYER_PATHS = {
    "/api/v1/auth/register": "post",
    "/api/v1/auth/token": "post",
    "/api/v1/auth/token/refresh": "post",
    "/api/v1/me": "get",
    "/api/v1/me/balance": "get",
    "/api/v1/me/transactions": "get",
    "/api/v1/games": "get",
    "/api/v1/sessions": "post",
    "/api/v1/spin": "post",
    "/api/v1/rounds/{round_id}": "get",
    "/api/v1/rounds/{round_id}/ack": "post",
    "/api/v1/payments/gateways": "get",
    "/api/v1/payments/deposits": "post",
    "/api/v1/payments/withdrawals": "post",
    "/api/v1/payments/{payment_id}": "get",
    "/api/v1/providers/{provider_code}/wallet/{action}/": "post",
    "/webhooks/payments/{gateway_code}/": "post",
    "/health": "get",
    "/ready": "get",
    "/metrics": "get",
}


def test_schema_lists_every_endpoint(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, method in PLAYER_PATHS.items():
        assert method in paths.get(path, {}), path
    spin = paths["/api/v1/spin"]["post"]
    assert {"200", "400", "409", "422", "503"} <= set(spin["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in spin["parameters"])


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))


def test_docs_page_is_served(client):
    assert client.get("/api/docs/").status_code == 200
