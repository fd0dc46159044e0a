"""The player page and the frontend plumbing: /play/ with its static files and policy, the API docs without a CDN,
and CORS (off by default, on for the origins configured)."""

import importlib
import re

import pytest

import casino.urls
from sandbox.provider.seed import sandbox_provider_seed

EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)


@pytest.mark.django_db
def test_the_player_page_is_served_with_its_own_scripts_only(client):
    sandbox_provider_seed(site_url="https://games.example:8443")

    response = client.get("/play/")

    assert response.status_code == 200 and response["Cache-Control"] == "no-cache"
    html = response.content.decode()
    assert '<script src="/static/play/play.js" defer>' in html and "/static/play/play.css" in html
    assert not EXTERNAL.search(html) and "<script>" not in html  # no CDN, no inline script
    policy = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["frame-src"] == "'self' https://games.example:8443"  # the providers' game clients
    assert policy["connect-src"] == "'self' ws://testserver"
    assert client.get("/static/play/play.js").status_code == 200


def test_the_player_page_is_only_routed_in_sandbox_mode_or_when_enabled(settings):
    try:
        settings.SANDBOX_MODE, settings.PLAYER_PAGE_ENABLED = False, False
        assert "play" not in {p.name for p in importlib.reload(casino.urls).urlpatterns if hasattr(p, "name")}
        settings.PLAYER_PAGE_ENABLED = True
        assert "play" in {p.name for p in importlib.reload(casino.urls).urlpatterns if hasattr(p, "name")}
    finally:
        settings.SANDBOX_MODE = True
        importlib.reload(casino.urls)


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_load_nothing_from_another_site(client, path):
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not EXTERNAL.search(html) and "cdn." not in html


def test_the_sidecar_assets_are_served(client):
    html = client.get("/api/docs/").content.decode()
    bundle = re.search(r'src="(/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.js)"', html)
    assert bundle and client.get(bundle.group(1)).status_code == 200


@pytest.mark.django_db
def test_cors_is_off_by_default(client):
    response = client.get("/api/v1/games", HTTP_ORIGIN="http://localhost:5173")
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.django_db
def test_cors_answers_the_configured_origins_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]

    preflight = client.options(
        "/api/v1/spin",
        HTTP_ORIGIN="http://localhost:5173",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "idempotency-key" in preflight["Access-Control-Allow-Headers"]
    games = client.get("/api/v1/games", HTTP_ORIGIN="http://localhost:5173")
    assert (
        games["Access-Control-Allow-Origin"] == "http://localhost:5173"
        and "ETag" in games["Access-Control-Expose-Headers"]
    )
    other = client.get("/api/v1/games", HTTP_ORIGIN="http://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    page = client.get("/play/", HTTP_ORIGIN="http://localhost:5173")  # only the API answers across origins
    assert "Access-Control-Allow-Origin" not in page
