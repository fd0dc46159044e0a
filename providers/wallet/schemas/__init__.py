"""JSON Schemas of the wallet callback bodies, one file per action, and the parse-then-validate step every
callback goes through before a service sees it."""

from __future__ import annotations

import json
from pathlib import Path

from core.errors import ValidationFailed
from core.schemas import SchemaDirectory

SCHEMAS = SchemaDirectory(Path(__file__).resolve().parent)
ACTIONS = ("balance", "bet", "win", "rollback")


def callback_body_parse(*, action: str, raw: bytes) -> dict:
    """Decode the raw body and validate it against the action's schema; 400 validation_error otherwise."""
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("The body is not valid UTF-8 JSON.", errors={"body": ["Malformed JSON."]}) from None
    errors = SCHEMAS.errors(action, payload, required_message="This field is required.")
    if errors:
        raise ValidationFailed("The body does not match the schema.", errors=errors)
    return payload
