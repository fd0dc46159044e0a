"""The partner-connection part shared by Provider and Gateway: one set of fields, one way to build the clients."""

from pathlib import Path

import pytest

from payments.adapters.soap_xml.adapter import WSDL_PATH, XSD_PATH
from payments.models import Gateway
from providers.models import Provider


def _row(model, **fields):
    return model(
        code="acme",
        base_url="https://acme.example/api/",
        key_id="k1",
        secret="current",
        previous_secret="previous",
        tls_client_cert="CERT PEM",
        tls_client_key="KEY PEM",
        tls_ca_cert="CA PEM",
        connect_timeout=1.5,
        read_timeout=7.0,
        **fields,
    )


@pytest.mark.parametrize(("model", "name"), [(Provider, "acme"), (Gateway, "gateway:acme")])
def test_both_partner_kinds_build_their_client_from_the_row(model, name):
    client = _row(model).outbound_client()
    assert (client.name, client.base_url, client.key_id, client.secret) == (
        name,
        "https://acme.example/api/",
        "k1",
        "current",
    )
    assert (client.connect_timeout, client.read_timeout) == (1.5, 7.0)
    cert_path, key_path = client.cert
    assert (Path(cert_path).read_text(), Path(key_path).read_text()) == ("CERT PEM", "KEY PEM")
    assert Path(client.verify).read_text() == "CA PEM"


@pytest.mark.parametrize("model", [Provider, Gateway])
def test_without_tls_material_the_client_keeps_the_defaults(model):
    client = model(code="plain", base_url="http://plain.example/").outbound_client()
    assert (client.cert, client.verify) == (None, True)


@pytest.mark.parametrize("model", [Provider, Gateway])
def test_the_previous_secret_is_accepted_only_under_the_current_key_id(model):
    row = _row(model)
    assert row.secrets_for("k1") == ["current", "previous"]
    assert row.secrets_for("k0") == []
    row.previous_secret = ""
    assert row.secrets_for("k1") == ["current"]


def test_the_soap_service_is_reused_until_the_connection_settings_change():
    gateway = _row(Gateway, pk=4242)
    service = gateway.soap_service(wsdl_path=WSDL_PATH, xsd_path=XSD_PATH)
    assert gateway.soap_service(wsdl_path=WSDL_PATH, xsd_path=XSD_PATH) is service
    assert service._binding_options["address"] == "https://acme.example/api/"

    gateway.tls_ca_cert = "ROTATED CA PEM"  # as after a queryset .update(), which does not bump updated_at
    rotated = gateway.soap_service(wsdl_path=WSDL_PATH, xsd_path=XSD_PATH)
    assert rotated is not service
    assert Path(rotated._client.transport.session.verify).read_text() == "ROTATED CA PEM"
