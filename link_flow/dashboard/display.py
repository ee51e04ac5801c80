"""How rows read on the dashboard: labels, times and timeline sentences."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from link_flow.adapters.catalog import get_system
from link_flow.models import Connection, ConnectionEvent
from link_flow.models.connection import STATUS_LABELS

REASON_TEXT = {
    "insufficient_credits": "not enough credits",
    "reauthorization_required": "the system refused the stored credentials",
    "disconnected_by_partner": "disconnected by you",
}

EVENT_TEXT = {
    "created": "Connection created",
    "magic_link_created": "Magic link created",
    "reconnect_link_created": "Reconnect link created",
    "magic_link_opened": "Magic link opened",
    "magic_link_revoked": "Magic link revoked",
    "magic_link_expired": "Magic link expired unused",
    "system_chosen": "System chosen",
    "credentials_refused": "Credentials refused",
    "connected": "Connected",
    "reconnected": "Reconnected with new credentials",
    "credits_insufficient": "Not enough credits",
    "reactivated": "Reactivated",
    "disconnected": "Disconnected",
    "details_changed": "Details changed",
    "token_issued": "Connection token issued",
    "status_changed": "Status changed",
    "sync_completed": "Sync completed",
    "sync_failed": "Sync failed",
    "webhook_delivered": "Webhook delivered",
    "webhook_failed": "Webhook delivery failed",
}


def when(value: datetime | None) -> str:
    """Return a timestamp as people read it, in UTC, or a dash."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)  # type: ignore[call-overload, no-any-return]


def status_text(connection: Connection) -> str:
    """Return the status as shown, with the reason when there is one."""
    label = status_label(connection.status)
    reason = REASON_TEXT.get(connection.status_reason or "")
    return f"{label} ({reason})" if reason else label


def system_name(key: str | None) -> str:
    if not key:
        return "—"
    system = get_system(key)
    return system.name if system else key


def event_text(event: ConnectionEvent) -> str:
    """Return one timeline line: what happened, with its safe details."""
    text = EVENT_TEXT.get(event.type, event.type.replace("_", " ").capitalize())
    detail: dict[str, Any] = event.detail or {}
    if event.type == "status_changed":
        before = status_label(str(detail.get("from", "")))
        after = status_label(str(detail.get("to", "")))
        text = f"Status changed from {before} to {after}"
        reason = REASON_TEXT.get(str(detail.get("reason") or ""))
        if reason:
            text += f" ({reason})"
    elif detail.get("system"):
        text += f": {system_name(str(detail['system']))}"
    if event.type == "credentials_refused" and detail.get("code"):
        text += f" ({detail['code']})"
    if event.type == "disconnected" and detail.get("credits_returned"):
        text += f", {detail['credits_returned']} credits returned"
    if event.type == "reactivated" and detail.get("overage"):
        text += " as overage"
    if event.type == "details_changed" and detail.get("fields"):
        text += ": " + ", ".join(str(f) for f in detail["fields"])

    return text


def connection_live(connection: Connection) -> dict[str, Any]:
    """Return the fields the pages refresh while a connection changes."""
    return {
        "id": connection.id,
        "name": connection.name,
        "email": connection.email or "—",
        "status": connection.status,
        "status_text": status_text(connection),
        "system": system_name(connection.system_key),
        "credits": connection.credits,
        "connected_at": when(connection.connected_at),
        "last_sync": when(connection.last_sync),
    }


def metadata_text(value: Any) -> str:
    """Return a metadata value as text: JSON spelling for non-strings."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
