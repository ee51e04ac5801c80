"""Limits on credential checks, shared by every process through the database.

An attempt is written *before* the slow check against the customer's system
and counted with it, so requests sent in parallel cannot all slip under the
limit. Refused attempts stay for the window; others are deleted afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from link_flow.errors import ApiError
from link_flow.extensions import db
from link_flow.models import CredentialAttempt
from link_flow.models.base import utcnow

WINDOW = timedelta(minutes=15)
PER_LINK = 10
PER_ADDRESS = 30


class Attempt:
    """One credential check in progress; call :meth:`refused` when it was."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(16)
        self.was_refused = False

    def refused(self) -> None:
        self.was_refused = True


def address_limits(client_address: str | None) -> dict[str, int]:
    """Return the per-address limit for ``client_address``, keyed by a hash.

    The address itself is never stored. A call from outside any request (the
    CLI, a test of the service) has no address and no per-address limit.
    """
    if not client_address:
        return {}
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(
        secret, b"credential-attempts|" + client_address.encode(), hashlib.sha256
    )
    return {"addr:" + digest.hexdigest()[:64]: PER_ADDRESS}


@contextmanager
def limited(limits: dict[str, int]) -> Iterator[Attempt]:
    """Run one credential check under ``limits`` (key -> attempts per window).

    Raises a 429 before the check when any key is over its limit. Wrap only
    the check itself: leaving the block commits the session.
    """
    attempt = Attempt()
    db.session.add_all(
        CredentialAttempt(key=key, attempt=attempt.token) for key in limits
    )
    db.session.commit()

    since = utcnow() - WINDOW
    for key, limit in limits.items():
        used = db.session.scalar(
            select(func.count())
            .select_from(CredentialAttempt)
            .where(CredentialAttempt.key == key, CredentialAttempt.created_at > since)
        )
        if (used or 0) > limit:
            _forget(attempt.token)
            minutes = int(WINDOW.total_seconds() // 60)
            raise ApiError(
                429,
                "TOO_MANY_ATTEMPTS",
                f"Too many failed sign-ins. Wait {minutes} minutes, then try again.",
                headers={"Retry-After": str(int(WINDOW.total_seconds()))},
            )

    try:
        yield attempt
    finally:
        if attempt.was_refused:
            db.session.execute(
                update(CredentialAttempt)
                .where(CredentialAttempt.attempt == attempt.token)
                .values(refused=True)
            )
            db.session.commit()
        else:
            _forget(attempt.token)


def _forget(attempt: str) -> None:
    db.session.execute(
        delete(CredentialAttempt).where(CredentialAttempt.attempt == attempt)
    )
    db.session.commit()


def prune(now: datetime | None = None) -> int:
    """Delete attempts older than the window; return how many."""
    cutoff = (now or utcnow()) - WINDOW
    result = db.session.execute(
        delete(CredentialAttempt).where(CredentialAttempt.created_at <= cutoff)
    )
    db.session.commit()
    return result.rowcount  # type: ignore[attr-defined, no-any-return]
