"""The one JSON error shape of the API, and the handlers that build it."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    402: "INSUFFICIENT_CREDITS",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    410: "GONE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
}


class ApiError(Exception):
    """An error a client can act on: HTTP status, stable code, plain message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}
        self.headers = headers or {}


class NotFound(ApiError):
    def __init__(self, what: str) -> None:
        super().__init__(404, "NOT_FOUND", f"No {what} with that id in this account.")


class ValidationError(ApiError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(400, "VALIDATION_ERROR", message, field=field)


def error_response(error: ApiError) -> Response:
    """Return the contract's ``{"error": {...}}`` body for ``error``."""
    body: dict[str, Any] = {
        "code": error.code,
        "message": error.message,
        "request_id": g.get("request_id"),
    }
    if error.field:
        body["field"] = error.field
    body.update(error.details)
    response = jsonify({"error": body})
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value

    return response


def wants_json() -> bool:
    """Tell whether the current request is an API call rather than a page."""
    path = request.path
    return (
        path.startswith("/api/")
        or path.startswith("/flow/api/")
        or request.accept_mimetypes.best == "application/json"
    )


def register_error_handlers(app: Flask) -> None:
    """Turn every error under the JSON paths into the contract's shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Any:
        if not wants_json():
            return error
        status = error.code or 500
        code = HTTP_CODES.get(status, "ERROR")
        message = error.description or "The request could not be handled."
        response = error_response(ApiError(status, code, message))
        if status == 405 and error.get_headers():
            response.headers.update(
                {k: v for k, v in error.get_headers() if k.lower() == "allow"}
            )

        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Any:
        log.exception("request.failed error_type=%s", type(error).__name__)
        if not wants_json():
            return (
                "<!doctype html><title>Error</title><h1>Something went wrong</h1>"
                "<p>Please try again in a minute. If it keeps happening, tell "
                "the company that sent you here, quoting request "
                f"{g.get('request_id', '')}.</p>",
                500,
            )
        return error_response(
            ApiError(500, "INTERNAL_ERROR", "Something went wrong on our side.")
        )
