"""Partner accounts and the people who sign in to their dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from link_flow.extensions import db
from link_flow.models.base import UTCDateTime, new_id, utcnow

PLANS = ("trial", "paid")
DEFAULT_SYNC_INTERVAL = 3600


class Account(db.Model):  # type: ignore[name-defined]
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(
        String(40), primary_key=True, default=lambda: new_id("acc")
    )
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(10), default="trial")
    # Credits: balance is what was granted, used what live connections hold.
    credits_balance: Mapped[int] = mapped_column(Integer, default=0)
    credits_used: Mapped[int] = mapped_column(Integer, default=0)
    client_id: Mapped[str] = mapped_column(String(60), unique=True, index=True)
    client_secret_hash: Mapped[str] = mapped_column(String(128))
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    branding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Webhook secrets are needed in clear to sign, so they are encrypted.
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    previous_webhook_secret_encrypted: Mapped[str | None] = mapped_column(
        Text, nullable=True
    )
    previous_webhook_secret_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True
    )
    sync_interval_seconds: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_SYNC_INTERVAL
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def credits_available(self) -> int:
        return max(self.credits_balance - self.credits_used, 0)


class DashboardUser(db.Model):  # type: ignore[name-defined]
    __tablename__ = "dashboard_users"

    id: Mapped[str] = mapped_column(
        String(40), primary_key=True, default=lambda: new_id("usr")
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardSession(db.Model):  # type: ignore[name-defined]
    """A signed-in browser; deleting the row signs that browser out."""

    __tablename__ = "dashboard_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("dashboard_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
