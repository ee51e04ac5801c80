"""Request bodies of the Admin API, checked with marshmallow.

The schemas check shape and types; the services own the finer rules
(metadata limits, registered redirect URIs), so both the API and the
dashboard apply exactly one copy of each rule.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import RAISE, Schema, fields
from marshmallow import ValidationError as SchemaError

from link_flow.errors import ValidationError


class MagicLinkCreate(Schema):
    class Meta:
        unknown = RAISE

    name = fields.Raw(required=True)
    email = fields.Raw(load_default=None, allow_none=True)
    user_metadata = fields.Raw(load_default=None, allow_none=True)
    systems = fields.Raw(load_default=None, allow_none=True)
    expires_in = fields.Raw(load_default=None, allow_none=True)
    redirect_url = fields.Raw(load_default=None, allow_none=True)


class ReconnectLinkCreate(Schema):
    class Meta:
        unknown = RAISE

    expires_in = fields.Raw(load_default=None, allow_none=True)


class ConnectionCreate(Schema):
    class Meta:
        unknown = RAISE

    system = fields.String(required=True)
    credentials = fields.Dict(keys=fields.String(), required=True)
    name = fields.Raw(required=True)
    email = fields.Raw(load_default=None, allow_none=True)
    user_metadata = fields.Raw(load_default=None, allow_none=True)


class ConnectionUpdate(Schema):
    class Meta:
        unknown = RAISE

    name = fields.Raw()
    email = fields.Raw(allow_none=True)
    user_metadata = fields.Raw(allow_none=True)


class AccountUpdate(Schema):
    class Meta:
        unknown = RAISE

    allowed_origins = fields.List(fields.String())
    redirect_uris = fields.List(fields.String())
    webhook_url = fields.String(allow_none=True)
    branding = fields.Dict(keys=fields.String())
    sync_interval_seconds = fields.Integer(strict=True)


def load_body(schema: Schema) -> dict[str, Any]:
    """Return the JSON body loaded by ``schema``; raise a 400 naming the field."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(
            "Send a JSON object with Content-Type: application/json.", field="body"
        )
    try:
        return schema.load(body)  # type: ignore[no-any-return]
    except SchemaError as error:
        field, problem = _first_problem(error.messages)
        raise ValidationError(f"{field}: {problem}", field=field) from error


def _first_problem(messages: Any, prefix: str = "") -> tuple[str, str]:
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        name = f"{prefix}.{key}" if prefix else str(key)
        if key == "_schema":
            name = prefix or "body"
        return _first_problem(value, name)
    if isinstance(messages, list) and messages:
        first = messages[0]
        if isinstance(first, str):
            text = (
                "not a known field" if first == "Unknown field." else first.rstrip(".")
            )
            return prefix, text
        return _first_problem(first, prefix)
    return prefix or "body", "is not valid"
