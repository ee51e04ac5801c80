"""Signed-in browsers: a random id in a cookie, stored only as its hash.

Deleting a ``dashboard_sessions`` row signs that browser out, which is how
sign-out and a password change end sessions everywhere.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Response, g, jsonify, redirect, request, url_for
from sqlalchemy import delete

from link_flow.extensions import db
from link_flow.models import Account, DashboardSession, DashboardUser
from link_flow.models.base import utcnow
from link_flow.services.crypto import hash_secret

COOKIE_NAME = "lf_dashboard"
COOKIE_PATH = "/dashboard"
IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_TIMEOUT = timedelta(days=7)
# last_seen_at is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=5)

F = TypeVar("F", bound=Callable[..., Any])


def start_session(user: DashboardUser) -> None:
    """Sign ``user`` in with a fresh session id, ending the one presented.

    A new id at every sign-in means an id planted before it is worthless.
    """
    presented = request.cookies.get(COOKIE_NAME)
    if presented:
        _delete(hash_secret(presented))
    raw = secrets.token_urlsafe(32)
    db.session.add(DashboardSession(id_hash=hash_secret(raw), user_id=user.id))
    db.session.commit()
    g.dashboard_cookie = raw


def end_session() -> None:
    """Sign the current browser out."""
    presented = request.cookies.get(COOKIE_NAME)
    if presented:
        _delete(hash_secret(presented))
        db.session.commit()
    g.dashboard_cookie = ""


def _delete(id_hash: str) -> None:
    db.session.execute(
        delete(DashboardSession).where(DashboardSession.id_hash == id_hash)
    )


def current_user() -> DashboardUser | None:
    """Return the signed-in user of this request, or ``None``."""
    if "dashboard_user" in g:
        user: DashboardUser | None = g.dashboard_user
        return user
    g.dashboard_user = _load_user()
    return g.dashboard_user  # type: ignore[no-any-return]


def _load_user() -> DashboardUser | None:
    presented = request.cookies.get(COOKIE_NAME)
    if not presented:
        return None
    session = db.session.get(DashboardSession, hash_secret(presented))
    if session is None:
        return None
    now = utcnow()
    if (
        now - session.last_seen_at > IDLE_TIMEOUT
        or now - session.created_at > ABSOLUTE_TIMEOUT
    ):
        db.session.delete(session)
        db.session.commit()
        return None
    if now - session.last_seen_at > TOUCH_INTERVAL:
        session.last_seen_at = now
        db.session.commit()

    return db.session.get(DashboardUser, session.user_id)


def current_account() -> Account:
    """Return the account of the signed-in user; call only in signed-in views."""
    user = current_user()
    assert user is not None
    account = db.session.get(Account, user.account_id)
    assert account is not None
    return account


def signed_in(view: F) -> F:
    """Run the view only for a signed-in user; send others to sign in."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if request.path.endswith(".json"):
                response = jsonify(
                    {"error": {"code": "UNAUTHORIZED", "message": "Sign in again."}}
                )
                response.status_code = 401
                return response
            return redirect(url_for("dashboard.sign_in", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a dashboard path on this site, else the home."""
    default = url_for("dashboard.connections")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/dashboard"):
        return default
    if "\\" in target or target.startswith("//"):
        return default
    return target.rstrip("?")


def write_cookie(response: Response) -> Response:
    """Set or clear the session cookie if this request changed it."""
    raw = g.get("dashboard_cookie")
    if raw is None:
        return response
    secure = request.is_secure
    if raw:
        response.set_cookie(
            COOKIE_NAME,
            raw,
            max_age=int(ABSOLUTE_TIMEOUT.total_seconds()),
            path=COOKIE_PATH,
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(
            COOKIE_NAME, path=COOKIE_PATH, secure=secure, httponly=True, samesite="Lax"
        )
    return response
