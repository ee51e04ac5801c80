"""The flow page and flow API of an authorization request.

The page is the magic link's page (``flow/link.html`` and its scripts)
pointed at this API; the request token rides in the URL fragment.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from link_flow.errors import ApiError, error_response
from link_flow.flow.views import (
    FLOW_TOKEN_HEADER,
    _error_page,
    _flow_json,
    _host_origin,
    _json_body,
    refused_origin_page,
)
from link_flow.headers import apply_flow_headers
from link_flow.oauth import authorize as authorize_flow
from link_flow.oauth.server import query_client

bp = Blueprint("oauth_flow", __name__)

API_BASE = "/flow/api/authorize"


@bp.route("/flow/authorize/<client_id>", methods=["GET", "HEAD"])
def authorize_page(client_id: str) -> Response:
    """Show the flow for an authorization request of ``client_id``."""
    client = query_client(client_id)
    if client is None:
        return _error_page(
            404,
            "CLIENT_UNKNOWN",
            "This sign-in link is not valid",
            "The site that sent you here is not known to link-flow.",
            "go back to that site and start again.",
            None,
        )
    account = client.account
    refused = refused_origin_page(account)
    if refused is not None:
        return refused

    html = render_template(
        "flow/link.html",
        link_id=client_id,
        api_base=API_BASE,
        partner_name=account.name,
        host_origin=_host_origin(account),
        static_version=current_app.config["STATIC_VERSION"],
    )
    return apply_flow_headers(Response(html, mimetype="text/html"), account)


@bp.post(f"{API_BASE}/session")
def open_session() -> Response:
    body = _json_body()
    client_id = body.get("link_id")
    token = body.get("token")
    if not isinstance(client_id, str) or not isinstance(token, str):
        raise ApiError(400, "INVALID_TOKEN", authorize_flow.DAMAGED)
    return _flow_json(authorize_flow.open_session(client_id, token))


@bp.post(f"{API_BASE}/events")
def note_event() -> Response:
    authorize_flow.request_from_session_token(request.headers.get(FLOW_TOKEN_HEADER))
    body = _json_body()
    if body.get("type") != "system_chosen":
        raise ApiError(400, "UNKNOWN_EVENT", "Only system_chosen events are recorded.")
    authorize_flow.check_system(body.get("system"))
    # No connection exists before the customer finishes, so there is no
    # timeline to write to yet.
    return _flow_json({"recorded": False})


@bp.post(f"{API_BASE}/connect")
def connect() -> Response:
    auth_request = authorize_flow.request_from_session_token(
        request.headers.get(FLOW_TOKEN_HEADER)
    )
    body = _json_body()
    result = authorize_flow.finish(
        auth_request,
        system_key=body.get("system"),
        credentials=body.get("credentials"),
        name=body.get("name"),
        email=body.get("email"),
        client_address=request.remote_addr,
    )
    return _flow_json(result)


@bp.errorhandler(ApiError)
def flow_api_error(error: ApiError) -> Response:
    return apply_flow_headers(error_response(error), None)
