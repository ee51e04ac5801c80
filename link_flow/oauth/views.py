"""OAuth endpoints. Errors here follow RFC 6749 section 5.2, not the API envelope."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, request, url_for

from link_flow.flow.views import _error_page, refused_origin_page
from link_flow.headers import apply_flow_headers
from link_flow.oauth import authorize as authorize_flow
from link_flow.oauth.server import authorization, query_client

bp = Blueprint("oauth", __name__, url_prefix="/oauth")

# Errors found before the redirect URI is trusted: a page, never a redirect
# (RFC 6749 section 4.1.2.1), so nobody can bounce a customer elsewhere.
AUTHORIZE_PAGES = {
    "client": (
        "CLIENT_UNKNOWN",
        "This sign-in link is not valid",
        "The site that sent you here is not known to link-flow.",
        "go back to that site and tell its support team.",
    ),
    "redirect_uri": (
        "REDIRECT_URI_NOT_REGISTERED",
        "This sign-in link is not valid",
        "The site that sent you here asked to send you back to an address it "
        "has not registered.",
        "go back to that site and tell its support team.",
    ),
}


@bp.post("/token")
def issue_token() -> Response:
    return authorization.create_token_response()  # type: ignore[no-any-return]


@bp.get("/authorize")
def authorize() -> Response:
    """Validate an authorization request and send the browser to its flow page.

    The validated request is signed into the page's URL fragment, like a
    magic link's token; nothing is stored until the customer finishes.
    """
    try:
        auth_request, account = authorize_flow.validate_current_request()
    except OAuth2Error as error:
        return _authorize_error(error)
    refused = refused_origin_page(account)
    if refused is not None:
        return refused

    page = url_for(
        "oauth_flow.authorize_page",
        client_id=auth_request.client_id,
        origin=request.args.get("origin"),
    )
    token = authorize_flow.sign_request(auth_request)
    response = Response(status=303, headers={"Location": f"{page}#{token}"})
    return apply_flow_headers(response, account)


def _authorize_error(error: OAuth2Error) -> Response:
    if error.redirect_uri:
        # The client and its redirect URI are valid: tell the client (4.1.2.1).
        return authorization.handle_error_response(None, error)  # type: ignore[no-any-return]
    # Without a trusted redirect URI, either the client is unknown or the
    # redirect URI is missing or not registered for it.
    client = query_client(request.args.get("client_id") or "")
    account = client.account if client else None
    kind = "redirect_uri" if account else "client"
    code, title, message, next_step = AUTHORIZE_PAGES[kind]
    return _error_page(400, code, title, message, next_step, account)
