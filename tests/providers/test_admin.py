"""Admin: provider secrets are never displayed, changelists keep a fixed number of queries."""

import pytest

from providers.models import Provider

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser(username="staff", password="pw-staff-1", email="s@x.io")
    client.force_login(staff)
    return client


def test_provider_secrets_are_write_only(sandbox, staff_client, settings):
    page = staff_client.get(f"/admin/providers/provider/{sandbox.pk}/change/").content.decode()
    assert settings.SANDBOX_PROVIDER_SECRET not in page
    assert "A value is stored; leave empty to keep it." in page

    form = {
        "code": "sandbox", "name": "Sandbox Games", "protocol": "rest_json", "adapter": "rest_json",
        "base_url": sandbox.base_url, "enabled": "on", "key_id": sandbox.key_id, "secret": "", "previous_secret": "",
        "credentials": "", "tls_client_cert": "", "tls_client_key": "", "tls_ca_cert": "",
        "connect_timeout": 3, "read_timeout": 5, "currencies": '["EUR", "USD"]',
    }  # fmt: skip
    assert staff_client.post(f"/admin/providers/provider/{sandbox.pk}/change/", form).status_code == 302
    assert Provider.objects.get(pk=sandbox.pk).secret == settings.SANDBOX_PROVIDER_SECRET  # kept

    form["secret"] = "rotated-secret"
    staff_client.post(f"/admin/providers/provider/{sandbox.pk}/change/", form)
    assert Provider.objects.get(pk=sandbox.pk).secret == "rotated-secret"
    assert "rotated-secret" not in staff_client.get("/admin/providers/provider/").content.decode()


def _play_some_rounds(player_api, game, players=3, spins=2):
    for _ in range(players):
        api = player_api()
        session = api.open_session(game)
        for _ in range(spins):
            assert api.spin(game=game, session_id=session["session_id"], bet="1.00").status_code == 200


@pytest.mark.parametrize(
    ("path", "max_queries"),
    [
        ("/admin/providers/round/", 12),
        ("/admin/providers/gamesession/", 12),
        ("/admin/providers/game/", 12),
        ("/admin/providers/provider/", 12),
    ],
)
def test_changelists_do_not_grow_with_rows(
    sandbox, game, player_api, staff_client, django_assert_max_num_queries, path, max_queries
):
    _play_some_rounds(player_api, game)
    with django_assert_max_num_queries(max_queries):
        assert staff_client.get(path).status_code == 200
    assert staff_client.get(path + "?q=player").status_code == 200


def test_staff_can_resolve_pending_rounds_from_the_admin(sandbox, game, player_api, staff_client):
    from providers.models import Round, RoundStatus
    from sandbox.provider.faults import fault_set

    type(sandbox).objects.filter(pk=sandbox.pk).update(read_timeout=0.3)
    api = player_api()
    session = api.open_session(game)
    fault_set(operation="play", mode="timeout", delay=0.6, count=1)
    fault_set(operation="status", mode="error", count=1)  # the resolver's first poll fails: the round stays pending
    round_id = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]
    assert Round.objects.get(pk=round_id).status == RoundStatus.PENDING

    response = staff_client.post(
        "/admin/providers/round/", {"action": "resolve_pending", "_selected_action": [round_id]}, follow=True
    )

    assert "Resolved: 1 settled." in response.content.decode()
    assert Round.objects.get(pk=round_id).status == RoundStatus.SETTLED


def test_pending_round_sweep_sends_a_resolver(sandbox, game, player_api):
    from providers.models import Round, RoundStatus
    from providers.tasks import resolve_pending_rounds
    from sandbox.provider.faults import fault_set

    type(sandbox).objects.filter(pk=sandbox.pk).update(read_timeout=0.3)
    api = player_api()
    session = api.open_session(game)
    fault_set(operation="play", mode="timeout", delay=0.6, count=1)
    fault_set(operation="status", mode="error", count=1)
    round_id = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]
    assert resolve_pending_rounds.delay().get() == 0  # too young to sweep

    assert resolve_pending_rounds.delay(older_than_seconds=0).get() == 1
    assert Round.objects.get(pk=round_id).status == RoundStatus.SETTLED


def test_enabling_or_disabling_games_needs_its_own_permission(sandbox, game, client, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user(username="editor", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_game", "change_game"]))
    client.force_login(staff)

    page = client.get("/admin/providers/game/").content.decode()
    client.post("/admin/providers/game/", {"action": "disable_games", "_selected_action": [game.pk]})
    form = client.get(f"/admin/providers/game/{game.pk}/change/").context["adminform"].form

    assert "disable_games" not in page and "enabled" not in form.fields
    game.refresh_from_db()
    assert game.enabled

    staff.user_permissions.add(Permission.objects.get(codename="enable_game"))
    client.post("/admin/providers/game/", {"action": "disable_games", "_selected_action": [game.pk]})
    game.refresh_from_db()
    assert not game.enabled


def test_rounds_and_games_show_amounts_in_major_units(sandbox, game, player_api, staff_client):
    api = player_api()
    round_id = api.spin(game=game, session_id=api.open_session(game)["session_id"], bet="2.50").json()["round_id"]

    rounds = staff_client.get("/admin/providers/round/").content.decode()
    assert '<td class="field-bet_money">2.50 EUR</td>' in rounds
    detail = staff_client.get(f"/admin/providers/round/{round_id}/change/").content.decode()
    assert '<div class="readonly">2.50 EUR</div>' in detail and '<div class="readonly">250</div>' not in detail
    games = staff_client.get("/admin/providers/game/").content.decode()
    assert f'<td class="field-min_bet_money">0.10 {game.currency}</td>' in games
