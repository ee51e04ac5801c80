"""The contract's JSON shapes for rows shown to partners."""

from __future__ import annotations

from typing import Any

from link_flow.adapters.catalog import get_system
from link_flow.models import Connection
from link_flow.models.base import isoformat


def connection_json(connection: Connection) -> dict[str, Any]:
    """Return the contract's connection object; it never holds credentials."""
    system = get_system(connection.system_key) if connection.system_key else None
    return {
        "id": connection.id,
        "name": connection.name,
        "email": connection.email,
        "credits": connection.credits,
        "system": system.brief() if system else None,
        "status": connection.status,
        "status_reason": connection.status_reason,
        "overage": connection.overage,
        "connected_at": isoformat(connection.connected_at),
        "last_sync": isoformat(connection.last_sync),
        "created_at": isoformat(connection.created_at),
        "user_metadata": connection.user_metadata or {},
    }
