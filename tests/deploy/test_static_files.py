"""CDN-ready static files: `collectstatic` with the production storage writes content-hashed names with gzip copies;
the app (WhiteNoise, the embedded default) serves a hashed name with a year's immutable Cache-Control and an
unhashed one briefly, and the gateway's rule for hashed names (deploy/nginx/) matches exactly the names written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
YEAR_IMMUTABLE = "max-age=315360000, public, immutable"


def _production_storages() -> dict:
    # casino/settings/test.py swaps the storage for plain names; put back what base.py configures.
    return {**settings.STORAGES, "staticfiles": PRODUCTION_STORAGE}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=_production_storages()):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_static(collected):
    with override_settings(STATIC_ROOT=collected, STORAGES=_production_storages()):
        yield collected


def _base_css(collected: Path) -> str:
    return json.loads((collected / "staticfiles.json").read_text())["paths"]["admin/css/base.css"]


def test_the_production_storage_is_the_manifest_one_with_gzip_copies():
    from casino.settings import base, frontend

    assert frontend.STORAGES["staticfiles"] == PRODUCTION_STORAGE
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in base.MIDDLEWARE  # inserted by frontend.py, in place


def test_collectstatic_writes_hashed_names_and_templates_link_them(production_static):
    hashed = _base_css(production_static)

    assert re.fullmatch(r"admin/css/base\.[0-9a-f]{12}\.css", hashed)
    assert (production_static / hashed).is_file() and (production_static / f"{hashed}.gz").is_file()
    assert staticfiles_storage.url("admin/css/base.css") == f"/static/{hashed}"


def test_the_app_serves_hashed_names_for_a_year_and_others_briefly(production_static):
    client = Client()  # a new handler: WhiteNoise reads STATIC_ROOT when its middleware is built
    hashed = client.get(f"/static/{_base_css(production_static)}", HTTP_ACCEPT_ENCODING="gzip")
    plain = client.get("/static/admin/css/base.css")

    assert hashed.status_code == 200 and hashed["Cache-Control"] == YEAR_IMMUTABLE
    assert hashed["Content-Encoding"] == "gzip" and hashed["Content-Type"].startswith("text/css")
    assert plain.status_code == 200 and "immutable" not in plain["Cache-Control"]
    assert plain["Cache-Control"] == "max-age=60, public"


def test_the_gateway_caches_for_a_year_exactly_the_hashed_names(collected):
    template = (ROOT / "deploy" / "nginx" / "gateway.conf.template").read_text()
    pattern = re.search(r'location ~ "\^/static/\(\?<static_file>(.+)\)\$"', template).group(1)
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]

    assert all(re.fullmatch(pattern, hashed) for hashed in manifest.values())
    assert not any(re.fullmatch(pattern, original) for original in manifest)
