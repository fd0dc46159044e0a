"""Operations endpoints, request ids and problem+json for unknown routes."""

import pytest


@pytest.fixture
def anon(client):
    return client


def test_health(anon):
    response = anon.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_database_cache_and_broker(anon, db, settings):

    response = anon.get("/ready")
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_ready_names_a_failing_check(anon, db, monkeypatch):
    from core import health

    def broken():
        raise ConnectionError("broker down")

    # The probe table is the seam for a failing dependency; the other checks still run for real.
    monkeypatch.setitem(health.READINESS_CHECKS, "broker", broken)
    response = anon.get("/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "failing"}
    assert "broker down" not in response.content.decode()  # the why stays in the log: hosts, users, errors


def test_request_id_is_echoed_or_made(anon):
    assert anon.get("/health", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    made = anon.get("/health")["X-Request-ID"]
    assert len(made) == 32
    assert anon.get("/health", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"] != "bad id with spaces"


def test_metrics_exposes_prometheus_text(anon, db):
    anon.get("/health")
    response = anon.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert "casino_provider_request_duration_seconds" in text


def test_unknown_route_is_problem_json(anon, db, settings):
    settings.DEBUG = False
    response = anon.get("/no/such/route")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_access_and_error_log_lines_carry_the_request_id(anon, db, settings):
    """The access line and Django's own 4xx/5xx line are written with the request's id, as every log line is."""
    import logging

    from core.middleware import RequestIdLogFilter

    settings.DEBUG = False
    seen = []

    class Collect(logging.Handler):
        def emit(self, record):
            seen.append((record.name, record.request_id))

    handler = Collect(level=logging.INFO)
    handler.addFilter(RequestIdLogFilter())
    loggers = [logging.getLogger("casino.access"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        anon.get("/no/such/route", HTTP_X_REQUEST_ID="trace-404")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    assert ("casino.access", "trace-404") in seen
    assert ("django.request", "trace-404") in seen


def test_a_query_token_is_redacted_from_the_access_log(anon, db, caplog):
    with caplog.at_level("INFO", logger="casino.access"):
        anon.get("/health?token=eyJhbGciOi.secret-part&x=1")
    assert "/health?token=[redacted]&x=1" in caplog.text and "secret-part" not in caplog.text


def test_security_headers_and_the_content_security_policy(anon, db):
    response = anon.get("/health")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    admin = anon.get("/admin/login/")
    assert "script-src 'self'" in admin["Content-Security-Policy"]
    docs = anon.get("/api/docs/")
    assert docs.status_code == 200 and "<script>" not in docs.content.decode()  # the start-up script is a file
    assert "https://cdn.jsdelivr.net" in docs["Content-Security-Policy"]
    assert anon.get("/api/docs/?script=").status_code == 200
