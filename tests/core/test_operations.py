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
    assert "/health" in caplog.text and "secret-part" not in caplog.text


def test_security_headers_and_the_content_security_policy(anon, db):
    response = anon.get("/health")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    admin = anon.get("/admin/login/")
    assert "script-src 'self'" in admin["Content-Security-Policy"]
    docs = anon.get("/api/docs/")
    assert docs.status_code == 200 and "<script>" not in docs.content.decode()  # the start-up script is a file
    assert "cdn" not in docs["Content-Security-Policy"]  # Swagger UI comes from the sidecar's own static files
    assert anon.get("/api/docs/?script=").status_code == 200


def test_metrics_are_refused_to_other_addresses(anon, db):
    response = anon.get("/metrics", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "permission_denied"


def test_metrics_answer_configured_scrapers_and_the_token(anon, db, settings):
    settings.METRICS_ALLOWED_IPS = ["10.20.0.0/16", "2001:db8::5"]
    assert anon.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert anon.get("/metrics", REMOTE_ADDR="2001:db8::5").status_code == 200
    assert anon.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403  # loopback only while listed
    settings.METRICS_TOKEN = "scrape-me"
    assert anon.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer scrape-me").status_code == 200
    assert anon.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer guess").status_code == 403


def test_ready_reports_partner_circuits_without_failing(anon, db, settings):
    from core.breakers import CircuitBreaker, breaker_reset

    settings.CIRCUIT_FAIL_MAX = 1
    breaker_reset()
    CircuitBreaker("acme-down").record_failure()
    response = anon.get("/ready")
    assert response.status_code == 200, response.json()
    assert response.json()["partners"]["acme-down"] == "open"
    assert response.json()["failing"] == []
    breaker_reset()


def test_a_check_that_hangs_fails_within_its_timeout(anon, db, monkeypatch, settings):
    import time

    from core import health

    settings.READY_CHECK_TIMEOUT_SECONDS = 0.3
    monkeypatch.setitem(health.READINESS_CHECKS, "cache", lambda: time.sleep(3))
    started = time.perf_counter()
    response = anon.get("/ready")
    assert time.perf_counter() - started < 1.5
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
    assert response.json()["checks"]["cache"] == "failing: no answer in time"


def test_json_log_lines_carry_the_context(anon, db, make_player):
    """With LOG_FORMAT=json a line is one JSON object with the request id, the player and the partner, and the
    access line adds latency and outcome; the query string (tokens, cursors) stays out."""
    import io
    import json
    import logging

    from pythonjsonlogger.json import JsonFormatter
    from rest_framework.test import APIClient

    from casino.services import player_token_obtain
    from core.logcontext import LogContextFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"))
    handler.addFilter(LogContextFilter())
    access = logging.getLogger("casino.access")
    access.addHandler(handler)
    user = make_player()
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {player_token_obtain(username=user.username, password='correct-horse-9')['access']}"
    )
    try:
        api.get("/api/v1/me/balance?token=secret-ish", HTTP_X_REQUEST_ID="trace-json-1")
    finally:
        access.removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "trace-json-1"
    assert line["player_id"] == str(user.pk)
    assert line["status"] == 200 and line["outcome"] == "ok" and line["latency_ms"] >= 0
    assert "secret-ish" not in stream.getvalue()


def test_log_context_refuses_unknown_fields():
    from core.logcontext import log_context_bind

    with pytest.raises(ValueError, match="not a log context field"):
        log_context_bind(secret="s3cret")
