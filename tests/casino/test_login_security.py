"""Player logins under attack: the throttles per address and per username, the lockout, the client address behind
trusted proxies, geo-blocking at registration and login, logout and token families, bounded JSON bodies."""

import json

import jwt
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def alice(make_player):
    return make_player(username="alice")


def _login(client, username="alice", password=PASSWORD, **extra):
    return client.post("/api/v1/auth/token", {"username": username, "password": password}, format="json", **extra)


def _assert_too_many(response):
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "too_many_requests"
    assert int(response["Retry-After"]) >= 1


def test_sixty_wrong_passwords_in_a_row_get_429_with_retry_after(client, alice):
    statuses = [_login(client, password=f"wrong-{i}").status_code for i in range(60)]

    assert statuses[0] == 401 and statuses[-1] == 429
    assert statuses.count(401) <= 10  # the defaults: 10 failures lock the username, 10 a minute per username
    _assert_too_many(_login(client, password="wrong-again"))
    # Locked: even the right password waits out the lockout.
    _assert_too_many(_login(client))


def test_the_lockout_counts_failures_in_a_row_and_a_success_resets_it(client, alice, settings):
    settings.LOGIN_RATE_PER_USERNAME = settings.LOGIN_RATE_PER_ADDRESS = "1000/minute"
    settings.LOGIN_LOCKOUT_FAILURES, settings.LOGIN_LOCKOUT_SECONDS = 5, 600
    for _ in range(4):
        assert _login(client, password="wrong").status_code == 401
    assert _login(client).status_code == 200
    for _ in range(4):
        assert _login(client, password="wrong").status_code == 401
    assert _login(client, password="wrong").status_code == 401  # the fifth in a row locks

    locked = _login(client)

    _assert_too_many(locked)
    assert 590 <= int(locked["Retry-After"]) <= 600
    # Another username is not locked by alice's failures (only by an address limit).
    assert _login(client, username="bob").status_code == 401


def test_the_username_throttle_holds_across_addresses(client, alice, settings):
    settings.LOGIN_RATE_PER_USERNAME, settings.LOGIN_RATE_PER_ADDRESS = "3/minute", "1000/minute"
    settings.LOGIN_LOCKOUT_FAILURES = 1000
    for i in range(3):
        assert _login(client, password="wrong", REMOTE_ADDR=f"198.51.100.{i}").status_code == 401
    _assert_too_many(_login(client, password="wrong", REMOTE_ADDR="198.51.100.99"))
    # Case and padding do not make another account to guess at.
    _assert_too_many(_login(client, username=" ALICE ", password="wrong", REMOTE_ADDR="198.51.100.98"))


