"""The API's JSON parser: a bounded body size and nesting depth, so an oversized or deeply nested body is a 400
instead of a long parse or a RecursionError (a 500)."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def json_depth_exceeds(document, limit: int) -> bool:
    """Whether any value lies deeper than `limit` containers (iterative: the check itself cannot recurse too far)."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"The JSON body is larger than {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            document = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError("The JSON body is nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(document, settings.API_MAX_JSON_DEPTH):
            raise ParseError(f"The JSON body is nested deeper than {settings.API_MAX_JSON_DEPTH} levels.")
        return document


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON (RFC 8259); DRF's own parser refuses them too when strict.
    raise ValueError(f"{name} is not valid JSON")
