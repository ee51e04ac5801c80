"""Bearer-token authentication of the Admin and Connection APIs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from link_flow.extensions import db
from link_flow.models import Account, Connection
from link_flow.models.oauth import KIND_ADMIN, KIND_CONNECTION
from link_flow.services import tokens

F = TypeVar("F", bound=Callable[..., Any])


def require_admin(view: F) -> F:
    """Let the view run only with a live admin token; set ``g.account``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = tokens.bearer_token(request.headers.get("Authorization"))
        row = tokens.find_live_access_token(raw, KIND_ADMIN)
        if row is None:
            raise tokens.unauthorized(
                "The access token is unknown, expired or revoked.", invalid=True
            )
        g.account = db.session.get(Account, row.account_id)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def require_connection_token(view: F) -> F:
    """Let the view run only with a live connection token; set ``g.connection``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = tokens.bearer_token(request.headers.get("Authorization"))
        row = tokens.find_live_access_token(raw, KIND_CONNECTION)
        if row is None or row.connection_id is None:
            raise tokens.unauthorized(
                "The access token is unknown, expired or revoked.", invalid=True
            )
        g.connection = db.session.get(Connection, row.connection_id)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def current_account() -> Account:
    account: Account = g.account
    return account
