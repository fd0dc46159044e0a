"""Outbound calls: signing, error classes, circuit breaker and latency metrics, against a real loopback server."""

import json
import time

import pytest
from prometheus_client import REGISTRY

from core.outbound import (
    OutboundClient,
    PartnerError,
    PartnerRejected,
    PartnerTimeout,
    PartnerUnavailable,
    breaker_reset,
)
from core.signing import verify_request
from tests.support.raises import raises_exactly
from tests.support.tls import wsgi_server

seen = []


def partner(environ, start_response):
    """A partner whose behaviour is chosen by the path: /ok, /bad, /down, /slow."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    seen.append(
        {
            "path": environ["PATH_INFO"],
            "body": body,
            "headers": {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")},
        }
    )
    path = environ["PATH_INFO"]
    if path == "/slow":
        time.sleep(0.5)
    status = {"/ok": "200 OK", "/bad": "400 Bad Request", "/down": "503 Service Unavailable", "/slow": "200 OK"}[path]
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps({"path": path}).encode()]


@pytest.fixture
def server():
    seen.clear()
    with wsgi_server(partner) as url:
        yield url


@pytest.fixture(autouse=True)
def _breakers():
    breaker_reset()
    yield
    breaker_reset()


def _count(name, labels):
    return REGISTRY.get_sample_value(name, labels) or 0


def test_signed_json_call(server, db):
    client = OutboundClient(name="acme", base_url=server, key_id="k1", secret="s3cret")
    assert client.request("POST", "/ok", operation="play", json={"bet": 100}) == {"path": "/ok"}
    request = seen[-1]
    headers = {
        "Authorization": request["headers"]["Authorization"],
        "X-Timestamp": request["headers"]["X-Timestamp"],
        "X-Nonce": request["headers"]["X-Nonce"],
    }
    key = verify_request(
        method="POST",
        path="/ok",
        headers=headers,
        body=request["body"],
        secrets_for=lambda k: ["s3cret"],
        nonce_scope="test",
    )
    assert key == "k1"


def test_error_classes(server):
    client = OutboundClient(name="acme-errors", base_url=server, read_timeout=0.2)
    with pytest.raises(PartnerRejected) as rejected:
        client.request("GET", "/bad", operation="status")
    assert rejected.value.status == 400
    with raises_exactly(PartnerUnavailable) as down:
        client.request("GET", "/down", operation="status")
    assert down.value.status == 503
    with pytest.raises(PartnerTimeout):
        client.request("GET", "/slow", operation="status")


def test_connection_refused_is_unavailable():
    client = OutboundClient(name="acme-gone", base_url="http://127.0.0.1:9", connect_timeout=0.5)
    with raises_exactly(PartnerUnavailable):
        client.request("GET", "/ok", operation="status")


def test_breaker_opens_after_failures_and_stops_calling(server, settings):
    settings.CIRCUIT_FAIL_MAX = 3
    client = OutboundClient(name="acme-breaker", base_url=server)
    for _ in range(3):
        with raises_exactly(PartnerUnavailable):
            client.request("GET", "/down", operation="status")
    calls_before = len(seen)
    with raises_exactly(PartnerUnavailable, match="circuit open"):
        client.request("GET", "/ok", operation="status")
    assert len(seen) == calls_before  # the open breaker did not reach the partner
    assert _count("casino_circuit_breaker_state", {"provider": "acme-breaker"}) == 2
    assert (
        _count(
            "casino_provider_request_duration_seconds_count",
            {"provider": "acme-breaker", "operation": "status", "outcome": "circuit_open"},
        )
        == 1
    )


def test_rejections_do_not_open_the_breaker(server, settings):
    settings.CIRCUIT_FAIL_MAX = 2
    client = OutboundClient(name="acme-4xx", base_url=server)
    for _ in range(4):
        with pytest.raises(PartnerRejected):
            client.request("GET", "/bad", operation="status")
    assert client.request("GET", "/ok", operation="status") == {"path": "/ok"}
    assert (
        _count(
            "casino_provider_request_duration_seconds_count",
            {"provider": "acme-4xx", "operation": "status", "outcome": "rejected"},
        )
        == 4
    )


def _trickle(environ, start_response):
    """Sends headers and part of the body, then stalls: the request was surely received."""
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "100")])
    yield b'{"partial": '
    time.sleep(0.6)
    yield b"1}" + b" " * 87


def test_read_timeout_inside_the_body_is_an_unknown_outcome():
    with wsgi_server(_trickle) as url:
        client = OutboundClient(name="acme-trickle", base_url=url, read_timeout=0.2)
        with pytest.raises(PartnerTimeout):
            client.request("POST", "/play", operation="play", json={})


def _answer(status, content_type, body):
    def app(environ, start_response):
        start_response(status, [("Content-Type", content_type)])
        return [body]

    return app


@pytest.mark.parametrize(
    ("status", "content_type", "body", "error"),
    [
        ("502 Bad Gateway", "text/html", b"<html>bad gateway</html>", PartnerTimeout),  # a proxy: unknown
        ("200 OK", "text/html", b"<html>OK</html>", PartnerTimeout),  # it answered, unreadably: unknown
        ("503 Service Unavailable", "application/json", b'{"error": "down"}', PartnerUnavailable),  # its own word
    ],
)
def test_what_a_5xx_or_unreadable_answer_means(status, content_type, body, error):
    with wsgi_server(_answer(status, content_type, body)) as url, pytest.raises(PartnerError) as raised:
        OutboundClient(name="acme-answers", base_url=url).request("POST", "/play", operation="play", json={})
    assert type(raised.value) is error


def test_a_connection_dropped_after_sending_is_an_unknown_outcome():
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))

    def read_then_hang_up():
        conn, _ = listener.accept()
        conn.recv(65536)  # the request arrived
        conn.close()

    threading.Thread(target=read_then_hang_up, daemon=True).start()
    client = OutboundClient(name="acme-drop", base_url=f"http://127.0.0.1:{listener.getsockname()[1]}")
    try:
        with pytest.raises(PartnerTimeout):
            client.request("POST", "/play", operation="play", json={})
    finally:
        listener.close()
