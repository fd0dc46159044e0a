"""The SOAP sandbox provider served for real over TLS 1.3 with client certificates, and Provider rows pointing at it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from core.outbound import breaker_reset
from providers.models import Provider, ProviderProtocol
from tests.support.tls import make_pki, tls_wsgi_server


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def soap_site(pki):
    """The whole Django site (the SOAP sandbox lives at /sandbox/soap-provider/) behind mutual TLS."""
    with tls_wsgi_server(WSGIHandler(), pki) as url:
        yield url


@pytest.fixture(autouse=True)
def _closed_breakers():
    breaker_reset()
    yield
    breaker_reset()


@pytest.fixture
def make_soap_provider(db, pki, soap_site):
    def make(*, code="soap-acme", client_cert=None, client_key=None, ca_cert=None, read_timeout=5.0, secret=None):
        return Provider.objects.create(
            code=code,
            name="SOAP Acme",
            protocol=ProviderProtocol.SOAP_XML,
            adapter="soap_xml",
            base_url=soap_site + "/sandbox/soap-provider/",
            key_id=settings.SANDBOX_PROVIDER_KEY_ID,
            secret=secret or settings.SANDBOX_PROVIDER_SECRET,
            tls_client_cert=pki.client_cert_pem if client_cert is None else client_cert,
            tls_client_key=pki.client_key_pem if client_key is None else client_key,
            tls_ca_cert=pki.ca_cert_pem if ca_cert is None else ca_cert,
            connect_timeout=2.0,
            read_timeout=read_timeout,
        )

    return make


@pytest.fixture
def soap_provider(make_soap_provider):
    return make_soap_provider()
