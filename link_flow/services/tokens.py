"""Issued OAuth tokens: storing them hashed, finding and revoking them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from link_flow.errors import ApiError
from link_flow.extensions import db
from link_flow.models import OAuthToken
from link_flow.models.base import utcnow
from link_flow.models.oauth import KIND_ADMIN, KIND_CONNECTION
from link_flow.services.crypto import hash_secret, new_secret

ACCESS_TOKEN_LIFETIME = timedelta(days=30)
REFRESH_TOKEN_LIFETIME = timedelta(days=31)
ACCESS_PREFIX = {KIND_ADMIN: "lfa", KIND_CONNECTION: "lfc"}
REFRESH_PREFIX = {KIND_ADMIN: "lfar", KIND_CONNECTION: "lfcr"}


def store_pair(
    *,
    kind: str,
    account_id: str,
    access_token: str,
    refresh_token: str | None,
    connection_id: str | None = None,
    authorization_code_id: str | None = None,
) -> OAuthToken:
    """Store a token pair by its hashes, in the caller's transaction."""
    now = utcnow()
    row = OAuthToken(
        kind=kind,
        account_id=account_id,
        connection_id=connection_id,
        access_token_hash=hash_secret(access_token),
        refresh_token_hash=hash_secret(refresh_token) if refresh_token else None,
        access_expires_at=now + ACCESS_TOKEN_LIFETIME,
        refresh_expires_at=now + REFRESH_TOKEN_LIFETIME if refresh_token else None,
        authorization_code_id=authorization_code_id,
    )
    db.session.add(row)
    return row


def issue_connection_pair(account_id: str, connection_id: str) -> dict[str, object]:
    """Make and store a connection token pair; return it as the token endpoint would."""
    access = new_secret(ACCESS_PREFIX[KIND_CONNECTION])
    refresh = new_secret(REFRESH_PREFIX[KIND_CONNECTION])
    store_pair(
        kind=KIND_CONNECTION,
        account_id=account_id,
        connection_id=connection_id,
        access_token=access,
        refresh_token=refresh,
    )
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        "refresh_token": refresh,
        "connection_id": connection_id,
    }


def find_live_access_token(raw: str, kind: str) -> OAuthToken | None:
    """Return the unrevoked, unexpired token row for ``raw`` of ``kind``."""
    return db.session.scalar(
        select(OAuthToken).where(
            OAuthToken.access_token_hash == hash_secret(raw),
            OAuthToken.kind == kind,
            OAuthToken.revoked_at.is_(None),
            OAuthToken.access_expires_at > utcnow(),
        )
    )


def claim_refresh_token(raw: str) -> OAuthToken | None:
    """Revoke the pair ``raw`` refreshes and return it, if this call did so.

    Revoking first, in one conditional UPDATE, means a refresh token can be
    exchanged once even when two requests race.
    """
    digest = hash_secret(raw)
    now = utcnow()
    result = db.session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.refresh_token_hash == digest,
            OAuthToken.revoked_at.is_(None),
            OAuthToken.refresh_expires_at > now,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.scalar(
        select(OAuthToken).where(OAuthToken.refresh_token_hash == digest)
    )


def bearer_token(header: str | None) -> str:
    """Return the token in an ``Authorization: Bearer`` header; raise 401 if none."""
    if not header or not header.lower().startswith("bearer "):
        raise unauthorized("Send an access token as 'Authorization: Bearer <token>'.")
    token = header[7:].strip()
    if not token:
        raise unauthorized("The bearer token is empty.")
    return token


def unauthorized(message: str, *, invalid: bool = False) -> ApiError:
    challenge = 'Bearer realm="link-flow"'
    if invalid:
        challenge += ', error="invalid_token"'
    return ApiError(
        401, "UNAUTHORIZED", message, headers={"WWW-Authenticate": challenge}
    )
