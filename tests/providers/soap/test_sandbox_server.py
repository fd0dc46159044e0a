"""The SOAP sandbox provider as a server: what it refuses before any game logic runs."""

import pytest
from django.conf import settings
from django.test import Client

from core.signing import sign_request

PATH = "/sandbox/soap-provider/"
LIST_GAMES = (
    b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<ListGamesRequest xmlns="urn:casino:soap-provider:v1"><Currency>EUR</Currency></ListGamesRequest>'
    b"</soap:Body></soap:Envelope>"
)


def post(body: bytes, *, signed: bool = True):
    headers = {"SOAPAction": '"urn:casino:soap-provider:v1#ListGames"'}
    if signed:
        headers |= sign_request(
            key_id=settings.SANDBOX_PROVIDER_KEY_ID,
            secret=settings.SANDBOX_PROVIDER_SECRET,
            method="POST",
            path=PATH,
            body=body,
        )
    return Client().post(PATH, data=body, content_type="text/xml; charset=utf-8", headers=headers)


def test_a_signed_request_is_served(db):
    response = post(LIST_GAMES)
    assert response.status_code == 200
    assert b"pharaoh-reels" in response.content
    assert b"pharaoh-reels-usd" not in response.content  # filtered by currency


def test_an_unsigned_request_is_a_client_fault(db):
    response = post(LIST_GAMES, signed=False)
    assert response.status_code == 500
    assert b"soap:Client" in response.content
    assert b"invalid_signature" in response.content


@pytest.mark.parametrize(
    "body",
    [
        b"<not-xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        LIST_GAMES.replace(b"<Currency>EUR</Currency>", b"<Currency>euro</Currency>"),
    ],
)
def test_malformed_or_schema_invalid_requests_are_client_faults(db, body):
    response = post(body)
    assert response.status_code == 500
    assert b"soap:Client" in response.content
    assert b"root:" not in response.content  # no external entity was ever resolved
