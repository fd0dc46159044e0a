"""Liveness, readiness and metrics for the operator's monitoring (DRF views, so the OpenAPI schema lists them).
They take no authentication and no throttling: probes must never be refused."""

import logging
import uuid

from celery import current_app as celery_app
from django.core.cache import cache
from django.db import connection
from django_prometheus.exports import ExportToDjangoView
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    key = f"ready:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


logger = logging.getLogger(__name__)

READINESS_CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


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
        },
    )

    @extend_schema(
        operation_id="ready",
        tags=["operations"],
        responses={200: _body, 503: OpenApiResponse(_body, description="names each failing check")},
    )
    def get(self, request):
        checks, failing = {}, []
        for name, check in READINESS_CHECKS.items():
            try:
                check()
                checks[name] = "ok"
            except Exception:  # any failure of a dependency means not ready
                # The probe is public: it names the failing check, the log keeps the why (hosts, users, errors).
                logger.warning("readiness check %s failing", name, exc_info=True)
                checks[name] = "failing"
                failing.append(name)
        body = {"status": "unavailable" if failing else "ok", "checks": checks, "failing": failing}
        return Response(body, status=503 if failing else 200)


class MetricsApi(_ProbeApi):
    @extend_schema(
        operation_id="metrics",
        tags=["operations"],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Prometheus text exposition format")
        },
    )
    def get(self, request):
        return ExportToDjangoView(request._request)
