"""Signed tokens, one itsdangerous serializer per purpose.

Each purpose has its own salt, so a token made for one is never accepted for
another. Earlier secret keys listed in ``SECRET_KEY_FALLBACKS`` still verify.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)

MAGIC_LINK_SALT = "link-flow.magic-link.v1"
FLOW_SESSION_SALT = "link-flow.flow-session.v1"


class TokenInvalid(Exception):
    """The token is damaged, forged, or made for another purpose."""


class TokenExpired(Exception):
    """The token was genuine but is too old."""


def _keys() -> list[str]:
    # itsdangerous signs with the last key and verifies with all of them.
    config = current_app.config
    return [*reversed(config["SECRET_KEY_FALLBACKS"]), config["SECRET_KEY"]]


def sign_magic_link(link_id: str) -> str:
    """Return the token that goes in the fragment of a magic link's URL.

    The token is deterministic for a given key, so the URL can be shown again
    while the link is usable; expiry and use are checked in the database.
    """
    return URLSafeSerializer(_keys(), salt=MAGIC_LINK_SALT).dumps({"l": link_id})


def read_magic_link(token: str) -> str:
    """Return the link id inside ``token``; raise :class:`TokenInvalid`."""
    try:
        data = URLSafeSerializer(_keys(), salt=MAGIC_LINK_SALT).loads(token)
    except BadSignature as exc:
        raise TokenInvalid("magic link token") from exc
    if not isinstance(data, dict) or not isinstance(data.get("l"), str):
        raise TokenInvalid("magic link token")
    return str(data["l"])


def sign_flow_session(payload: dict[str, Any]) -> str:
    """Return a short-lived token the widget sends back in a header."""
    return URLSafeTimedSerializer(_keys(), salt=FLOW_SESSION_SALT).dumps(payload)


def read_flow_session(token: str) -> dict[str, Any]:
    """Return the payload of a flow token; raise expired or invalid errors."""
    serializer = URLSafeTimedSerializer(_keys(), salt=FLOW_SESSION_SALT)
    try:
        data = serializer.loads(token, max_age=current_app.config["FLOW_TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise TokenExpired("flow session") from exc
    except BadSignature as exc:
        raise TokenInvalid("flow session") from exc
    if not isinstance(data, dict):
        raise TokenInvalid("flow session")
    return data
