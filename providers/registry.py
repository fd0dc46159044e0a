"""Builds a provider's adapter from its Provider row (protocol and adapter fields); core code imports no vendor.

Adapters are named by dotted path so that importing the registry loads no vendor code until a provider needs it.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from core.errors import ServiceUnavailable
from providers.interface import ProviderAdapter
from providers.models import Provider, ProviderProtocol

ADAPTERS: dict[str, str] = {
    "rest_json": "providers.adapters.rest_json.adapter.RestJsonAdapter",
    "soap_xml": "providers.adapters.soap_xml.adapter.SoapXmlAdapter",
}

# The adapter a protocol uses when the row names none.
PROTOCOL_DEFAULTS: dict[str, str] = {
    ProviderProtocol.REST_JSON: "rest_json",
    ProviderProtocol.SOAP_XML: "soap_xml",
}


class AdapterNotConfigured(ServiceUnavailable):
    code, title = "provider_unavailable", "The game provider is not available"


def adapter_name_for(provider: Provider) -> str:
    return provider.adapter or PROTOCOL_DEFAULTS.get(provider.protocol, "")


def adapter_for(provider: Provider) -> ProviderAdapter:
    name = adapter_name_for(provider)
    path = ADAPTERS.get(name)
    if path is None:
        raise AdapterNotConfigured(f"No adapter named {name!r} for provider {provider.code}.")
    return import_string(path)(provider)
