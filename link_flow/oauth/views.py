"""OAuth endpoints. Errors here follow RFC 6749 section 5.2, not the API envelope."""

from __future__ import annotations

from flask import Blueprint, Response

from link_flow.oauth.server import authorization

bp = Blueprint("oauth", __name__, url_prefix="/oauth")


@bp.post("/token")
def issue_token() -> Response:
    return authorization.create_token_response()  # type: ignore[no-any-return]
