"""Reading a connection's system: the status steps of one sync."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from link_flow.adapters.base import AdapterContext, AdapterError
from link_flow.adapters.catalog import get_system
from link_flow.extensions import db
from link_flow.models import Account, Connection, ConnectionStatus
from link_flow.models.base import utcnow
from link_flow.services import webhooks
from link_flow.services.connections import lock, set_status
from link_flow.services.crypto import decrypt_json
from link_flow.services.events import record_event

log = logging.getLogger(__name__)

S = ConnectionStatus
SYNCABLE = (S.SYNCHRONIZING, S.IN_PROGRESS, S.ACTIVE)


class SyncShouldRetry(Exception):
    """The system could not be read for a passing reason; try again later."""


def adapter_context() -> AdapterContext:
    config = current_app.config
    return AdapterContext(
        allow_private_targets=config["ALLOW_PRIVATE_TARGETS"],
        timeout=float(config["ADAPTER_TIMEOUT"]),
    )


def run_sync(connection_id: str, *, final: bool = False) -> str:
    """Read the connection's system once and return the outcome's name.

    Raises :class:`SyncShouldRetry` after recording a passing failure, so the
    job queue retries with backoff; ``final`` says the queue will not retry.
    The system is read outside any transaction; the row is locked and re-read
    before each write, so a disconnect or new credentials arriving meanwhile
    are never overwritten.
    """
    connection = db.session.get(Connection, connection_id)
    if connection is None:
        return "skipped"
    lock(connection)
    if connection.credentials_encrypted is None or connection.system_key is None:
        db.session.rollback()
        return "skipped"
    system = get_system(connection.system_key)
    if connection.status not in SYNCABLE or system is None:
        db.session.rollback()
        return "skipped"
    if connection.status != S.SYNCHRONIZING:
        set_status(connection, S.SYNCHRONIZING)
    sealed = connection.credentials_encrypted
    db.session.commit()

    try:
        summary = system.make_adapter(adapter_context()).fetch_summary(
            decrypt_json(sealed)
        )
    except AdapterError as error:
        if not _unchanged(connection, sealed, S.SYNCHRONIZING):
            return _superseded(connection, sealed)
        return _record_failure(connection, error, final=final)

    if not _unchanged(connection, sealed, S.SYNCHRONIZING):
        return _superseded(connection, sealed)
    set_status(connection, S.IN_PROGRESS)
    db.session.commit()

    if not _unchanged(connection, sealed, S.IN_PROGRESS):
        return _superseded(connection, sealed)
    _store_summary(connection, summary)
    return "completed"


def _unchanged(connection: Connection, sealed: str, status: str) -> bool:
    """Lock and re-read the row; tell whether nothing changed under the sync."""
    lock(connection)
    return connection.status == status and connection.credentials_encrypted == sealed


def _superseded(connection: Connection, sealed: str) -> str:
    """Drop a result that no longer applies: the row changed during the read.

    A disconnect, another sync that finished first, or new credentials,
    whose own sync is already queued.
    """
    db.session.commit()
    log.info(
        "sync.superseded connection_id=%s status=%s", connection.id, connection.status
    )
    return "superseded"


def _sync_interval(connection: Connection) -> timedelta:
    account = db.session.get(Account, connection.account_id)
    return timedelta(seconds=account.sync_interval_seconds if account else 3600)


def _store_summary(connection: Connection, summary: dict[str, Any]) -> None:
    now = utcnow()
    connection.summary = {
        key: value
        for key, value in summary.items()
        if isinstance(value, str | int | float | bool) or value is None
    }
    connection.last_sync = now
    connection.next_sync_at = now + _sync_interval(connection)
    connection.sync_failures = 0
    connection.last_sync_error = None
    set_status(connection, S.ACTIVE)
    record_event(connection, "sync_completed", {"summary": connection.summary})
    webhooks.emit(connection, "connection.sync_completed")
    db.session.commit()


def _record_failure(
    connection: Connection, error: AdapterError, *, final: bool = False
) -> str:
    connection.sync_failures += 1
    connection.last_sync_error = error.code
    record_event(
        connection,
        "sync_failed",
        {"code": error.code, "attempt": connection.sync_failures},
    )
    webhooks.emit(connection, "connection.sync_failed", {"error": {"code": error.code}})

    if not error.retryable:
        set_status(connection, S.INACTIVE, "reauthorization_required")
        connection.next_sync_at = None
        webhooks.emit(connection, "connection.reauthorization_required")
        db.session.commit()
        return "reauthorization_required"

    # A connection that synced before stays usable while the system is away.
    if connection.last_sync is not None:
        set_status(connection, S.ACTIVE)
    if final:
        # The queue gives up on this sync; the sweep tries again an interval
        # later, also for a connection whose first sync never succeeded.
        connection.next_sync_at = utcnow() + _sync_interval(connection)
        db.session.commit()
        return "failed"
    db.session.commit()
    raise SyncShouldRetry(error.code)


def due_connection_ids(limit: int = 500) -> list[str]:
    """Return ids of connections whose next periodic sync is due.

    Active ones, and synchronizing ones whose sync the queue gave up on.
    """
    now = utcnow()
    rows = db.session.scalars(
        select(Connection.id)
        .where(
            Connection.status.in_((S.ACTIVE, S.SYNCHRONIZING)),
            Connection.next_sync_at <= now,
        )
        .order_by(Connection.next_sync_at)
        .limit(limit)
    )
    return list(rows)


def postpone_next_sync(connection_id: str) -> None:
    """Push the due time forward so a sweep does not queue the sync twice."""
    connection = db.session.get(Connection, connection_id)
    if connection is None:
        return
    connection.next_sync_at = utcnow() + _sync_interval(connection)
