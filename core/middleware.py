"""Request ids: every response carries X-Request-ID (the caller's or a new one) and every log line the same id."""

import contextvars
import logging
import re
import time
import uuid

access_logger = logging.getLogger("casino.access")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")
# Query parameters that carry credentials (a game launch token or ticket, a WebSocket ?token=): never logged.
_SECRET_QUERY = re.compile(r"(?<=[?&])(token|ticket)=[^&]*", re.IGNORECASE)


def loggable_path(request) -> str:
    return _SECRET_QUERY.sub(r"\1=***", request.get_full_path())[:500]


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    """Sets the request id for everything logged while the request is handled, and writes one access log line.

    The id is not reset on the way out: Django logs 4xx/5xx responses (django.request) after the middleware chain has
    returned, and those lines must carry it too. Under ASGI each request runs in its own context; under WSGI the next
    request on the thread sets its own id first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        access_logger.info(
            "%s %s %s %.1fms",
            request.method,
            loggable_path(request),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True
