"""Issued OAuth tokens (stored hashed) and authorization codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from link_flow.extensions import db
from link_flow.models.base import UTCDateTime, new_id, utcnow

KIND_ADMIN = "admin"
KIND_CONNECTION = "connection"


class OAuthToken(db.Model):  # type: ignore[name-defined]
    __tablename__ = "oauth_tokens"

    id: Mapped[str] = mapped_column(
        String(40), primary_key=True, default=lambda: new_id("tok")
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    connection_id: Mapped[str | None] = mapped_column(
        ForeignKey("connections.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(
        String(64), unique=True, nullable=True
    )
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True
    )
    # The authorization code that issued this pair, to revoke on code reuse.
    authorization_code_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthorizationCode(db.Model):  # type: ignore[name-defined]
    __tablename__ = "authorization_codes"

    id: Mapped[str] = mapped_column(
        String(40), primary_key=True, default=lambda: new_id("code")
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(200), default="")
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
