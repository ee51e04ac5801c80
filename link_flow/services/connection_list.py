"""Pages of an account's connections: filters, search and a keyset cursor.

The cursor is the last row's ``(created_at, id)``, read with the
``ix_connections_account_created`` index, so page 1000 costs what page 1
does. Its encoding is the Admin API's, so either can read the other's.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, cast, func, or_, select

from link_flow.errors import ValidationError
from link_flow.extensions import db
from link_flow.models import Connection, ConnectionStatus

DEFAULT_PAGE = 25
MAX_PAGE = 100
LIKE_ESCAPE = "!"


@dataclass(frozen=True)
class ConnectionPage:
    rows: list[Connection]
    next_cursor: str | None


def page_of_connections(
    account_id: str,
    *,
    status: str | None = None,
    system: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE,
) -> ConnectionPage:
    """Return one page of the account's connections, newest first."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"limit must be 1 to {MAX_PAGE}.", field="limit")
    query = select(Connection).where(Connection.account_id == account_id)
    if status:
        if status not in set(ConnectionStatus):
            raise ValidationError(f"Unknown status {status!r}.", field="status")
        query = query.where(Connection.status == status)
    if system:
        query = query.where(Connection.system_key == system)
    if search and search.strip():
        query = query.where(matches(search.strip()))
    if cursor:
        created_at, last_id = read_cursor(cursor)
        query = query.where(
            or_(
                Connection.created_at < created_at,
                and_(Connection.created_at == created_at, Connection.id < last_id),
            )
        )

    order = (Connection.created_at.desc(), Connection.id.desc())
    rows = list(db.session.scalars(query.order_by(*order).limit(limit + 1)))
    next_cursor = make_cursor(rows[limit - 1]) if len(rows) > limit else None

    return ConnectionPage(rows[:limit], next_cursor)


def matches(term: str) -> Any:
    """Return a condition: ``term`` is in the name, the email or the metadata.

    The metadata is searched as its stored JSON text, which both SQLite and
    PostgreSQL can read, so the term is encoded the way ``json.dumps`` stored
    it (non-ASCII as ``\\uXXXX``). Keys match too, which is harmless here.
    """
    plain = _contains(term)
    folded = _contains(term.lower())
    encoded = json.dumps(term)[1:-1]
    metadata = cast(Connection.user_metadata, Text)
    return or_(
        Connection.name.like(plain, escape=LIKE_ESCAPE),
        func.lower(Connection.name).like(folded, escape=LIKE_ESCAPE),
        func.lower(Connection.email).like(folded, escape=LIKE_ESCAPE),
        metadata.like(_contains(encoded), escape=LIKE_ESCAPE),
        func.lower(metadata).like(_contains(encoded.lower()), escape=LIKE_ESCAPE),
    )


def _contains(text: str) -> str:
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return f"%{text}%"


def make_cursor(connection: Connection) -> str:
    raw = json.dumps([connection.created_at.isoformat(), connection.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(cursor: str) -> tuple[datetime, str]:
    """Return the position in ``cursor``; raise naming ``cursor`` if damaged."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, last_id = json.loads(base64.urlsafe_b64decode(padded))
        position = datetime.fromisoformat(created)
        if position.tzinfo is None:
            raise ValueError("a cursor's time carries its offset")
        return position, str(last_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValidationError(
            "cursor is not one this API gave out; use next_cursor as returned.",
            field="cursor",
        ) from exc
