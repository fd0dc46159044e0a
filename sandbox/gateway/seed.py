"""Seeds the REST sandbox gateway row `sandbox` (called by manage.py sandbox_seed)."""

from django.conf import settings

from payments.models import Gateway, GatewayProtocol


def seed() -> str:
    gateway, created = Gateway.objects.update_or_create(
        code="sandbox",
        defaults={
            "name": "Sandbox gateway (REST)",
            "protocol": GatewayProtocol.REST_JSON,
            "adapter": "sandbox_rest",
            "base_url": settings.SITE_URL.rstrip("/") + "/sandbox/gateway/",
            "enabled": True,
            "key_id": settings.SANDBOX_GATEWAY_KEY_ID,
            "secret": settings.SANDBOX_GATEWAY_SECRET,
            "webhook_secret": settings.SANDBOX_WEBHOOK_SECRET,
            "currencies": ["EUR", "USD"],
        },
    )
    return f"sandbox/gateway: gateway {gateway.code} {'created' if created else 'updated'} at {gateway.base_url}"
