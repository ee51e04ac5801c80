"""Slowing down password guessing without locking the owner out.

Failures are counted per email *and* client address, in the database so
every process sees them. After a few failures that pair must wait, longer
each time; the same email from any other address is untouched, so an
attacker can never lock the real owner out, only themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from link_flow.dashboard.models import SignInThrottle
from link_flow.extensions import db
from link_flow.models.base import utcnow

log = logging.getLogger(__name__)

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 5
MAX_WAIT = timedelta(minutes=15)
# A pair with no failure for this long starts again from zero.
FORGET_AFTER = timedelta(hours=1)


def throttle_key(email: str) -> str:
    """Return the keyed hash naming this email from this client address."""
    secret = current_app.config["SECRET_KEY"].encode()
    subject = f"{email.strip().lower()}|{request.remote_addr or ''}".encode()
    return hmac.new(secret, b"sign-in-throttle|" + subject, hashlib.sha256).hexdigest()


def seconds_to_wait(key: str) -> int:
    """Return how long this pair must wait before trying again; 0 for now."""
    row = db.session.get(SignInThrottle, key)
    if row is None or row.blocked_until is None:
        return 0
    remaining = (row.blocked_until - utcnow()).total_seconds()
    return max(math.ceil(remaining), 0)


def record_failure(key: str) -> None:
    """Count one failed sign-in for the pair and set its next wait. Commits."""
    now = utcnow()
    row = _row_for_update(key, now)
    if now - row.updated_at > FORGET_AFTER:
        row.failures = 0
        row.window_started_at = now
    row.failures += 1
    row.updated_at = now
    row.blocked_until = _blocked_until(row.failures, now)
    db.session.commit()
    if row.blocked_until is not None:
        log.info("dashboard.sign_in_throttled failures=%s", row.failures)


def _row_for_update(key: str, now: datetime) -> SignInThrottle:
    row = db.session.get(SignInThrottle, key, with_for_update=True)
    if row is not None:
        return row
    row = SignInThrottle(key_hash=key, failures=0, window_started_at=now)
    row.updated_at = now
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request made the row first; count on theirs.
        db.session.rollback()
        row = db.session.get(SignInThrottle, key, with_for_update=True)
        assert row is not None
    return row


def _blocked_until(failures: int, now: datetime) -> datetime | None:
    if failures < FREE_FAILURES:
        return None
    doublings = min(failures - FREE_FAILURES, 16)
    wait = timedelta(seconds=FIRST_WAIT_SECONDS * 2**doublings)
    return now + min(wait, MAX_WAIT)


def clear(key: str) -> None:
    """Forget the pair's failures after a good sign-in, and old pairs. Commits."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key_hash == key))
    db.session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.updated_at < utcnow() - FORGET_AFTER - MAX_WAIT
        )
    )
    db.session.commit()
