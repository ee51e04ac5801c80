"""Security headers: Content-Security-Policy and friends, per kind of page."""

from __future__ import annotations

import logging

from flask import Response

from link_flow.errors import ValidationError
from link_flow.models import Account
from link_flow.services.accounts import clean_origin

log = logging.getLogger(__name__)

FLOW_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
)


def frame_ancestors(account: Account | None) -> str:
    """Return the ``frame-ancestors`` sources: the account's origins and self.

    Origins are checked when saved; they are checked again here so a row
    written by older code can never inject a directive into the header.
    """
    origins: list[str] = []
    for origin in (account.allowed_origins or []) if account else []:
        try:
            origins.append(clean_origin(origin))
        except ValidationError:
            log.warning("csp.origin_skipped account_id=%s", account.id)  # type: ignore[union-attr]
    return " ".join(["'self'", *origins])


def apply_flow_headers(response: Response, account: Account | None) -> Response:
    """Mark a flow response: strict CSP, embeddable only by the account's origins."""
    response.headers["Content-Security-Policy"] = FLOW_CSP.format(
        ancestors=frame_ancestors(account)
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def apply_default_headers(response: Response) -> Response:
    """Give every other response safe defaults without overriding a choice."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
    return response
