"""Liveness, readiness and metrics for the operator's monitoring (DRF views, so the OpenAPI schema lists them).
They take no throttling: probes must never be refused. /metrics answers only the configured scrapers."""

import hmac
import ipaddress
import logging
import threading
import uuid
from functools import lru_cache

from celery import current_app as celery_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.breakers import breaker_statuses
from core.errors import ApplicationError
from core.metrics import metrics_exposition


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # runs in a thread of its own: leave no connection behind


def _check_cache():
    key = f"ready:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.READY_CHECK_TIMEOUT_SECONDS)


logger = logging.getLogger(__name__)

READINESS_CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


def readiness_run() -> tuple[dict[str, str], list[str]]:
    """Run every check at once, each in a thread of its own, and wait at most READY_CHECK_TIMEOUT_SECONDS: a
    dependency that hangs (a firewall dropping packets) is reported failing instead of holding the probe."""
    results: dict[str, str] = {}

    def run(name, check):
        try:
            check()
            results[name] = "ok"
        except Exception:  # any failure of a dependency means not ready
            # The probe is public: it names the failing check, the log keeps the why (hosts, users, errors).
            logger.warning("readiness check %s failing", name, exc_info=True)
            results[name] = "failing"

    threads = {name: threading.Thread(target=run, args=(name, check), daemon=True)
               for name, check in READINESS_CHECKS.items()}  # fmt: skip
    for thread in threads.values():
        thread.start()
    timeout = settings.READY_CHECK_TIMEOUT_SECONDS
    for thread in threads.values():
        thread.join(timeout)
    checks = {name: results.get(name, "failing: no answer in time") for name in READINESS_CHECKS}
    return checks, [name for name, verdict in checks.items() if verdict != "ok"]


def partner_circuits() -> dict[str, str]:
    """Each partner's circuit as every process sees it: reported, never a reason to be unready (one partner down
    must not take the platform out of its load balancer)."""
    try:
        return {name: status.state for name, status in breaker_statuses().items()}
    except Exception as exc:
        return {"_unreadable": f"{type(exc).__name__}: {exc}"[:200]}


class _ProbeApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class HealthApi(_ProbeApi):
    @extend_schema(
        operation_id="health",
        tags=["operations"],
        responses={200: inline_serializer("Health", {"status": serializers.CharField()})},
    )
    def get(self, request):
        return Response({"status": "ok"})


class ReadyApi(_ProbeApi):
    _body = inline_serializer(
        "Ready",
        {
            "status": serializers.CharField(),
            "checks": serializers.DictField(child=serializers.CharField()),
            "failing": serializers.ListField(child=serializers.CharField()),
            "partners": serializers.DictField(
                child=serializers.CharField(), help_text="Circuit state per partner: closed, half_open, open."
            ),
        },
    )

    @extend_schema(
        operation_id="ready",
        tags=["operations"],
        responses={200: _body, 503: OpenApiResponse(_body, description="names each failing check")},
    )
    def get(self, request):
        checks, failing = readiness_run()
        body = {
            "status": "unavailable" if failing else "ok",
            "checks": checks,
            "failing": failing,
            "partners": partner_circuits(),
        }
        return Response(body, status=503 if failing else 200)


class MetricsForbidden(ApplicationError):
    status, code, title = 403, "permission_denied", "Metrics are served to the configured scrapers only"


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed if entry.strip())


def metrics_caller_allowed(request) -> bool:
    """A configured scraper: METRICS_TOKEN as a bearer token, or a REMOTE_ADDR inside METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


class MetricsApi(_ProbeApi):
    @extend_schema(
        operation_id="metrics",
        tags=["operations"],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Prometheus text exposition format"),
            403: OpenApiResponse(description="permission_denied: not a configured scraper address or token"),
        },
    )
    def get(self, request):
        if not metrics_caller_allowed(request):
            raise MetricsForbidden("Scrape from a METRICS_ALLOWED_IPS address or with the METRICS_TOKEN bearer token.")
        return HttpResponse(metrics_exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
