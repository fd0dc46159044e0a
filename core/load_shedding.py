"""Overload control: each server process works on a bounded number of requests at once, queues the rest for a
bounded time, and answers 503 with Retry-After past that (or when no database connection frees up in time), so a
burst never becomes 500s or a queue that outlives it.

`AdmissionControl` wraps the ASGI application (casino/asgi.py): a request waiting for its turn costs an await in the
event loop, not a thread, so a burst of hundreds of connections leaves the admitted requests their CPU.
"""

import asyncio
import json
import logging
import uuid

from django.conf import settings
from django.db import OperationalError
from django.http import JsonResponse
from psycopg_pool import PoolTimeout

from core.errors import PROBLEM_CONTENT_TYPE, problem_body

logger = logging.getLogger(__name__)

BUSY_CODE, BUSY_TITLE = "server_busy", "Server busy"


class AdmissionControl:
    """ASGI middleware: at most `limit` HTTP requests in the application at once (0: no limit); a request that waits
    longer than `queue_timeout` seconds for its turn is answered 503 `server_busy` with Retry-After."""

    def __init__(self, app, *, limit: int, queue_timeout: float, retry_after: int):
        self.app, self.limit, self.queue_timeout, self.retry_after = app, limit, queue_timeout, retry_after
        self.slots: asyncio.Semaphore | None = None  # made on first use, inside the server's event loop

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.limit <= 0:
            return await self.app(scope, receive, send)
        if self.slots is None:
            self.slots = asyncio.Semaphore(self.limit)
        try:
            async with asyncio.timeout(self.queue_timeout):
                await self.slots.acquire()
        except TimeoutError:
            return await self.busy(scope, send)
        try:
            return await self.app(scope, receive, send)
        finally:
            self.slots.release()

    async def busy(self, scope, send) -> None:
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:200] or uuid.uuid4().hex
        body = json.dumps(
            problem_body(status=503, code=BUSY_CODE, title=BUSY_TITLE, detail="Too many requests at once; retry.")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after).encode()),
                    (b"x-request-id", request_id.encode("latin-1", "replace")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class PoolTimeoutMiddleware:
    """Django middleware: a request that got no database connection within DATABASE_POOL_TIMEOUT (every connection
    of this process's pool stayed busy) is overload, not a bug: 503 with Retry-After instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError) and isinstance(exception.__cause__, PoolTimeout):
            logger.warning("no database connection within the pool timeout: answered 503")
            body = problem_body(
                status=503, code=BUSY_CODE, title=BUSY_TITLE, detail="No database connection free in time; retry."
            )
            response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
            response["Retry-After"] = str(settings.SERVER_BUSY_RETRY_AFTER_SECONDS)
            return response
        return None
