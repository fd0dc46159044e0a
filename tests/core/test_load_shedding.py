"""Overload control: requests past the in-flight limit wait their turn, then get 503 server_busy with Retry-After;
a request that gets no pooled database connection in time gets the same instead of a 500."""

import asyncio
import json

from django.db import OperationalError
from django.test import RequestFactory
from psycopg_pool import PoolTimeout

from core.load_shedding import AdmissionControl, PoolTimeoutMiddleware


def _call(app, path="/"):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async def run():
        await app({"type": "http", "path": path, "headers": [(b"x-request-id", b"req-1")]}, receive, send)
        return sent

    return run()


def test_requests_past_the_limit_wait_then_get_503_with_retry_after():
    async def scenario():
        release = asyncio.Event()
        served = []

        async def slow_app(scope, receive, send):
            served.append(scope["path"])
            await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        guard = AdmissionControl(slow_app, limit=1, queue_timeout=0.2, retry_after=3)
        first = asyncio.create_task(_call(guard, "/first"))
        await asyncio.sleep(0.05)
        refused = await _call(guard, "/second")  # waits 0.2 s for the one slot, which stays taken
        waiting = asyncio.create_task(_call(guard, "/third"))
        await asyncio.sleep(0.05)
        release.set()  # the slot frees up while /third waits: it is served, not refused
        return served, refused, await first, await waiting

    served, refused, first, third = asyncio.run(scenario())
    assert served == ["/first", "/third"]
    assert first[0]["status"] == third[0]["status"] == 200
    start, body = refused
    assert start["status"] == 503
    headers = dict(start["headers"])
    assert headers[b"retry-after"] == b"3"
    assert headers[b"x-request-id"] == b"req-1"
    assert headers[b"content-type"] == b"application/problem+json"
    assert json.loads(body["body"])["code"] == "server_busy"


def test_websockets_are_not_counted():
    async def scenario():
        seen = []

        async def app(scope, receive, send):
            seen.append(scope["type"])

        guard = AdmissionControl(app, limit=0, queue_timeout=0.1, retry_after=1)
        await guard({"type": "websocket", "path": "/ws/player/"}, None, None)
        limited = AdmissionControl(app, limit=1, queue_timeout=0.1, retry_after=1)
        await limited({"type": "websocket", "path": "/ws/player/"}, None, None)
        return seen, limited.slots

    seen, slots = asyncio.run(scenario())
    assert seen == ["websocket", "websocket"]
    assert slots is None  # never touched by a WebSocket


def test_pool_timeout_is_503_not_500(settings):
    settings.SERVER_BUSY_RETRY_AFTER_SECONDS = 2
    middleware = PoolTimeoutMiddleware(lambda request: None)
    request = RequestFactory().get("/api/v1/me")
    try:
        raise OperationalError("couldn't get a connection after 5.00 sec") from PoolTimeout("timeout")
    except OperationalError as exc:
        response = middleware.process_exception(request, exc)
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert json.loads(response.content)["code"] == "server_busy"
    assert middleware.process_exception(request, OperationalError("server closed the connection")) is None
