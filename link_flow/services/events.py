"""The partner-visible timeline of each connection."""

from __future__ import annotations

import logging
from typing import Any

from link_flow.extensions import db
from link_flow.models import Connection, ConnectionEvent

log = logging.getLogger(__name__)


def record_event(
    connection: Connection,
    event_type: str,
    detail: dict[str, Any] | None = None,
    *,
    magic_link_id: str | None = None,
) -> ConnectionEvent:
    """Add a timeline row in the caller's transaction and return it.

    ``detail`` must never hold a secret; callers pass ids, codes and counts.
    """
    event = ConnectionEvent(
        account_id=connection.account_id,
        connection_id=connection.id,
        magic_link_id=magic_link_id,
        type=event_type,
        detail=detail or {},
    )
    db.session.add(event)
    log.info(
        "connection.%s connection_id=%s account_id=%s",
        event_type,
        connection.id,
        connection.account_id,
    )

    return event
