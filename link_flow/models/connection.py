"""Connections between an account and one customer's system, and their timeline."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from link_flow.extensions import db
from link_flow.models.base import UTCDateTime, new_id, utcnow


class ConnectionStatus(enum.StrEnum):
    PENDING = "pending"
    SYNCHRONIZING = "synchronizing"
    IN_PROGRESS = "in_progress"
    ACTIVE = "active"
    INACTIVE = "inactive"


STATUS_LABELS = {
    ConnectionStatus.PENDING: "Pending",
    ConnectionStatus.SYNCHRONIZING: "Synchronizing",
    ConnectionStatus.IN_PROGRESS: "In progress",
    ConnectionStatus.ACTIVE: "Active",
    ConnectionStatus.INACTIVE: "Inactive",
}

STATUS_REASONS = (
    "insufficient_credits",
    "reauthorization_required",
    "disconnected_by_partner",
)


class Connection(db.Model):  # type: ignore[name-defined]
    __tablename__ = "connections"
    __table_args__ = (
        Index("ix_connections_account_created", "account_id", "created_at", "id"),
        Index("ix_connections_account_status", "account_id", "status"),
        Index("ix_connections_due_sync", "status", "next_sync_at"),
    )

    id: Mapped[str] = mapped_column(
        String(40), primary_key=True, default=lambda: new_id("conn")
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    system_key: Mapped[str | None] = mapped_column(String(60), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=ConnectionStatus.PENDING)
    status_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    overage: Mapped[bool] = mapped_column(Boolean, default=False)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    credentials_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_sync: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sync_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )


class ConnectionEvent(db.Model):  # type: ignore[name-defined]
    """One line of a connection's timeline. Never holds a secret."""

    __tablename__ = "connection_events"
    __table_args__ = (Index("ix_connection_events_conn", "connection_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    magic_link_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    type: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
