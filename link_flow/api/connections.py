"""Connections in the Admin API, and the Connection API's one endpoint."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from flask import Response, g, jsonify, request
from sqlalchemy import and_, or_, select

from link_flow.adapters.catalog import get_system
from link_flow.api import bp
from link_flow.api.auth import current_account, require_admin, require_connection_token
from link_flow.api.schemas import (
    ConnectionCreate,
    ConnectionUpdate,
    ReconnectLinkCreate,
    load_body,
)
from link_flow.errors import ApiError, ValidationError
from link_flow.extensions import db
from link_flow.models import Connection, ConnectionEvent, ConnectionStatus
from link_flow.models.base import isoformat
from link_flow.services import connections, flow, magic_links, tokens
from link_flow.services.events import record_event
from link_flow.services.metadata import clean_email, clean_name, validate_metadata
from link_flow.services.serialize import connection_json

DEFAULT_PAGE = 25
MAX_PAGE = 100


@bp.post("/connections")
@require_admin
def create_connection() -> tuple[Response, int]:
    account = current_account()
    body = load_body(ConnectionCreate())
    system = get_system(body["system"])
    if system is None:
        raise ValidationError(f"Unknown system {body['system']!r}.", field="system")
    name = clean_name(body["name"])
    email = clean_email(body["email"])
    metadata = validate_metadata(body["user_metadata"])
    credentials = flow.clean_credentials(system.fields, body["credentials"])
    flow.check_with_system(system, credentials)

    connection = connections.create_pending(
        account, name=name, email=email, metadata=metadata
    )
    connections.establish(connection, system, credentials)
    db.session.commit()

    return jsonify(connection_json(connection)), 201


@bp.get("/connections")
@require_admin
def list_connections() -> Response:
    account = current_account()
    limit = _limit(request.args.get("limit"))
    query = select(Connection).where(Connection.account_id == account.id)

    status = request.args.get("status")
    if status:
        if status not in set(ConnectionStatus):
            raise ValidationError(f"Unknown status {status!r}.", field="status")
        query = query.where(Connection.status == status)
    system = request.args.get("system")
    if system:
        query = query.where(Connection.system_key == system)
    cursor = request.args.get("cursor")
    if cursor:
        created_at, last_id = _read_cursor(cursor)
        query = query.where(
            or_(
                Connection.created_at < created_at,
                and_(Connection.created_at == created_at, Connection.id < last_id),
            )
        )

    rows = list(
        db.session.scalars(
            query.order_by(Connection.created_at.desc(), Connection.id.desc()).limit(
                limit + 1
            )
        )
    )
    next_cursor = _make_cursor(rows[limit - 1]) if len(rows) > limit else None

    return jsonify(
        {"data": [connection_json(c) for c in rows[:limit]], "next_cursor": next_cursor}
    )


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ValidationError(f"limit must be 1 to {MAX_PAGE}.", field="limit")
    return int(raw)


def _make_cursor(connection: Connection) -> str:
    raw = json.dumps([connection.created_at.isoformat(), connection.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, last_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(created), str(last_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValidationError(
            "cursor is not one this API gave out; use next_cursor as returned.",
            field="cursor",
        ) from exc


@bp.get("/connections/<connection_id>")
@require_admin
def get_connection(connection_id: str) -> Response:
    connection = connections.get_for_account(current_account().id, connection_id)
    return jsonify(connection_json(connection))


@bp.patch("/connections/<connection_id>")
@require_admin
def update_connection(connection_id: str) -> Response:
    connection = connections.get_for_account(current_account().id, connection_id)
    body = load_body(ConnectionUpdate())
    changes: dict[str, object] = {}
    if "name" in body:
        changes["name"] = clean_name(body["name"])
    if "email" in body:
        changes["email"] = clean_email(body["email"])
    if "user_metadata" in body:
        changes["user_metadata"] = validate_metadata(body["user_metadata"])
    if not changes:
        raise ValidationError(
            "Send at least one of name, email, user_metadata.", field="body"
        )
    connections.update_details(connection, changes)

    return jsonify(connection_json(connection))


@bp.delete("/connections/<connection_id>")
@require_admin
def disconnect_connection(connection_id: str) -> Response:
    connection = connections.get_for_account(current_account().id, connection_id)
    connections.mark_disconnected(connection)
    db.session.commit()
    return jsonify(connection_json(connection))


@bp.post("/connections/<connection_id>/reactivate")
@require_admin
def reactivate_connection(connection_id: str) -> Response:
    account = current_account()
    connection = connections.get_for_account(account.id, connection_id)
    connections.reactivate(account, connection)
    return jsonify(connection_json(connection))


@bp.post("/connections/<connection_id>/tokens")
@require_admin
def issue_connection_tokens(connection_id: str) -> tuple[Response, int]:
    account = current_account()
    connection = connections.get_for_account(account.id, connection_id)
    if connection.system_key is None or connection.disconnected_at is not None:
        raise ApiError(
            409,
            "NOT_CONNECTED",
            "Tokens are issued only for connections that finished the flow and "
            "are not disconnected.",
        )
    pair = tokens.issue_connection_pair(account.id, connection.id)
    record_event(connection, "token_issued", {})
    db.session.commit()
    return jsonify(pair), 201


@bp.post("/connections/<connection_id>/magic-link")
@require_admin
def create_reconnect_link(connection_id: str) -> tuple[Response, int]:
    account = current_account()
    connection = connections.get_for_account(account.id, connection_id)
    body = load_body(ReconnectLinkCreate()) if request.content_length else {}
    link = magic_links.create_reconnect_link(
        account,
        connection,
        expires_in=magic_links.clean_expires_in(body.get("expires_in")),
    )
    return jsonify(magic_links.link_json(link, connection)), 201


@bp.get("/connections/<connection_id>/events")
@require_admin
def list_connection_events(connection_id: str) -> Response:
    connection = connections.get_for_account(current_account().id, connection_id)
    rows = db.session.scalars(
        select(ConnectionEvent)
        .where(ConnectionEvent.connection_id == connection.id)
        .order_by(ConnectionEvent.id)
    )
    return jsonify(
        {
            "data": [
                {
                    "id": row.id,
                    "type": row.type,
                    "magic_link_id": row.magic_link_id,
                    "detail": row.detail,
                    "created_at": isoformat(row.created_at),
                }
                for row in rows
            ]
        }
    )


@bp.get("/connection")
@require_connection_token
def current_connection() -> Response:
    return jsonify(connection_json(g.connection))
