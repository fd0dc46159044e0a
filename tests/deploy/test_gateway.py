"""The NGINX gateway of deploy/nginx/, run on loopback in front of the app served by bin/web: TLS 1.3 only, rate
limits per client address with problem+json, the trusted country header, the shared copy of GET /games and its
invalidation, WebSockets, and static files with long cache lifetimes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import ssl
import time

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from core import realtime
from providers.models import Game
from sandbox.provider.seed import sandbox_provider_seed
from tests.deploy import gateway as harness
from tests.deploy.gateway_urls import GAMES_SERVED_KEY
from tests.support.tls import make_pki

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("gateway")]

HASHED_CSS = "casino/site.0123456789ab.css"  # the shape of a name from the manifest storage
COUNTRIES = "127.0.0.4 US;\n127.0.0.0/8 MT;\n"  # as an operator's GeoIP export would say
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455


@pytest.fixture(scope="module")
def gateway(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connection

    workdir = tmp_path_factory.mktemp("gateway")
    pki = make_pki(workdir / "pki")
    static_root = workdir / "static"
    (static_root / "casino").mkdir(parents=True)
    (static_root / HASHED_CSS).write_text("body { color: black }")
    (static_root / "casino" / "site.css").write_text("body { color: black }")
    with harness.app_server(database_name=connection.settings_dict["NAME"], workdir=workdir) as app_port:  # noqa: SIM117
        with harness.gateway(
            app_port=app_port,
            pki=pki,
            workdir=workdir,
            static_root=static_root,
            countries=COUNTRIES,
            NGINX_RATE="5r/s",
            NGINX_BURST="5",
            NGINX_CATALOGUE_VERSION_TTL="1s",
        ) as running:
            yield running


# ------------------------------------------------------------------------------------------------ TLS


def test_tls_1_2_is_refused_and_1_3_accepted(gateway):
    with pytest.raises(ssl.SSLError):
        gateway.connect(context=gateway.client_context(maximum=ssl.TLSVersion.TLSv1_2)).close()

    with gateway.connect() as tls:
        assert tls.version() == "TLSv1.3"
    answer = gateway.request("/health")
    assert answer.status == 200 and json.loads(answer.body) == {"status": "ok"}
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")


# ------------------------------------------------------------------------------------------------ rate limits


def test_rate_limit_is_per_client_address_and_answers_problem_json(gateway):
    # 30 requests on one connection take well under a second: 5 a second with a burst of 5 lets about 6 through.
    with gateway.keep_alive(source="127.0.0.2") as send:
        answers = [send("/api/v1/me") for _ in range(30)]
    statuses = [answer.status for answer in answers]
    assert statuses[0] == 401  # through to the app, which wants a token
    refused = [answer for answer in answers if answer.status == 429]
    assert len(refused) >= 15, statuses

    problem = refused[0]
    assert problem.headers["Content-Type"] == "application/problem+json"
    assert problem.headers["Retry-After"] == "1"
    assert problem.headers["X-Request-ID"]
    body = json.loads(problem.body)
    assert body["code"] == "too_many_requests" and body["status"] == 429
    assert {"type", "title", "status", "detail", "code"} <= body.keys()

    # Another address has its own allowance, and the orchestrator's probes are never limited.
    assert gateway.request("/api/v1/me", source="127.0.0.3").status == 401
    assert gateway.request("/health", source="127.0.0.2").status == 200


# ------------------------------------------------------------------------------------------------ country


def test_the_app_gets_the_country_the_gateway_vouches_for_never_the_clients_own(gateway):
    spoofed = {"X-Country-Code": "MT", "X-Forwarded-For": "203.0.113.9", "X-Request-ID": "gateway-test-1"}

    from_us = json.loads(gateway.request("/test/headers-seen", source="127.0.0.4", headers=spoofed).body)
    from_mt = json.loads(gateway.request("/test/headers-seen", source="127.0.0.5", headers=spoofed).body)

    assert from_us == {
        "client_address": "127.0.0.4",
        "country": "US",
        "forwarded_proto": "https",
        "request_id": "gateway-test-1",
    }
    assert from_mt["country"] == "MT" and from_mt["client_address"] == "127.0.0.5"


def test_an_address_in_no_range_reaches_the_app_with_no_country(gateway):
    (gateway.conf_dir / "countries.geo").write_text("127.0.0.4 US;\n")
    pid = int((gateway.conf_dir.parent / "run" / "nginx.pid").read_text())
    os.kill(pid, 1)  # SIGHUP: NGINX reloads its configuration
    time.sleep(1.0)
    try:
        seen = json.loads(
            gateway.request("/test/headers-seen", source="127.0.0.5", headers={"X-Country-Code": "MT"}).body
        )
        assert seen["country"] is None
    finally:
        (gateway.conf_dir / "countries.geo").write_text(COUNTRIES)
        os.kill(pid, 1)
        time.sleep(1.0)


# ------------------------------------------------------------------------------------------------ catalogue cache


def _games(answer) -> dict[str, bool]:
    return {game["name"]: game["available"] for game in json.loads(answer.body)["results"]}


def test_games_come_from_the_gateways_copy_and_a_staff_change_is_served_within_two_seconds(gateway, django_user_model):
    sandbox_provider_seed(site_url="http://127.0.0.1:9")
    player = {"source": "127.0.0.6"}

    first = gateway.request("/api/v1/games", **player)
    second = gateway.request("/api/v1/games", headers={"X-Request-ID": "second"}, **player)

    assert first.status == second.status == 200
    assert first.headers["X-Cache-Status"] == "MISS" and second.headers["X-Cache-Status"] == "HIT"
    assert second.body == first.body and _games(second)["Fruit Fiesta"] is True
    assert cache.get(GAMES_SERVED_KEY) == 1  # the app served the first request only
    assert second.headers["X-Request-ID"] == "second"  # the stored answer carries this request's id
    assert second.headers["Cache-Control"] == "public, no-cache" and second.headers["ETag"] == first.headers["ETag"]

    # A request with credentials may be answered for its player: it bypasses the shared copy.
    with_token = gateway.request("/api/v1/games", headers={"Authorization": "Bearer x"}, **player)
    assert with_token.headers["X-Cache-Status"] == "BYPASS" and cache.get(GAMES_SERVED_KEY) == 2

    staff = django_user_model.objects.create_superuser(username="staff", password="pw-staff-1", email="s@x.io")
    admin = Client()
    admin.force_login(staff)
    fruit_fiesta = Game.objects.get(code="fruit-fiesta")
    changed = admin.post("/admin/providers/game/", {"action": "disable_games", "_selected_action": [fruit_fiesta.pk]})
    assert changed.status_code == 302

    # The gateway keeps the version it was told for NGINX_CATALOGUE_VERSION_TTL (1 s, counted in whole seconds by
    # NGINX, so under 2 s); until then it may answer the old copy, then the new version misses the cache.
    changed_at = time.monotonic()
    fresh = gateway.request("/api/v1/games", **player)
    while fresh.headers["X-Cache-Status"] == "HIT" and time.monotonic() - changed_at < 3:
        assert _games(fresh)["Fruit Fiesta"] is True  # a stale copy is the old one, whole
        time.sleep(0.25)  # under the test's rate limit of 5 a second
        fresh = gateway.request("/api/v1/games", **player)
    again = gateway.request("/api/v1/games", **player)

    assert fresh.headers["X-Cache-Status"] == "MISS" and _games(fresh)["Fruit Fiesta"] is False
    assert fresh.headers["ETag"] != first.headers["ETag"]
    assert again.headers["X-Cache-Status"] == "HIT" and _games(again)["Fruit Fiesta"] is False
    assert cache.get(GAMES_SERVED_KEY) == 3


# ------------------------------------------------------------------------------------------------ WebSockets


def _read_until_blank_line(tls) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(4096)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return data


def _read_text_frame(tls) -> str:
    header = tls.recv(2)
    assert header[0] == 0x81, header  # FIN and a text frame; server frames are not masked
    length = header[1] & 0x7F
    if length == 126:
        length = int.from_bytes(tls.recv(2), "big")
    payload = b""
    while len(payload) < length:
        payload += tls.recv(length - len(payload))
    return payload.decode()


def test_websockets_are_proxied_to_the_app_and_carry_pushes(gateway, make_player):
    player = make_player()
    token = str(AccessToken.for_user(player))
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        "GET /ws/player/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{gateway.port}\r\n"
        f"Origin: https://127.0.0.1:{gateway.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Protocol: bearer, {token}\r\n\r\n"
    )
    with gateway.connect(source="127.0.0.7") as tls:
        tls.sendall(handshake.encode())
        head = _read_until_blank_line(tls).decode().lower()

        assert head.startswith("http/1.1 101"), head
        digest = hashlib.sha1((key + WEBSOCKET_GUID).encode(), usedforsecurity=False).digest()
        accept = base64.b64encode(digest)
        assert f"sec-websocket-accept: {accept.decode().lower()}" in head
        assert "sec-websocket-protocol: bearer" in head

        realtime.balance_updated(user_id=player.pk, balance="12.50", available="12.50", currency="EUR")
        message = json.loads(_read_text_frame(tls))
        assert message == {"type": "balance.updated", "balance": "12.50", "available": "12.50", "currency": "EUR"}


# ------------------------------------------------------------------------------------------------ static files


def test_hashed_static_files_are_cached_for_a_year_and_other_names_briefly(gateway):
    hashed = gateway.request(f"/static/{HASHED_CSS}")
    plain = gateway.request("/static/casino/site.css")
    missing = gateway.request("/static/casino/none.0123456789ab.css")

    assert hashed.status == 200 and hashed.body == b"body { color: black }"
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["Content-Type"] == "text/css"
    assert plain.status == 200 and plain.headers["Cache-Control"] == "public, max-age=300"
    assert missing.status == 404
