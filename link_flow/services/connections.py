"""Connection life: creation, status changes, finalising, disconnecting."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from link_flow.adapters.base import System
from link_flow.errors import ApiError, NotFound
from link_flow.extensions import db
from link_flow.models import (
    Account,
    Connection,
    ConnectionEvent,
    ConnectionStatus,
    MagicLink,
    OAuthToken,
)
from link_flow.models.base import utcnow
from link_flow.services import credits, webhooks
from link_flow.services.crypto import encrypt_json
from link_flow.services.events import record_event

log = logging.getLogger(__name__)

S = ConnectionStatus

# Which status may follow which; anything else is a bug or a race, refused.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.SYNCHRONIZING, S.INACTIVE},
    S.SYNCHRONIZING: {S.IN_PROGRESS, S.ACTIVE, S.INACTIVE},
    S.IN_PROGRESS: {S.ACTIVE, S.SYNCHRONIZING, S.INACTIVE},
    S.ACTIVE: {S.SYNCHRONIZING, S.INACTIVE},
    S.INACTIVE: {S.SYNCHRONIZING, S.INACTIVE},
}


class InvalidTransition(ApiError):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(
            409,
            "INVALID_STATUS",
            f"A connection that is {current} cannot become {wanted}.",
        )


def get_for_account(account_id: str, connection_id: str) -> Connection:
    """Return the account's connection; raise 404 for any other id."""
    connection = db.session.scalar(
        select(Connection).where(
            Connection.id == connection_id, Connection.account_id == account_id
        )
    )
    if connection is None:
        raise NotFound("connection")
    return connection


def create_pending(
    account: Account, *, name: str, email: str | None, metadata: dict[str, Any]
) -> Connection:
    """Add a pending connection in the caller's transaction and return it."""
    connection = Connection(
        account_id=account.id,
        name=name,
        email=email,
        user_metadata=metadata,
        status=S.PENDING,
    )
    db.session.add(connection)
    db.session.flush()
    record_event(connection, "created", {"status": S.PENDING})
    webhooks.emit(connection, "connection.created")

    return connection


def set_status(connection: Connection, status: str, reason: str | None = None) -> None:
    """Move ``connection`` to ``status``, recording and announcing the change."""
    previous = connection.status
    if status not in ALLOWED_TRANSITIONS.get(previous, set()):
        raise InvalidTransition(previous, status)
    if previous == status and connection.status_reason == reason:
        return
    connection.status = status
    connection.status_reason = reason
    record_event(
        connection,
        "status_changed",
        {"from": previous, "to": status, "reason": reason},
    )
    webhooks.emit(connection, "connection.status_changed")


def establish(
    connection: Connection,
    system: System,
    credentials: dict[str, str],
    *,
    magic_link_id: str | None = None,
) -> None:
    """Store credentials and take credits for a freshly signed-in connection.

    Runs in the caller's transaction; the caller commits, which also queues the
    initial sync. Without enough credits the connection ends ``inactive``.
    """
    from link_flow.jobs.tasks import queue_sync  # the job module imports us

    now = utcnow()
    connection.system_key = system.key
    connection.credentials_encrypted = encrypt_json(credentials)
    connection.connected_at = now
    connection.disconnected_at = None
    connection.sync_failures = 0
    connection.last_sync_error = None
    record_event(
        connection, "connected", {"system": system.key}, magic_link_id=magic_link_id
    )

    if credits.try_take(connection.account_id, system.credits):
        connection.credits = system.credits
        connection.overage = False
        set_status(connection, S.SYNCHRONIZING)
        queue_sync(connection.id)
    else:
        connection.credits = 0
        set_status(connection, S.INACTIVE, "insufficient_credits")
        record_event(
            connection,
            "credits_insufficient",
            {"needed": system.credits},
        )


def replace_credentials(
    connection: Connection,
    credentials: dict[str, str],
    *,
    magic_link_id: str | None = None,
) -> None:
    """Store new credentials for a reconnected connection and sync it again."""
    from link_flow.jobs.tasks import queue_sync

    connection.credentials_encrypted = encrypt_json(credentials)
    connection.sync_failures = 0
    connection.last_sync_error = None
    # Tokens issued for the old credentials stop working now.
    revoke_access(connection)
    record_event(
        connection,
        "reconnected",
        {"system": connection.system_key},
        magic_link_id=magic_link_id,
    )
    if connection.status == S.INACTIVE and connection.status_reason in (
        "insufficient_credits",
        "disconnected_by_partner",
    ):
        return
    # A sync already running sees the new credentials and reads again.
    if connection.status != S.SYNCHRONIZING:
        set_status(connection, S.SYNCHRONIZING)
    queue_sync(connection.id)


