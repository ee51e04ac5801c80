"""The partner dashboard: server-rendered pages signed in with a session.

Every page is protected the same way here: CSRF on each unsafe request,
never framed, never cached, and the session cookie written in one place.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError

from link_flow.errors import ApiError
from link_flow.extensions import csrf

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

DASHBOARD_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https:; connect-src 'self'; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@bp.before_request
def protect_forms() -> None:
    if request.method not in SAFE_METHODS:
        csrf.protect()


@bp.after_request
def dashboard_headers(response: Response) -> Response:
    from link_flow.dashboard.sessions import write_cookie

    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    # Same-origin, not none: over https Flask-WTF checks the Referer of forms.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return write_cookie(response)


@bp.context_processor
def page_helpers() -> dict[str, Any]:
    from link_flow.dashboard import display
    from link_flow.dashboard.sessions import current_user

    return {
        "current_user": current_user(),
        "static_version": current_app.config.get("STATIC_VERSION"),
        "when": display.when,
        "status_label": display.status_label,
        "status_text": display.status_text,
        "system_name": display.system_name,
        "event_text": display.event_text,
        "metadata_text": display.metadata_text,
    }


@bp.errorhandler(CSRFError)
def form_refused(error: CSRFError) -> tuple[str, int]:
    return (
        render_template(
            "dashboard/error.html",
            title="Form refused",
            message="This form had expired or did not come from the dashboard, "
            "so nothing was changed.",
            next_step="Go back, reload the page and try again.",
        ),
        400,
    )


@bp.errorhandler(ApiError)
def service_refused(error: ApiError) -> tuple[str, int]:
    title = "Not found" if error.status == 404 else "Not possible"
    return (
        render_template(
            "dashboard/error.html",
            title=title,
            message=error.message,
            next_step="Go back to your connections and try again from there.",
        ),
        error.status,
    )


from link_flow.dashboard import (  # noqa: E402, F401  (views register on bp)
    auth,
    connections,
    links,
    models,
    settings,
)

__all__ = ["bp"]
