"""The staff backoffice in the admin: sections for the work, the dashboard home, the player page, what each group
sees and is refused, the provider form's PEM and adapter checks, and refresh tokens never shown."""

import pytest

from core.audit.models import StaffAction
from providers.models import Provider

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["/admin/", "/admin/providers/round/", "/admin/payments/payment/", "/admin/ledger/account/",
         "/admin/outbox/outboxmessage/", "/admin/backoffice/jobrun/", "/admin/backoffice/discrepancy/",
         "/admin/audit/staffaction/"]  # fmt: skip


@pytest.mark.parametrize("group", ["support", "finance", "operations"])
def test_pages_render_for_each_group(client, staff, group, sandbox, game, player_api):
    api = player_api()
    api.spin(game=game, session_id=api.open_session(game)["session_id"], bet="1.00")
    client.force_login(staff(group))
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    home = client.get("/admin/").content.decode()
    for section in ("Players", "Money", "Games and providers", "Payments", "Operations"):
        assert f">{section}<" in home
    assert 'id="provider-health"' in home and 'id="money-today"' in home
    player = client.get(f"/admin/players/{api.user.pk}/").content.decode()
    assert ('id="statement"' in player and "99.00 EUR" in player) or "EUR" in player


@pytest.mark.parametrize(
    ("group", "url", "allowed"),
    [
        ("support", "/admin/providers/provider/{provider}/change/", False),
        ("finance", "/admin/providers/provider/{provider}/change/", False),
        ("operations", "/admin/providers/provider/{provider}/change/", True),
        ("support", "/admin/backoffice/adjustment/add/", False),
        ("operations", "/admin/backoffice/adjustment/add/", False),
        ("finance", "/admin/backoffice/adjustment/add/", True),
        ("support", "/admin/backoffice/jobrun/run/", False),
        ("finance", "/admin/backoffice/jobrun/run/", True),
    ],
)
def test_each_group_is_refused_what_it_may_not_do(client, staff, sandbox, group, url, allowed):
    client.force_login(staff(group))
    response = client.post(url.format(provider=sandbox.pk), {})
    assert (response.status_code != 403) is allowed


def _provider_form(provider, **extra):
    return {
        "code": provider.code, "name": provider.name, "protocol": "rest_json", "adapter": "rest_json",
        "base_url": provider.base_url, "enabled": "on", "key_id": provider.key_id, "secret": "", "previous_secret": "",
        "credentials": "", "tls_client_cert": "", "tls_client_key": "", "tls_ca_cert": "", "connect_timeout": 3,
        "read_timeout": 5, "currencies": '["EUR", "USD"]', **extra,
    }  # fmt: skip


def test_provider_form_refuses_a_broken_pem_and_an_unknown_adapter(client, staff, sandbox, tmp_path):
    from tests.support.tls import make_pki

    client.force_login(staff("operations"))
    url = f"/admin/providers/provider/{sandbox.pk}/change/"
    pki = make_pki(tmp_path)
    page = client.get(url).content.decode()
    assert '<textarea name="tls_client_cert"' in page and '<textarea name="tls_client_key"' in page
    squashed = pki.client_key_pem.replace("\n", "")  # what a password input used to store
    refused = client.post(url, _provider_form(sandbox, tls_client_cert=pki.client_cert_pem, tls_client_key=squashed))
    assert refused.status_code == 200 and "tls_client_key" in refused.context["adminform"].form.errors
    wrong = client.post(url, _provider_form(sandbox, adapter="no_such_adapter"))
    assert "adapter" in wrong.context["adminform"].form.errors
    assert Provider.objects.get(pk=sandbox.pk).tls_client_key == ""

    saved = client.post(url, _provider_form(sandbox, tls_client_cert=pki.client_cert_pem.replace("\n", "\r\n"),
                                            tls_client_key=pki.client_key_pem))  # fmt: skip
    assert saved.status_code == 302
    stored = Provider.objects.get(pk=sandbox.pk)
    assert (stored.tls_client_cert, stored.tls_client_key) == (pki.client_cert_pem, pki.client_key_pem)
    change = StaffAction.objects.get(action="provider.change")
    assert change.actor_name == "operations-staff" and change.after["tls_client_key"] == "(set)"
    assert pki.client_key_pem not in str(change.after)


def test_test_connection_and_circuit_state_beside_enabled(client, staff, sandbox):
    client.force_login(staff("operations"))
    listing = client.get("/admin/providers/provider/").content.decode()
    assert "circuit" in listing and "closed" in listing
    action = {"action": "test_connection", "_selected_action": [sandbox.pk]}
    response = client.post("/admin/providers/provider/", action, follow=True)
    notes = [str(m) for m in response.context["messages"]]
    assert any(note.startswith("sandbox: ok:") for note in notes), notes


def test_refresh_tokens_are_never_shown(client, staff, make_player):
    from casino.services import player_token_obtain

    player = make_player()
    refresh = player_token_obtain(username=player.username, password="correct-horse-9")["refresh"]
    client.force_login(staff())
    listing = client.get("/admin/token_blacklist/outstandingtoken/").content.decode()
    assert player.username in listing and refresh not in listing
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    token = OutstandingToken.objects.get(user=player)
    assert refresh not in client.get(f"/admin/token_blacklist/outstandingtoken/{token.pk}/change/").content.decode()


def test_game_limits_are_typed_in_major_units(client, staff, game):
    client.force_login(staff("operations"))
    url = f"/admin/providers/game/{game.pk}/change/"
    assert 'value="0.10"' in client.get(url).content.decode()
    form = {"provider": game.provider_id, "code": game.code, "name": game.name, "category": game.category,
            "currency": game.currency, "min_bet": "0.20", "max_bet": "50.00", "enabled": "on"}  # fmt: skip
    assert client.post(url, form).status_code == 302
    game.refresh_from_db()
    assert (game.min_bet, game.max_bet) == (20, 5_000)
    assert StaffAction.objects.get(action="game.change").after == {"max_bet": 5_000, "min_bet": 20}
