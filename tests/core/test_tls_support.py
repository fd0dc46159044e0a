"""The test PKI and TLS server that the mutual-TLS partner tests stand on, and the TLS floor of partner calls."""

import ssl

import pytest
import requests

from core.soap import TlsMaterial, soap_session
from tests.support.raises import raises_exactly
from tests.support.tls import make_pki, tls_wsgi_server


def _hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def test_client_certificate_from_the_test_ca_is_accepted(pki):
    with tls_wsgi_server(_hello, pki) as url:
        session = soap_session(TlsMaterial(pki.client_cert_pem, pki.client_key_pem, pki.ca_cert_pem))
        assert session.get(url, timeout=5).text == "hello"


def test_missing_client_certificate_is_refused(pki):
    with tls_wsgi_server(_hello, pki) as url:
        session = soap_session(TlsMaterial(ca_cert=pki.ca_cert_pem))
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(url, timeout=5)


def test_client_certificate_from_another_ca_is_refused(pki):
    with tls_wsgi_server(_hello, pki) as url:
        session = soap_session(TlsMaterial(pki.rogue_client_cert_pem, pki.rogue_client_key_pem, pki.ca_cert_pem))
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(url, timeout=5)


def test_server_outside_the_trusted_ca_is_refused(pki, tmp_path):
    other = make_pki(tmp_path / "other")
    with tls_wsgi_server(_hello, pki) as url:
        session = soap_session(TlsMaterial(pki.client_cert_pem, pki.client_key_pem, other.ca_cert_pem))
        with pytest.raises(requests.exceptions.SSLError):
            session.get(url, timeout=5)


def test_a_partner_that_speaks_only_tls_1_2_is_refused_unless_the_operator_allows_it(pki, settings):
    """PARTNER_TLS_MIN_VERSION (1.3 by default) holds for REST and SOAP calls alike; 1.2 is the operator's choice."""
    from core.outbound import OutboundClient, PartnerUnavailable

    with tls_wsgi_server(_hello, pki, only=ssl.TLSVersion.TLSv1_2) as url:
        tls = TlsMaterial(pki.client_cert_pem, pki.client_key_pem, pki.ca_cert_pem)
        with pytest.raises(requests.exceptions.SSLError, match=r"(?i)version|protocol"):
            soap_session(tls).get(url, timeout=5)
        rest = OutboundClient(name="tls12-partner", base_url=url, **tls.requests_options())
        with raises_exactly(PartnerUnavailable):
            rest.request("GET", "/", operation="hello")

        settings.PARTNER_TLS_MIN_VERSION = "1.2"  # a new session and new pools read it
        assert soap_session(tls).get(url, timeout=5).status_code == 200
