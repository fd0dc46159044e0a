"""Request ids: every response carries X-Request-ID (the caller's or a new one) and every log line the same id.
Also the log filter that keeps tokens out of log lines (a WebSocket's `?token=` in a URL, whoever logs it)."""

import logging
import re
import time
import uuid

from core.logcontext import current_request_id, log_context_reset, request_id_var

__all__ = ["RequestIdLogFilter", "RequestIdMiddleware", "current_request_id"]

access_logger = logging.getLogger("casino.access")

_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")
# A credential in a query string: `token=`, `access_token=`, `refresh=` (any case), up to the next separator.
_QUERY_TOKEN = re.compile(r"(?i)\b((?:access_|refresh_)?token|refresh)=[^&\s\"']+")


def redact_tokens(text: str) -> str:
    return _QUERY_TOKEN.sub(r"\1=[redacted]", text)


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
        log_context_reset()  # a reused thread must not lend the previous request's player or round to this one
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        latency_ms = (time.perf_counter() - started) * 1000
        status = response.status_code
        access_logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path[:500],  # never the query string: a WebSocket ?token= or a cursor has no place in logs
            status,
            latency_ms,
            extra={
                "method": request.method,
                "path": request.path[:500],
                "status": status,
                "latency_ms": round(latency_ms, 1),
                "outcome": "ok" if status < 400 else ("client_error" if status < 500 else "server_error"),
            },
        )
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class TokenRedactingLogFilter(logging.Filter):
    """On every handler: a record whose text carries a query-string token is rewritten with the token redacted
    (the ASGI server's own access and error lines included, which name the full URL)."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report, not ours
            return True
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
