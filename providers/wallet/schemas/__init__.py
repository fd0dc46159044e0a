"""JSON Schemas of the wallet callback bodies, one file per action, and the parse-then-validate step every
callback goes through before a service sees it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from core.errors import ValidationFailed

SCHEMA_DIR = Path(__file__).resolve().parent
ACTIONS = ("balance", "bet", "win", "rollback")


@cache
def validator_for(action: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{action}.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def callback_body_parse(*, action: str, raw: bytes) -> dict:
    """Decode the raw body and validate it against the action's schema; 400 validation_error otherwise."""
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("The body is not valid UTF-8 JSON.", errors={"body": ["Malformed JSON."]}) from None
    errors: dict[str, list[str]] = {}
    for error in sorted(validator_for(action).iter_errors(payload), key=lambda e: list(e.path)):
        if error.validator == "required":
            field = error.message.split("'")[1] if "'" in error.message else "body"
            errors.setdefault(field, []).append("This field is required.")
        else:
            field = ".".join(str(p) for p in error.path) or "body"
            errors.setdefault(field, []).append(error.message)
    if errors:
        raise ValidationFailed("The body does not match the schema.", errors=errors)
    return payload
