"""Registration and JWT: register, obtain, rotate (a used refresh token is dead), and the 401 shapes."""

import pytest
from rest_framework.test import APIClient

from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db

REGISTER = {
    "username": "alice",
    "password": "correct-horse-9",
    "email": "alice@example.com",
    "country": "MT",
    "currency": "EUR",
}


@pytest.fixture
def client():
    return APIClient()


def _register(client, **changes):
    return client.post("/api/v1/auth/register", {**REGISTER, **changes}, format="json")


def _tokens(client, username="alice", password="correct-horse-9"):
    return client.post("/api/v1/auth/token", {"username": username, "password": password}, format="json")


def test_register_creates_a_player_with_an_empty_wallet(client):
    response = _register(client)

    assert response.status_code == 201
    assert set(response.json()) == {"player_id", "username"} and response.json()["username"] == "alice"
    access = _tokens(client).json()["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    me = client.get("/api/v1/me").json()
    assert me == {
        "player_id": response.json()["player_id"],
        "username": "alice",
        "country": "MT",
        "currency": "EUR",
        "kyc_status": "none",
    }
    assert client.get("/api/v1/me/balance").json() == {
        "currency": "EUR",
        "balance": "0.00",
        "available": "0.00",
        "held": "0.00",
    }


def test_register_from_a_blocked_country_is_403_country_blocked(client):
    response = _register(client, country="US")
    assert response.status_code == 403
    assert response.json()["code"] == "country_blocked"
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"currency": "XXX"}, "currency"), ({"country": "M1"}, "country"), ({"country": "XX"}, "country"),
     ({"country": "MLT"}, "country"), ({"password": "123"}, "password"), ({"email": "nope"}, "email")],
)  # fmt: skip
def test_register_validation_errors_name_the_field(client, changes, field):
    response = _register(client, **changes)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and field in body["errors"]
    assert {"type", "title", "status", "detail", "code"} <= set(body)


def test_register_twice_with_one_username_is_refused(client):
    _register(client)
    response = _register(client, email="other@example.com")
    assert response.status_code == 400 and "username" in response.json()["errors"]


def test_bad_credentials_are_401_invalid_credentials(client):
    _register(client)
    response = _tokens(client, password="wrong-password")
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    assert _tokens(client, username="nobody").json()["code"] == "invalid_credentials"


def test_refresh_rotates_and_a_used_refresh_token_is_401_token_invalid(client):
    _register(client)
    first = _tokens(client).json()

    rotated = client.post("/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json")

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"} and rotated.json()["refresh"] != first["refresh"]
    reused = client.post("/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401 and reused.json()["code"] == "token_invalid"
    again = client.post("/api/v1/auth/token/refresh", {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200
    garbage = client.post("/api/v1/auth/token/refresh", {"refresh": "not-a-token"}, format="json")
    assert garbage.status_code == 401 and garbage.json()["code"] == "token_invalid"


def test_an_access_token_is_not_a_refresh_token(client):
    _register(client)
    access = _tokens(client).json()["access"]
    response = client.post("/api/v1/auth/token/refresh", {"refresh": access}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


@pytest.mark.parametrize("path", ["me", "me/balance", "me/transactions", "rounds/00000000-0000-0000-0000-000000000001"])
def test_unauthenticated_is_401_not_authenticated(client, path):
    response = client.get(f"/api/v1/{path}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["Content-Type"] == "application/problem+json"


def test_a_bad_bearer_token_is_401_not_authenticated(client):
    client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_staff_without_a_player_profile_get_no_player_token(client, django_user_model):
    django_user_model.objects.create_user(username="staff", password="correct-horse-9", is_staff=True)
    assert _tokens(client, username="staff").status_code == 401


def test_every_response_carries_x_request_id(client):
    echoed = client.get("/api/v1/games", HTTP_X_REQUEST_ID="req-123")
    assert echoed["X-Request-ID"] == "req-123"
    generated = client.post("/api/v1/auth/token", {}, format="json")
    assert generated.status_code == 400 and len(generated["X-Request-ID"]) >= 16


@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_used_twice_at_once_rotates_once(client):
    _register(client)
    refresh = _tokens(client).json()["refresh"]

    def use():
        return APIClient().post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json").status_code

    statuses = run_together([use] * 4)

    assert sorted(statuses) == [200, 401, 401, 401]