def mark_disconnected(connection: Connection, when: datetime | None = None) -> None:
    """Erase credentials, return credits and make the connection inactive.

    Locks the row first, so two disconnects at once return the credits once.
    """
    lock(connection)
    if connection.disconnected_at is not None:
        return
    credits.give_back(connection.account_id, connection.credits)
    record_event(connection, "disconnected", {"credits_returned": connection.credits})
    connection.credits = 0
    connection.overage = False
    connection.credentials_encrypted = None
    connection.disconnected_at = when or utcnow()
    connection.next_sync_at = None
    revoke_access(connection)
    set_status(connection, S.INACTIVE, "disconnected_by_partner")
    webhooks.emit(connection, "connection.disconnected")


def lock(connection: Connection) -> None:
    """Lock ``connection``'s row until the transaction ends, then re-read it.

    A conditional UPDATE rather than ``SELECT ... FOR UPDATE``, which SQLite
    lacks: the write takes the row lock on PostgreSQL and the database write
    lock on SQLite, so concurrent changes to one connection take turns and
    each acts on what the one before it committed.
    """
    db.session.execute(
        update(Connection)
        .where(Connection.id == connection.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(connection)


def revoke_access(connection: Connection) -> None:
    """End every token and every unused magic link of ``connection``."""
    now = utcnow()
    db.session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.connection_id == connection.id, OAuthToken.revoked_at.is_(None)
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(MagicLink)
        .where(
            MagicLink.connection_id == connection.id,
            MagicLink.used_at.is_(None),
            MagicLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def reactivate(account: Account, connection: Connection) -> None:
    """Bring an ``inactive`` connection back, with credits or as overage.

    Raises 409 when it is not inactive for want of credits, and 402 on a
    trial account that cannot pay. Commits.
    """
    from link_flow.adapters.catalog import get_system
    from link_flow.jobs.tasks import queue_sync

    # Locked, so two reactivations at once cannot both take credits.
    lock(connection)
    if connection.disconnected_at is not None:
        raise ApiError(
            409,
            "DISCONNECTED",
            "A disconnected connection cannot be reactivated: its credentials "
            "were erased. Send the customer a new magic link instead.",
        )
    if connection.status != S.INACTIVE:
        raise ApiError(
            409, "NOT_INACTIVE", f"The connection is {connection.status}, not inactive."
        )
    if connection.status_reason != "insufficient_credits":
        raise ApiError(
            409,
            "RECONNECT_REQUIRED",
            "This connection needs the customer to sign in again: create a "
            "reconnect link with POST /api/v1/connections/<id>/magic-link.",
        )
    system = get_system(connection.system_key or "")
    if system is None or connection.credentials_encrypted is None:
        raise ApiError(
            409, "RECONNECT_REQUIRED", "The connection has no stored credentials."
        )

    if credits.try_take(account.id, system.credits):
        connection.credits = system.credits
        connection.overage = False
    elif account.plan == "paid":
        connection.credits = 0
        connection.overage = True
    else:
        db.session.rollback()
        db.session.refresh(account)
        raise ApiError(
            402,
            "INSUFFICIENT_CREDITS",
            f"{system.name} needs {credits.credits_text(system.credits)} and the "
            "account has "
            f"{account.credits_available} available. Add credits, or move to the "
            "paid plan to run it as overage.",
            details={"needed": system.credits, "available": account.credits_available},
        )
    record_event(
        connection,
        "reactivated",
        {"overage": connection.overage, "credits": connection.credits},
    )
    set_status(connection, S.SYNCHRONIZING)
    queue_sync(connection.id)
    db.session.commit()


def update_details(connection: Connection, changes: dict[str, Any]) -> None:
    """Apply already-cleaned ``name``/``email``/``user_metadata`` changes. Commits."""
    changed = sorted(changes)
    for key, value in changes.items():
        setattr(connection, key, value)
    record_event(connection, "details_changed", {"fields": changed})
    db.session.commit()


def issue_tokens(connection: Connection) -> dict[str, Any]:
    """Issue a connection token pair and note it in the timeline. Commits.

    Raises 409 for a connection that never finished the flow or is
    disconnected: it has nothing a token could read.
    """
    from link_flow.services import tokens

    if connection.system_key is None or connection.disconnected_at is not None:
        raise ApiError(
            409,
            "NOT_CONNECTED",
            "Tokens are issued only for connections that finished the flow and "
            "are not disconnected.",
        )
    pair = tokens.issue_connection_pair(connection.account_id, connection.id)
    record_event(connection, "token_issued", {})
    db.session.commit()

    return pair


def timeline(connection: Connection) -> list[ConnectionEvent]:
    """Return the connection's timeline, oldest first."""
    return list(
        db.session.scalars(
            select(ConnectionEvent)
            .where(ConnectionEvent.connection_id == connection.id)
            .order_by(ConnectionEvent.id)
        )
    )
