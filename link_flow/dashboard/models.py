"""Tables of the dashboard alone: the sign-in throttle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from link_flow.extensions import db
from link_flow.models.base import UTCDateTime, utcnow


class SignInThrottle(db.Model):  # type: ignore[name-defined]
    """Failed sign-ins for one email from one client address.

    The key is a keyed hash of both, so neither the email nor the address is
    stored, and an attacker's failures never slow the owner down elsewhere.
    """

    __tablename__ = "dashboard_sign_in_throttles"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
