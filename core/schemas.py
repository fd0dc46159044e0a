"""JSON Schemas kept as files (`<directory>/<name>.json`, Draft 2020-12): each loaded and checked once per process,
and validation errors told as the contract's `{field: [messages]}`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

__all__ = ["SchemaDirectory"]


@cache
def _validator(directory: Path, name: str) -> Draft202012Validator:
    schema = json.loads((directory / f"{name}.json").read_text())
    Draft202012Validator.check_schema(schema)  # a broken schema fails loudly, once, not as a rejected message
    return Draft202012Validator(schema)


class SchemaDirectory:
    """The schemas of one directory, by name."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory).resolve()

    def validator(self, name: str) -> Draft202012Validator:
        return _validator(self.directory, name)

    def errors(self, name: str, document, *, required_message: str | None = None) -> dict[str, list[str]]:
        """Every way `document` breaks schema `name`, as {field: [messages]}, in field order: the field is the dotted
        path to the value ("body" for the document itself). With `required_message`, a missing property is told under
        its own name with that message, as DRF serializers do, instead of under the object that lacks it."""
        errors: dict[str, list[str]] = {}
        for error in sorted(self.validator(name).iter_errors(document), key=lambda e: [str(p) for p in e.path]):
            path = [str(p) for p in error.absolute_path]
            message = error.message
            missing = _missing_property(error) if required_message else None
            if missing is not None:
                path, message = [*path, missing], required_message
            errors.setdefault(".".join(path) or "body", []).append(message)
        return errors


def _missing_property(error) -> str | None:
    """The property a `required` error is about (jsonschema names it only in its message)."""
    if error.validator != "required":
        return None
    return next((p for p in error.validator_value if error.message == f"{p!r} is a required property"), None)
