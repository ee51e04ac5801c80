"""Structured event logging with a request id and secret redaction."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SECRET_QUERY = re.compile(
    r"(?i)((?:access_token|refresh_token|token|code|code_verifier|client_secret|"
    r"password|secret|key)=)[^&\s]+"
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """Return ``text`` with tokens, secrets and bearer values replaced."""
    return _BEARER.sub(r"\1[redacted]", _SECRET_QUERY.sub(r"\1[redacted]", text))


class JsonFormatter(logging.Formatter):
    """Render each record as one JSON object: event, fields, request id."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))

        return json.dumps(entry, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
        return True


def configure_logging(app: Flask) -> None:
    """Send the package's records to stderr as JSON lines, once per process."""
    # Huey's consumer logs task failures (retries included) with tracebacks;
    # they go through the same JSON formatter and its redaction.
    for name in ("link_flow", "huey"):
        logger = logging.getLogger(name)
        if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
            continue
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
        logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        logger.propagate = False
    # Werkzeug's access log prints raw query strings; our own line replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    access = logging.getLogger("link_flow.access")

    @app.before_request
    def bind_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = (
            incoming
            if _SAFE_REQUEST_ID.match(incoming)
            else "req_" + secrets.token_hex(8)
        )
        g.started_at = time.perf_counter()

    @app.after_request
    def log_and_tag(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        elapsed_ms = (
            time.perf_counter() - g.get("started_at", time.perf_counter())
        ) * 1000
        access.info(
            "http.request method=%s path=%s status=%s duration_ms=%.1f",
            request.method,
            redact(request.full_path.rstrip("?")),
            response.status_code,
            elapsed_ms,
        )
        return response
