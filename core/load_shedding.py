"""Load shedding: a process answers 503 with Retry-After when it already serves its share of requests, or when no
database connection frees up in time, instead of queueing without bound or failing with a 500."""

import logging
import threading

from django.conf import settings
from django.db import OperationalError
from django.http import JsonResponse
from psycopg_pool import PoolTimeout

from core.errors import PROBLEM_CONTENT_TYPE, problem_body

logger = logging.getLogger(__name__)


def _busy(detail: str) -> JsonResponse:
    body = problem_body(status=503, code="server_busy", title="Server busy", detail=detail)
    response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(settings.SERVER_BUSY_RETRY_AFTER_SECONDS)
    return response


class LoadSheddingMiddleware:
    """Admits at most SERVER_MAX_IN_FLIGHT requests at a time in this process (0: no limit).

    A bounded queue keeps latency bounded: a request past the limit is answered at once, cheaply, so that the ones
    admitted finish in time and the client retries after a second. The limit is per process, like the pool."""

    def __init__(self, get_response):
        self.get_response = get_response
        limit = settings.SERVER_MAX_IN_FLIGHT
        self.slots = threading.BoundedSemaphore(limit) if limit > 0 else None

    def __call__(self, request):
        if self.slots is None:
            return self.get_response(request)
        if not self.slots.acquire(blocking=False):
            return _busy("Too many requests in flight; retry shortly.")
        try:
            return self.get_response(request)
        finally:
            self.slots.release()

    def process_exception(self, request, exception):
        # Every connection of this process's pool stayed busy for DATABASE_POOL_TIMEOUT: overload, not a bug.
        if isinstance(exception, OperationalError) and isinstance(exception.__cause__, PoolTimeout):
            logger.warning("no database connection within the pool timeout: answered 503")
            return _busy("No database connection free in time; retry shortly.")
        return None
