"""Views of the link flow. Thin: parse, call ``services.flow``, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from link_flow.errors import ApiError, error_response
from link_flow.extensions import db
from link_flow.headers import apply_flow_headers
from link_flow.models import Account
from link_flow.models.base import utcnow
from link_flow.services import flow

bp = Blueprint("flow", __name__)

FLOW_TOKEN_HEADER = "X-Link-Flow-Token"

LINK_PAGES = {
    "used": (
        "LINK_USED",
        "Already connected",
        "This link was already used and the system is connected.",
        "Nothing more to do. If you need to connect again, ask the sender "
        "for a new link.",
    ),
    "revoked": (
        "LINK_REVOKED",
        "Link withdrawn",
        "The sender withdrew this link.",
        "Ask the sender for a new link.",
    ),
    "expired": (
        "LINK_EXPIRED",
        "Link expired",
        "This link is no longer valid.",
        "Ask the sender for a new link.",
    ),
}


@bp.route("/link/<link_id>", methods=["GET", "HEAD"])
def link_page(link_id: str) -> Response:
    """Show the flow, or a page saying why the link cannot be used."""
    link = flow.find_link(link_id)
    if link is None:
        return _error_page(
            404,
            "LINK_NOT_FOUND",
            "Link not found",
            "We could not find this link.",
            "Check that you copied the whole link, or ask the sender for a new one.",
            None,
        )

    account = db.session.get(Account, link.account_id)
    refused = refused_origin_page(account)
    if refused is not None:
        return refused
    state = link.state(utcnow())
    if state != "usable":
        code, title, message, next_step = LINK_PAGES[state]
        return _error_page(410, code, title, message, next_step, account)

    html = render_template(
        "flow/link.html",
        link_id=link.id,
        api_base="/flow/api",
        partner_name=account.name if account else "",
        host_origin=_host_origin(account),
        static_version=current_app.config["STATIC_VERSION"],
    )
    return apply_flow_headers(Response(html, mimetype="text/html"), account)


def _host_origin(account: Account | None) -> str | None:
    """Return the partner origin named in ``?origin=`` if the account allows it."""
    origin = request.args.get("origin")
    if account and origin and origin in (account.allowed_origins or []):
        return origin
    return None


def refused_origin_page(account: Account | None) -> Response | None:
    """Return a 403 page when ``?origin=`` names a site the account does not allow.

    The SDK always reports its page's origin. A flow opened by any other
    site must not start, and posts nothing: the page gets no host origin.
    """
    if request.args.get("origin") is None or _host_origin(account):
        return None
    partner = account.name if account else "The company that sent you here"
    return _error_page(
        403,
        "ORIGIN_NOT_ALLOWED",
        "This site cannot open the flow",
        f"{partner} has not allowed the site that opened this page to show it, "
        "so nothing was started.",
        "open the link directly in your browser, or ask the company that sent "
        "it. If you run that site, add its origin to the account's allowed "
        "origins.",
        account,
    )


def _error_page(
    status: int,
    code: str,
    title: str,
    message: str,
    next_step: str,
    account: Account | None,
) -> Response:
    html = render_template(
        "flow/link_error.html",
        title=title,
        message=message,
        next_step=next_step,
        status=status,
        error_code=code,
        partner_name=account.name if account else None,
        host_origin=_host_origin(account),
        static_version=current_app.config["STATIC_VERSION"],
    )
    response = Response(html, status=status, mimetype="text/html")
    return apply_flow_headers(response, account)


@bp.post("/flow/api/session")
def open_session() -> Response:
    body = _json_body()
    link_id = body.get("link_id")
    token = body.get("token")
    if not isinstance(link_id, str) or not isinstance(token, str):
        raise ApiError(
            400, "INVALID_TOKEN", "This link is damaged. Copy the whole link again."
        )
    return _flow_json(flow.open_session(link_id, token))


@bp.post("/flow/api/events")
def note_event() -> Response:
    link = flow.link_from_flow_token(request.headers.get(FLOW_TOKEN_HEADER))
    body = _json_body()
    if body.get("type") != "system_chosen":
        raise ApiError(400, "UNKNOWN_EVENT", "Only system_chosen events are recorded.")
    flow.note_system_chosen(link, body.get("system"))
    return _flow_json({"recorded": True})


@bp.post("/flow/api/connect")
def connect() -> Response:
    link = flow.link_from_flow_token(request.headers.get(FLOW_TOKEN_HEADER))
    body = _json_body()
    result = flow.finish(
        link,
        system_key=body.get("system"),
        credentials=body.get("credentials"),
        name=body.get("name"),
        email=body.get("email"),
        client_address=request.remote_addr,
    )
    return _flow_json(result)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "INVALID_JSON",
            "Send a JSON object with Content-Type application/json.",
        )
    return body


def _flow_json(payload: dict[str, Any]) -> Response:
    return apply_flow_headers(jsonify(payload), None)


@bp.errorhandler(ApiError)
def flow_api_error(error: ApiError) -> Response:
    return apply_flow_headers(error_response(error), None)
