"""The one JSON-Schema loader: a validator per schema file, checked once, and errors as {field: [messages]}."""

import json

import pytest
from jsonschema.exceptions import SchemaError

from core.schemas import SchemaDirectory

ORDER = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "data"],
    "properties": {
        "id": {"type": "string"},
        "data": {
            "type": "object",
            "required": ["amount"],
            "properties": {"amount": {"type": "string", "pattern": "^[0-9]+$"}, "items": {"type": "array"}},
        },
    },
}


@pytest.fixture
def schemas(tmp_path):
    (tmp_path / "order.json").write_text(json.dumps(ORDER))
    (tmp_path / "broken.json").write_text(json.dumps({"type": "no-such-type"}))
    return SchemaDirectory(tmp_path)


def test_a_schema_is_loaded_once_and_shared(schemas, tmp_path):
    assert schemas.validator("order") is SchemaDirectory(tmp_path).validator("order")
    assert schemas.validator("order").is_valid({"id": "1", "data": {"amount": "10"}})


def test_a_broken_schema_is_refused_when_loaded(schemas):
    with pytest.raises(SchemaError):
        schemas.validator("broken")


def test_errors_are_told_by_dotted_field_path(schemas):
    assert schemas.errors("order", {"id": "1", "data": {"amount": "10"}}) == {}
    assert schemas.errors("order", {"id": 7, "data": {"amount": "x", "items": 3}}) == {
        "data.amount": ["'x' does not match '^[0-9]+$'"],
        "data.items": ["3 is not of type 'array'"],
        "id": ["7 is not of type 'string'"],
    }
    assert schemas.errors("order", []) == {"body": ["[] is not of type 'object'"]}


def test_missing_properties_are_told_under_the_object_or_under_their_own_name(schemas):
    document = {"data": {}}
    assert schemas.errors("order", document) == {
        "body": ["'id' is a required property"],
        "data": ["'amount' is a required property"],
    }
    assert schemas.errors("order", document, required_message="This field is required.") == {
        "id": ["This field is required."],
        "data.amount": ["This field is required."],
    }
