"""Seeding the SOAP sandbox provider: its Provider row points at this site's SOAP sandbox and uses the sandbox key."""

from django.conf import settings

from providers.adapters.soap_xml.adapter import SoapXmlAdapter
from providers.models import Provider, ProviderProtocol
from sandbox.provider_soap.seed import seed, soap_sandbox_games, soap_sandbox_provider_seed


def test_seed_creates_the_soap_sandbox_provider_once(db):
    first = seed()
    second = seed()
    assert first == second
    provider = Provider.objects.get(code="sandbox_soap")
    assert provider.protocol == ProviderProtocol.SOAP_XML
    assert provider.base_url == settings.SITE_URL.rstrip("/") + "/sandbox/soap-provider/"
    assert provider.secrets_for(settings.SANDBOX_PROVIDER_KEY_ID) == [settings.SANDBOX_PROVIDER_SECRET]
    assert Provider.objects.filter(code="sandbox_soap").count() == 1


def test_seeded_games_are_the_catalogue(db):
    codes = {game.code for game in soap_sandbox_games()}
    assert codes == {"pharaoh-reels", "pharaoh-reels-usd", "royal-roulette", "old-timer"}


def test_the_seeded_provider_plays_against_this_site(db, live_server):
    provider, _ = soap_sandbox_provider_seed(site_url=live_server.url)
    games = SoapXmlAdapter(provider).list_games()
    assert {game.code for game in games} == {game.code for game in soap_sandbox_games()}