def test_a_forged_forwarded_for_buys_no_fresh_counter(client, alice, settings):
    settings.NUM_PROXIES, settings.LOGIN_RATE_PER_ADDRESS = 1, "3/minute"
    settings.LOGIN_RATE_PER_USERNAME, settings.LOGIN_LOCKOUT_FAILURES = "1000/minute", 1000
    # Our one proxy appends the address it saw (203.0.113.7); whatever the client wrote before it is its own word.
    for i in range(3):
        response = _login(client, username=f"guess{i}", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 203.0.113.7")
        assert response.status_code == 401
    _assert_too_many(_login(client, username="guess9", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"))
    # Another client behind the same proxy has its own counter.
    assert _login(client, username="guess10", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 401


def test_the_forwarded_for_of_an_untrusted_peer_is_not_believed(client, alice, settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXY_NETWORKS = 1, ["10.0.0.0/8"]
    settings.LOGIN_RATE_PER_ADDRESS = "2/minute"
    settings.LOGIN_RATE_PER_USERNAME, settings.LOGIN_LOCKOUT_FAILURES = "1000/minute", 1000
    for i in range(2):
        assert _login(client, username=f"g{i}", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code == 401
    # The peer (127.0.0.1) is no proxy of ours: every request is counted against the peer itself.
    _assert_too_many(_login(client, username="g3", HTTP_X_FORWARDED_FOR="192.0.2.3"))


def test_a_player_whose_profile_country_is_blocked_gets_no_token(client, alice, blocked_countries):
    blocked_countries("MT")
    response = _login(client)
    assert response.status_code == 403 and response.json()["code"] == "country_blocked"


@pytest.fixture
def trusted_edge(settings):
    """The operator's edge (a CDN) reports the client's country in CF-IPCountry; requests come through it."""
    settings.GEO_COUNTRY_HEADER = "CF-IPCountry"
    settings.TRUSTED_PROXY_NETWORKS = ["127.0.0.1/32"]


def test_login_and_registration_from_a_blocked_country_at_the_edge_are_refused(
    client, alice, blocked_countries, trusted_edge
):
    blocked_countries("KP")
    login = _login(client, HTTP_CF_IPCOUNTRY="KP")
    assert login.status_code == 403 and login.json()["code"] == "country_blocked"
    register = client.post(
        "/api/v1/auth/register",
        {"username": "bob", "password": PASSWORD, "email": "b@example.com", "country": "MT", "currency": "EUR"},
        format="json",
        HTTP_CF_IPCOUNTRY="kp",
    )
    assert register.status_code == 403 and register.json()["code"] == "country_blocked"
    assert _login(client, HTTP_CF_IPCOUNTRY="MT").status_code == 200


def test_the_edge_header_of_an_untrusted_peer_is_ignored(client, alice, blocked_countries, trusted_edge):
    blocked_countries("KP")
    response = _login(client, HTTP_CF_IPCOUNTRY="KP", REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 200


def _refresh(client, token):
    return client.post("/api/v1/auth/token/refresh", {"refresh": token}, format="json")


def test_a_reused_refresh_token_revokes_its_whole_family(client, alice):
    first = _login(client).json()["refresh"]
    other_login = _login(client).json()["refresh"]
    second = _refresh(client, first).json()["refresh"]

    assert _refresh(client, first).status_code == 401  # a copy of a used token came back

    revoked = _refresh(client, second)
    assert revoked.status_code == 401 and revoked.json()["code"] == "token_invalid"
    assert _refresh(client, other_login).status_code == 200  # another login's family is untouched
    assert _login(client).status_code == 200


def test_logout_ends_the_login(client, alice):
    tokens = _login(client).json()
    rotated = _refresh(client, tokens["refresh"]).json()["refresh"]

    response = client.post("/api/v1/auth/logout", {"refresh": rotated}, format="json")

    assert response.status_code == 204
    assert _refresh(client, rotated).status_code == 401
    assert client.post("/api/v1/auth/logout", {"refresh": rotated}, format="json").status_code == 204  # idempotent
    garbage = client.post("/api/v1/auth/logout", {"refresh": "garbage"}, format="json")
    assert garbage.status_code == 401 and garbage.json()["code"] == "token_invalid"


def test_tokens_name_audience_and_issuer_and_a_token_signed_with_the_secret_key_is_refused(client, alice, settings):
    access = _login(client).json()["access"]
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["aud"] == settings.SIMPLE_JWT["AUDIENCE"] and claims["iss"] == settings.SIMPLE_JWT["ISSUER"]
    assert settings.SIMPLE_JWT["SIGNING_KEY"] != settings.SECRET_KEY

    forged = jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert client.get("/api/v1/me").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # the old parser recursed until RecursionError: a 500
        json.dumps({"username": {"a": [[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]]}, "password": "x"}).encode(),
        json.dumps({"username": "a" * 70_000, "password": "x"}).encode(),  # over API_MAX_JSON_BYTES
    ],
    ids=["deep", "nested-field", "oversized"],
)
@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/register"])
def test_nested_or_oversized_json_is_a_400(client, body, path):
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "malformed_request"


def test_staff_passwords_are_long_and_players_keep_their_own_policy(client):
    # Every password set through Django (admin, createsuperuser, changepassword) is a staff password.
    with pytest.raises(ValidationError, match="at least 14"):
        validate_password("zebra-ink-97")
    validate_password("zebra-ink-97-lantern")
    response = client.post(
        "/api/v1/auth/register",
        {"username": "carol", "password": "zebra-ink-97", "email": "c@example.com", "country": "MT", "currency": "EUR"},
        format="json",
    )
    assert response.status_code == 201, response.content
