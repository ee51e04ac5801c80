"""Credential checks counted against the attempt limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from link_flow.extensions import db
from link_flow.models.base import UTCDateTime, utcnow


class CredentialAttempt(db.Model):  # type: ignore[name-defined]
    __tablename__ = "credential_attempts"
    __table_args__ = (Index("ix_credential_attempts_key", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80))
    attempt: Mapped[str] = mapped_column(String(32))
    refused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
