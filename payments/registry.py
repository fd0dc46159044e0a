"""Builds a gateway adapter from a Gateway row. Core code names adapters only through this table."""

from __future__ import annotations

from django.utils.module_loading import import_string

from payments.interface import GatewayAdapter

ADAPTERS = {
    "sandbox_rest": "payments.adapters.sandbox_rest.adapter.SandboxRestAdapter",
    "soap_xml": "payments.adapters.soap_xml.adapter.SoapXmlAdapter",
}


def adapter_for(gateway) -> GatewayAdapter:
    try:
        path = ADAPTERS[gateway.adapter]
    except KeyError:
        raise LookupError(f"gateway {gateway.code}: no adapter named {gateway.adapter!r}") from None
    return import_string(path)(gateway)
