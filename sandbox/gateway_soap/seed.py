"""Seeds the SOAP sandbox gateway row `sandbox_soap` (called by manage.py sandbox_seed).

For demos it is reached over plain HTTP on the site itself; tests and production put mutual TLS in front
(the client certificate, key and CA live on the Gateway row)."""

from payments.models import Gateway, GatewayProtocol
from sandbox.site import sandbox_partners_url


def seed() -> str:
    gateway, created = Gateway.objects.update_or_create(
        code="sandbox_soap",
        defaults={
            "name": "Sandbox gateway (SOAP)",
            "protocol": GatewayProtocol.SOAP_XML,
            "adapter": "soap_xml",
            "base_url": sandbox_partners_url() + "/sandbox/soap-gateway/",
            "enabled": True,
            "currencies": ["EUR", "USD"],
        },
    )
    return f"sandbox/gateway_soap: gateway {gateway.code} {'created' if created else 'updated'} at {gateway.base_url}"
