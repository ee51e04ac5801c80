"""Column helpers shared by the table modules."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator

_ALPHABET = string.ascii_letters + string.digits


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_id(prefix: str, length: int = 22) -> str:
    """Return ``prefix_`` followed by ``length`` random base62 characters."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are normalised on the way in and
    tagged as UTC on the way out; PostgreSQL gets ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass UTC-aware values")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def isoformat(value: datetime | None) -> str | None:
    """Return ``value`` as ISO 8601 in UTC with a ``Z``, or ``None``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
