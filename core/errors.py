"""The one family of domain errors and the DRF handler that renders every error as problem+json (RFC 9457)."""

from __future__ import annotations

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApplicationError(Exception):
    """A domain error with a stable machine `code`; views never build their own error shape."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: dict | None = None,
        headers: dict | None = None,
        extensions: dict | None = None,
    ):
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions or {}  # extra members of the problem body (RFC 9457 extensions), e.g. round_id
        super().__init__(self.detail)


class ValidationFailed(ApplicationError):
    status, code, title = 400, "validation_error", "The request is not valid"


class NotFound(ApplicationError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(ApplicationError):
    status, code, title = 409, "conflict", "Conflict"


class InsufficientFunds(ApplicationError):
    status, code, title = 422, "insufficient_funds", "Insufficient funds"


class IdempotencyKeyConflict(ApplicationError):
    status, code, title = 409, "idempotency_key_conflict", "Idempotency key reused with another request"


class IdempotencyKeyInProgress(ApplicationError):
    status, code, title = 409, "idempotency_key_in_progress", "A request with this idempotency key is still running"


class ServiceUnavailable(ApplicationError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class TooManyRequests(ApplicationError):
    """Every limit answers this (the contract's 429), always with Retry-After in whole seconds."""

    status, code, title = 429, "too_many_requests", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: float | None = None, **kwargs):
        super().__init__(detail, **kwargs)
        self.headers["Retry-After"] = str(retry_after_seconds(retry_after))


def retry_after_seconds(wait: float | None) -> int:
    """Whole seconds, rounded up and at least 1: a Retry-After of 0 invites an immediate retry into the same limit."""
    return max(1, math.ceil(wait)) if wait else 1


class PayloadTooLarge(ApplicationError):
    status, code, title = 413, "payload_too_large", "The request body is too large"


class SignatureError(ApplicationError):
    """A signed message that cannot be trusted. Callers pick the status their contract names."""

    status, code, title = 401, "invalid_signature", "Invalid signature"


def problem_body(
    *, status: int, code: str, title: str, detail: str, errors: dict | None = None, extensions: dict | None = None
) -> dict:
    body = {
        **(extensions or {}),
        "type": f"https://errors.casino.local/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(error: ApplicationError) -> Response:
    body = problem_body(
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        errors=error.errors,
        extensions=getattr(error, "extensions", None),
    )
    return Response(body, status=error.status, headers=error.headers, content_type=PROBLEM_CONTENT_TYPE)


def _as_field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {field: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])] for field, msgs in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


_DRF_CODES = {
    drf.NotAuthenticated: (401, "not_authenticated", "Authentication required"),
    drf.AuthenticationFailed: (401, "not_authenticated", "Authentication failed"),
    drf.PermissionDenied: (403, "permission_denied", "Permission denied"),
    drf.NotFound: (404, "not_found", "Not found"),
    drf.MethodNotAllowed: (405, "method_not_allowed", "Method not allowed"),
    drf.NotAcceptable: (406, "not_acceptable", "Not acceptable"),
    drf.UnsupportedMediaType: (415, "unsupported_media_type", "Unsupported media type"),
    drf.ParseError: (400, "malformed_request", "Malformed request body"),
}


def to_application_error(exc: Exception) -> ApplicationError | None:
    """Translate DRF and Django exceptions into the domain family; None for anything unexpected."""
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return ValidationFailed(errors=_as_field_errors(exc.detail))
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.Throttled):
        return TooManyRequests(str(exc.detail), retry_after=exc.wait)
    for cls, (status, code, title) in _DRF_CODES.items():
        if isinstance(exc, cls):
            error = ApplicationError(str(exc.detail) if hasattr(exc, "detail") else title)
            error.status, error.code, error.title = status, code, title
            if isinstance(exc, drf.APIException):
                error.status = exc.status_code
            return error
    if isinstance(exc, drf.APIException):
        error = ApplicationError(str(exc.detail))
        error.status, error.code = exc.status_code, str(exc.default_code)
        return error
    return None


def problem_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error leaves as problem+json with a stable `code`."""
    error = to_application_error(exc)
    if error is None:
        return None  # a real bug: let Django log it and answer 500 (handler500 below keeps the shape)
    if error.status >= 500:
        logger.warning("answered %s %s: %s", error.status, error.code, error.detail)
    set_rollback()
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        error.headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    return problem_response(error)


def _django_problem(status: int, code: str, title: str) -> JsonResponse:
    body = problem_body(status=status, code=code, title=title, detail=title)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def handler404(request, exception=None):
    return _django_problem(404, "not_found", "Not found")


def handler500(request):
    return _django_problem(500, "internal_error", "Internal server error")


def handler400(request, exception=None):
    return _django_problem(400, "bad_request", "Bad request")


def handler403(request, exception=None):
    return _django_problem(403, "permission_denied", "Permission denied")
