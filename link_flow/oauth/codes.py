"""Authorization codes: stored hashed, short-lived, redeemable exactly once."""

from __future__ import annotations

import logging
from datetime import timedelta

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin
from sqlalchemy import select, update

from link_flow.extensions import db
from link_flow.models import OAuthToken
from link_flow.models.base import utcnow
from link_flow.models.oauth import AuthorizationCode
from link_flow.services.crypto import hash_secret

log = logging.getLogger(__name__)

# RFC 6749 recommends at most ten minutes; the partner's server exchanges the
# code right after the redirect, so one minute leaves a leaked code little use.
CODE_LIFETIME = timedelta(seconds=60)


class IssuedCode(AuthorizationCodeMixin):  # type: ignore[misc]
    """A stored code as Authlib's grant and PKCE extension read it."""

    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope or ""


def store(
    *,
    code_id: str,
    code: str,
    account_id: str,
    connection_id: str,
    redirect_uri: str,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> AuthorizationCode:
    """Add a code by its hash in the caller's transaction and flush it.

    ``code_id`` comes from the authorization request, so a second finish of
    the same request fails here on the primary key.
    """
    row = AuthorizationCode(
        id=code_id,
        code_hash=hash_secret(code),
        account_id=account_id,
        connection_id=connection_id,
        redirect_uri=redirect_uri,
        scope="",
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method if code_challenge else None,
        expires_at=utcnow() + CODE_LIFETIME,
    )
    db.session.add(row)
    db.session.flush()

    return row


def exists(code_id: str) -> bool:
    """Tell whether the authorization request ``code_id`` already ended in a code."""
    return db.session.get(AuthorizationCode, code_id) is not None


def redeem(code: str, account_id: str) -> IssuedCode | None:
    """Claim ``code`` for one token exchange by ``account_id``'s client. Commits.

    Returns ``None`` for an unknown, foreign or expired code. A code that
    was already claimed is a replay: every token pair it issued (and their
    rotated successors) is revoked, as RFC 6749 section 4.1.2 asks.
    """
    row = db.session.scalar(
        select(AuthorizationCode).where(
            AuthorizationCode.code_hash == hash_secret(code)
        )
    )
    if row is None or row.account_id != account_id:
        return None

    now = utcnow()
    claimed = db.session.execute(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.id == row.id,
            AuthorizationCode.used_at.is_(None),
            AuthorizationCode.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        db.session.refresh(row)
        return IssuedCode(row)

    db.session.refresh(row)
    if row.used_at is not None:
        revoked = revoke_issued(row.id)
        log.warning(
            "oauth.code_reused code_id=%s account_id=%s tokens_revoked=%s",
            row.id,
            row.account_id,
            revoked,
        )
    return None


def revoke_issued(code_id: str) -> int:
    """Revoke every live token pair issued from ``code_id``; return how many."""
    result = db.session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.authorization_code_id == code_id,
            OAuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()

    return int(result.rowcount)  # type: ignore[attr-defined]
