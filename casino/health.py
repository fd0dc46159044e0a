"""Liveness and readiness probes for the operator's monitoring."""

import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from casino.celery import app as celery_app


def health(request):
    return JsonResponse({"status": "ok"})


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


READINESS_CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


def ready(request):
    checks, failing = {}, []
    for name, check in READINESS_CHECKS.items():
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure of a dependency means not ready
            checks[name] = f"failing: {type(exc).__name__}: {exc}"[:300]
            failing.append(name)
    status = 503 if failing else 200
    return JsonResponse(
        {"status": "ok" if not failing else "unavailable", "checks": checks, "failing": failing}, status=status
    )
