"""GET /games: cached with an ETag, 304 on If-None-Match, invalidated by staff changes and the catalogue sync."""

import pytest
from rest_framework.test import APIClient

from providers.models import Game
from sandbox.provider.seed import sandbox_provider_seed

pytestmark = pytest.mark.django_db(transaction=True)  # the cache version is bumped on commit


@pytest.fixture
def provider():
    return sandbox_provider_seed(site_url="http://127.0.0.1:9")


@pytest.fixture
def staff_client(django_user_model):
    staff = django_user_model.objects.create_superuser(username="staff", password="pw-staff-1", email="s@x.io")
    client = APIClient()
    client.force_login(staff)
    return client


def test_games_list_is_public_with_etag_and_cache_control(provider):
    client = APIClient()
    response = client.get("/api/v1/games")

    assert response.status_code == 200
    assert response["ETag"].startswith('"') and response["Cache-Control"] == "public, no-cache"
    games = {g["name"]: g for g in response.json()["results"]}
    assert len(games) == 5
    assert games["Fruit Fiesta"] | {"id": None} == {
        "id": None,
        "name": "Fruit Fiesta",
        "provider": "sandbox",
        "category": "slots",
        "min_bet": "0.10",
        "max_bet": "100.00",
        "currency": "EUR",
        "available": True,
    }
    not_modified = client.get("/api/v1/games", HTTP_IF_NONE_MATCH=response["ETag"])
    assert not_modified.status_code == 304 and not_modified["ETag"] == response["ETag"]
    assert not_modified.content == b""


def test_games_list_is_served_from_the_cache(provider, django_assert_num_queries):
    client = APIClient()
    client.get("/api/v1/games")
    with django_assert_num_queries(0):
        assert client.get("/api/v1/games").status_code == 200


def test_staff_change_in_the_admin_invalidates_the_cached_list(provider, staff_client):
    client = APIClient()
    etag = client.get("/api/v1/games")["ETag"]
    game = Game.objects.get(code="fruit-fiesta")

    response = staff_client.post(
        "/admin/providers/game/",
        {"action": "disable_games", "_selected_action": [str(game.pk)]},
    )

    assert response.status_code == 302
    fresh = client.get("/api/v1/games", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert {g["name"]: g["available"] for g in fresh.json()["results"]}["Fruit Fiesta"] is False


def test_staff_edit_form_invalidates_too(provider, staff_client):
    client = APIClient()
    etag = client.get("/api/v1/games")["ETag"]
    game = Game.objects.get(code="mini-reels")
    form = {
        "provider": provider.pk, "code": game.code, "name": "Mini Reels Deluxe", "category": "slots",
        "currency": "EUR", "min_bet": 1, "max_bet": 500, "enabled": "on",
    }  # fmt: skip

    assert staff_client.post(f"/admin/providers/game/{game.pk}/change/", form).status_code == 302

    fresh = client.get("/api/v1/games")
    assert fresh["ETag"] != etag and "Mini Reels Deluxe" in {g["name"] for g in fresh.json()["results"]}


def test_catalogue_sync_task_restores_the_providers_catalogue(sandbox):
    from providers.tasks import sync_catalogues

    client = APIClient()
    Game.objects.filter(code="lucky-sevens").update(min_bet=5, name="Edited")
    etag = client.get("/api/v1/games")["ETag"]

    result = sync_catalogues.delay().get()

    assert result == {"sandbox": {"created": 0, "updated": 1, "disabled": 0}}
    game = Game.objects.get(code="lucky-sevens")
    assert (game.name, game.min_bet, game.max_bet) == ("Lucky Sevens", 100, 50_000)
    assert client.get("/api/v1/games")["ETag"] != etag


def test_catalogue_sync_survives_a_provider_outage(sandbox):
    from providers.tasks import sync_catalogues
    from sandbox.provider.faults import fault_set

    fault_set(operation="games", mode="error", count=1)
    assert "error" in sync_catalogues.delay().get()["sandbox"]
    assert Game.objects.filter(provider=sandbox, enabled=True).count() == 5


def test_games_version_is_what_keys_the_cached_list_and_moves_with_a_staff_change(provider, staff_client):
    client = APIClient()
    before = client.get("/api/v1/games/version")
    assert before.status_code == 200 and before["X-Catalogue-Version"] == str(before.json()["version"])
    game = Game.objects.get(code="fruit-fiesta")

    staff_client.post("/admin/providers/game/", {"action": "disable_games", "_selected_action": [str(game.pk)]})

    after = client.get("/api/v1/games/version")
    assert int(after["X-Catalogue-Version"]) > int(before["X-Catalogue-Version"])
