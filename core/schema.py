"""The OpenAPI description tells what the server answers: a drf-spectacular postprocessing hook that documents
every error as application/problem+json and adds the answers the framework gives on its own (400 for a malformed
body, 401 where a token is required, 403 country_blocked where core.geo applies, 429 where a throttle does)."""

from __future__ import annotations

from core.errors import PROBLEM_CONTENT_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details, as every error of the API is rendered.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable machine word, e.g. insufficient_funds."},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "title", "status", "detail", "code"],
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}


def _problem_content(response: dict) -> dict | None:
    """The response's own problem schema when it names one (e.g. with round_id), the plain Problem when it names
    none; None for an error answer with a body of its own (the readiness probe's 503)."""
    content = response.get("content") or {}
    if not content:
        return {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}
    for media in content.values():
        ref = (media.get("schema") or {}).get("$ref", "")
        if ref.endswith("Problem"):
            return {PROBLEM_CONTENT_TYPE: {"schema": media["schema"]}}
    return None


def _framework_answers(view, operation: dict) -> dict[str, str]:
    """Error answers DRF and the platform's permission and throttle classes give without the view's word."""
    from core.geo import GeoAllowed

    answers = {}
    if "requestBody" in operation:
        answers["400"] = "malformed_request: the body is not JSON, too large or nested too deeply; validation_error"
        answers["415"] = "unsupported_media_type: send application/json"
    if any(requirement for requirement in operation.get("security", []) if requirement):
        answers["401"] = "not_authenticated: missing or invalid access token"
    if any(isinstance(p, type) and issubclass(p, GeoAllowed) for p in getattr(view, "permission_classes", [])):
        answers["403"] = "country_blocked"
    if getattr(view, "throttle_classes", None):
        answers["429"] = "too_many_requests (Retry-After)"
    return answers


def problem_responses_postprocess(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Problem", PROBLEM_SCHEMA)
    views = {
        (path, method.lower()): getattr(callback, "cls", None)
        for path, _, method, callback in getattr(generator, "endpoints", None) or []
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            view = views.get((path, method))
            for status, description in _framework_answers(view, operation).items():
                if status not in responses:
                    responses[status] = {"description": description}
                elif description not in responses[status].get("description", ""):
                    responses[status]["description"] = f"{responses[status].get('description', '')}; {description}"
            for status, response in responses.items():
                if status[0] not in "45":
                    continue
                content = _problem_content(response)
                if content is not None:
                    response["content"] = content
                if status in ("429", "503"):
                    response.setdefault("headers", {}).update(RETRY_AFTER)
            operation["responses"] = dict(sorted(responses.items()))
    return result
