"""Connections in the Admin API, and the Connection API's one endpoint."""

from __future__ import annotations

from flask import Response, g, jsonify, request

from link_flow.adapters.catalog import get_system
from link_flow.api import bp
from link_flow.api.auth import current_account, require_admin, require_connection_token
from link_flow.api.schemas import (
    ConnectionCreate,
    ConnectionUpdate,
    ReconnectLinkCreate,
    load_body,
)
from link_flow.errors import ValidationError
from link_flow.extensions import db
from link_flow.models.base import isoformat
from link_flow.services import connections, flow, magic_links
from link_flow.services.connection_list import (
    DEFAULT_PAGE,
    MAX_PAGE,
    page_of_connections,
)
from link_flow.services.metadata import clean_email, clean_name, validate_metadata
from link_flow.services.serialize import connection_json


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
    raw_limit = request.args.get("limit")
    if raw_limit is not None and not raw_limit.isdigit():
        raise ValidationError(f"limit must be 1 to {MAX_PAGE}.", field="limit")
    page = page_of_connections(
        current_account().id,
        status=request.args.get("status"),
        system=request.args.get("system"),
        cursor=request.args.get("cursor"),
        limit=int(raw_limit) if raw_limit is not None else DEFAULT_PAGE,
    )
    data = [connection_json(connection) for connection in page.rows]
    return jsonify({"data": data, "next_cursor": page.next_cursor})


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
    connection = connections.get_for_account(current_account().id, connection_id)
    return jsonify(connections.issue_tokens(connection)), 201


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
    rows = connections.timeline(connection)
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
