"""Seeds the SOAP sandbox gateway row `sandbox_soap` (called by manage.py sandbox_seed).

For demos it is reached over plain HTTP on the site itself; tests and production put mutual TLS in front
(the client certificate, key and CA live on the Gateway row)."""

from django.conf import settings

from payments.models import Gateway, GatewayProtocol


def seed() -> str:
    gateway, created = Gateway.objects.update_or_create(
        code="sandbox_soap",
        defaults={
            "name": "Sandbox gateway (SOAP)",
            "protocol": GatewayProtocol.SOAP_XML,
            "adapter": "soap_xml",
            "base_url": settings.SITE_URL.rstrip("/") + "/sandbox/soap-gateway/",
            "enabled": True,
            "currencies": ["EUR", "USD"],
        },
    )
    return f"sandbox/gateway_soap: gateway {gateway.code} {'created' if created else 'updated'} at {gateway.base_url}"
