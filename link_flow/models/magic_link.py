"""Magic links: signed URLs that let a customer finish one pending connection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from link_flow.extensions import db
from link_flow.models.base import UTCDateTime, new_id, utcnow

PURPOSE_CONNECT = "connect"
PURPOSE_RECONNECT = "reconnect"


class MagicLink(db.Model):  # type: ignore[name-defined]
    __tablename__ = "magic_links"

    id: Mapped[str] = mapped_column(
        String(40), primary_key=True, default=lambda: new_id("ml")
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20), default=PURPOSE_CONNECT)
    allowed_systems: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Whether the partner fixed the email; when not, the customer is asked.
    email_fixed: Mapped[bool] = mapped_column(default=False)
    redirect_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the partner was told the link expired unused (``magic_link.expired``).
    expired_notified_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def state(self, now: datetime) -> str:
        """Return ``usable``, ``used``, ``revoked`` or ``expired``."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "usable"
