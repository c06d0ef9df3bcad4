"""Reading Gong request bodies and query strings, rejecting what Gong rejects.

POST bodies must be JSON (415 otherwise, 400 when malformed) with an object ``filter``; a
field of the wrong type is a 400. Empty lists count as absent, as the spec says for
``userIds`` ("If userIds is empty, only team members with activity ... are returned").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dlt_gong.sandbox import messages
from dlt_gong.sandbox.errors import BadRequestError, UnsupportedMediaTypeError


def json_body(content_type: str | None, raw: bytes) -> dict[str, Any]:
    """The JSON object of a POST; 415 for a non-JSON content type, 400 for bad JSON."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaTypeError(messages.UNSUPPORTED_MEDIA_TYPE)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequestError(messages.BAD_REQUEST) from exc
    if not isinstance(body, dict):
        raise BadRequestError(messages.BAD_REQUEST)
    return body


def filter_of(body: Mapping[str, Any], required: bool = True) -> dict[str, Any]:
    """The body's ``filter`` object (required by every POST list endpoint's schema)."""
    value = body.get("filter")
    if value is None:
        if required:
            raise BadRequestError(messages.MISSING_FIELD.format(field="filter"))
        return {}
    if not isinstance(value, dict):
        raise BadRequestError(messages.INVALID_FIELD.format(field="filter"))
    return value


def opt_str(obj: Mapping[str, Any], name: str, where: str = "filter") -> str | None:
    """An optional string field."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequestError(messages.INVALID_FIELD.format(field=f"{where}.{name}"))
    return value


def opt_str_list(obj: Mapping[str, Any], name: str, where: str = "filter") -> list[str] | None:
    """An optional list of strings; an empty list is the same as none."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequestError(messages.INVALID_FIELD.format(field=f"{where}.{name}"))
    return value or None


def opt_bool(obj: Mapping[str, Any], name: str, where: str = "filter") -> bool | None:
    """An optional boolean field."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise BadRequestError(messages.INVALID_FIELD.format(field=f"{where}.{name}"))
    return value


def query_bool(query: Mapping[str, str], name: str) -> bool | None:
    """An optional ``true``/``false`` query parameter."""
    value = query.get(name)
    if value is None or value == "":
        return None
    if value.lower() not in ("true", "false"):
        raise BadRequestError(messages.INVALID_VALUE.format(field=name, value=value))
    return value.lower() == "true"


def cursor_of(source: Mapping[str, Any]) -> str | None:
    """The cursor (GET query or POST body); present but not a non-empty string is a 400."""
    value = source.get("cursor")
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequestError(messages.INVALID_CURSOR)
    return value or None
