"""Check emulator responses against the schemas in googleapiclient's shipped discovery documents.

``assert_matches_schema("people", "v1", "Person", body)`` fails on a property the schema does not
define, a wrong JSON type, or a value outside an enum; ``response_schema_for("calendar", "v3",
"calendar.events.list")`` names the schema a method returns ("Events");
``assert_response_matches(api, version, method_id, body)`` does both.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import googleapiclient

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


@cache
def discovery(api: str, version: str) -> dict[str, Any]:
    return json.loads((DOCUMENTS / f"{api}.{version}.json").read_text())


def response_schema_for(api: str, version: str, method_id: str) -> str:
    """The response schema name of a method, by its discovery id (``people.people.get``)."""
    for method in _methods(discovery(api, version)):
        if method["id"] == method_id:
            return method["response"]["$ref"]
    raise KeyError(f"{api} {version} has no method {method_id!r} with a response")


def _methods(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(node.get("methods", {}).values())
    for resource in node.get("resources", {}).values():
        found.extend(_methods(resource))
    return found


def schema_errors(api: str, version: str, schema_name: str, body: Any) -> list[str]:
    """Every mismatch between ``body`` and the named schema (empty when it conforms)."""
    schemas = discovery(api, version)["schemas"]
    errors: list[str] = []
    _check(schemas, {"$ref": schema_name}, body, schema_name, errors)
    return errors


def assert_matches_schema(api: str, version: str, schema_name: str, body: Any) -> None:
    errors = schema_errors(api, version, schema_name, body)
    assert not errors, f"{api} {version} {schema_name} mismatch:\n  " + "\n  ".join(errors)


def assert_response_matches(api: str, version: str, method_id: str, body: Any) -> None:
    assert_matches_schema(api, version, response_schema_for(api, version, method_id), body)


def _check(
    schemas: dict[str, Any], schema: dict[str, Any], value: Any, path: str, errors: list[str]
) -> None:
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    kind = schema.get("type")
    if kind == "any" or (kind is None and "properties" not in schema):
        return
    if kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {value!r}")
            return
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                _check(schemas, properties[key], item, f"{path}.{key}", errors)
            elif extra is not None:
                _check(schemas, extra, item, f"{path}[{key!r}]", errors)
            else:
                errors.append(f"{path}: unknown property {key!r}")
        return
    if kind == "array":
        if not isinstance(value, list):
            errors.append(f"{path}: expected an array, got {value!r}")
            return
        for index, item in enumerate(value):
            _check(schemas, schema.get("items", {}), item, f"{path}[{index}]", errors)
        return
    if not _scalar_ok(kind, schema.get("format"), value):
        errors.append(f"{path}: expected {kind} ({schema.get('format', '')}), got {value!r}")
    elif "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")


def _scalar_ok(kind: str | None, fmt: str | None, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True
