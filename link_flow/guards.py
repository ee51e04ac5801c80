"""Request-wide guards applied before any view runs."""

from __future__ import annotations

import json

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider

from link_flow.errors import ApiError, error_response, wants_json

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_unsafe_text(value: str) -> bool:
    """Tell whether ``value`` holds a NUL byte or a lone UTF-16 surrogate.

    Neither can be stored in PostgreSQL text nor encoded as UTF-8, so both are
    refused at the door instead of failing deep inside a query.
    """
    return "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with absurdly deep nesting reported as malformed input."""

    def loads(self, s: str | bytes, **kwargs: object) -> object:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


def install_guards(app: Flask) -> None:
    """Refuse requests whose path, query or form fields carry unsafe text."""
    app.json = StrictJSONProvider(app)

    @app.before_request
    def refuse_unsafe_text() -> Response | tuple[str, int] | None:
        values = [request.path, *request.args.keys(), *request.args.values()]
        if request.mimetype in FORM_TYPES:
            values += [*request.form.keys(), *request.form.values()]
        if not any(has_unsafe_text(value) for value in values):
            return None
        message = "The request holds a NUL byte or invalid Unicode; remove it."
        if request.path.startswith("/oauth/token"):
            # The token endpoint answers in RFC 6749 section 5.2's shape.
            body = {"error": "invalid_request", "error_description": message}
            return Response(json.dumps(body), 400, mimetype="application/json")
        if wants_json():
            return error_response(ApiError(400, "INVALID_TEXT", message))
        return message, 400
