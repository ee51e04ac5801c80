"""The connections table, one connection's page, and what can be done there.

Views stay thin: each action is one call into the same service the Admin
API uses, and a refusal from it is shown on the connection's page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from link_flow.adapters.catalog import all_systems, get_system
from link_flow.dashboard import bp, display, forms
from link_flow.dashboard.sessions import current_account, signed_in
from link_flow.errors import ApiError, ValidationError
from link_flow.extensions import db
from link_flow.models import Connection, ConnectionStatus
from link_flow.models.base import utcnow
from link_flow.models.connection import STATUS_LABELS
from link_flow.services import connections, magic_links
from link_flow.services.connection_list import page_of_connections
from link_flow.services.credits import credits_text
from link_flow.services.metadata import clean_email, clean_name

F = TypeVar("F", bound=Callable[..., Any])
MAX_LIVE_IDS = 100


@bp.get("/connections", endpoint="connections")
@signed_in
def connections_page() -> ResponseReturnValue:
    account = current_account()
    status = request.args.get("status") or None
    if status not in set(ConnectionStatus):
        status = None
    system = request.args.get("system") or None
    search = (request.args.get("q") or "").strip()[:200]
    try:
        page = page_of_connections(
            account.id,
            status=status,
            system=system,
            search=search,
            cursor=request.args.get("cursor"),
        )
    except ValidationError:
        flash("That page of results is no longer available; back to the first.")
        return redirect(url_for("dashboard.connections", status=status, q=search))

    filtered = bool(status or system or search)
    return render_template(
        "dashboard/connections.html",
        page=page,
        filtered=filtered,
        status=status,
        system=system,
        search=search,
        statuses=list(STATUS_LABELS.items()),
        systems=all_systems(),
        first_page=bool(request.args.get("cursor")),
    )


@bp.get("/connections/live.json")
@signed_in
def connections_live() -> ResponseReturnValue:
    """Return the changing fields of the listed connections, for the poller."""
    ids = [i for i in request.args.get("ids", "").split(",") if i][:MAX_LIVE_IDS]
    rows = db.session.scalars(
        select(Connection).where(
            Connection.account_id == current_account().id, Connection.id.in_(ids)
        )
    )
    return jsonify({"data": [display.connection_live(row) for row in rows]})


def _connection(connection_id: str) -> Connection:
    return connections.get_for_account(current_account().id, connection_id)


@bp.get("/connections/<connection_id>")
@signed_in
def connection_page(connection_id: str) -> ResponseReturnValue:
    connection = _connection(connection_id)
    return _render_connection(connection)


def _render_connection(
    connection: Connection,
    *,
    rows: list[forms.MetadataRow] | None = None,
    error: ApiError | None = None,
    name: str | None = None,
    email: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    account = current_account()
    link = magic_links.latest_link(connection)
    link_state = link.state(utcnow()) if link else None
    system = get_system(connection.system_key) if connection.system_key else None
    metadata = connection.user_metadata or {}
    html = render_template(
        "dashboard/connection.html",
        connection=connection,
        account=account,
        system=system,
        link=link,
        link_state=link_state,
        link_url=magic_links.link_url(link)
        if link and link_state == "usable"
        else None,
        rows=rows if rows is not None else forms.rows_from_metadata(metadata),
        events=connections.timeline(connection),
        error=error,
        name=connection.name if name is None else name,
        email=(connection.email or "") if email is None else email,
        connected=bool(connection.system_key and not connection.disconnected_at),
        reactivation=_reactivation(account, connection, system),
    )
    return html, status


def _reactivation(account: Any, connection: Connection, system: Any) -> str | None:
    """Say how reactivating would be paid for, or ``None`` when not offered."""
    if (
        connection.status != ConnectionStatus.INACTIVE
        or connection.status_reason != "insufficient_credits"
        or system is None
    ):
        return None
    if account.credits_available >= system.credits:
        return (
            f"uses {credits_text(system.credits)} of the "
            f"{account.credits_available} available"
        )
    if account.plan == "paid":
        return "runs as overage: your plan is billed for it"
    return (
        f"needs {credits_text(system.credits)} and {account.credits_available} are "
        "available: add credits first"
    )


@bp.get("/connections/<connection_id>/live.json")
@signed_in
def connection_live(connection_id: str) -> ResponseReturnValue:
    connection = _connection(connection_id)
    payload = display.connection_live(connection)
    payload["events"] = [
        {"text": display.event_text(event), "when": display.when(event.created_at)}
        for event in connections.timeline(connection)
    ]
    return jsonify(payload)


@bp.post("/connections/<connection_id>/details")
@signed_in
def update_details(connection_id: str) -> ResponseReturnValue:
    connection = _connection(connection_id)
    rows = forms.rows_from_form(request.form)
    name = request.form.get("name", "")
    email = request.form.get("email", "")
    if forms.rows_after_button(request.form, rows):
        return _render_connection(connection, rows=rows, name=name, email=email)
    try:
        changes = {
            "name": clean_name(name),
            "email": clean_email(email),
            "user_metadata": forms.metadata_from_rows(rows),
        }
    except ValidationError as error:
        return _render_connection(
            connection, rows=rows, error=error, name=name, email=email, status=400
        )
    connections.update_details(connection, changes)
    flash("Details saved.", "success")
    return _back(connection)


def _back(connection: Connection) -> ResponseReturnValue:
    return redirect(url_for("dashboard.connection_page", connection_id=connection.id))


def connection_action(view: F) -> F:
    """Run an action on the account's connection; show a refusal on its page."""

    @wraps(view)
    def wrapper(connection_id: str, **kwargs: Any) -> Any:
        connection = _connection(connection_id)
        try:
            return view(connection, **kwargs)
        except ApiError as error:
            if error.status == 404:
                raise
            db.session.rollback()
            flash(error.message, "error")
            return _back(connection)

    return signed_in(wrapper)  # type: ignore[return-value]


@bp.post("/connections/<connection_id>/links/<link_id>/revoke")
@connection_action
def revoke_link(connection: Connection, link_id: str) -> ResponseReturnValue:
    link = magic_links.get_for_account(connection.account_id, link_id)
    if link.connection_id != connection.id:
        raise ApiError(404, "NOT_FOUND", "No magic link with that id here.")
    magic_links.revoke(link)
    flash("Link revoked: it no longer opens the flow.", "success")
    return _back(connection)


@bp.post("/connections/<connection_id>/links/renew")
@connection_action
def renew_link(connection: Connection) -> ResponseReturnValue:
    magic_links.renew_link(
        current_account(),
        connection,
        expires_in=magic_links.clean_expires_in(None),
    )
    flash("New magic link created; any earlier one stopped working.", "success")
    return _back(connection)


@bp.post("/connections/<connection_id>/links/reconnect")
@connection_action
def reconnect_link(connection: Connection) -> ResponseReturnValue:
    magic_links.create_reconnect_link(
        current_account(),
        connection,
        expires_in=magic_links.clean_expires_in(None),
    )
    flash(
        "Reconnect link created. When the customer finishes it, the new "
        "credentials replace the old and earlier tokens stop working.",
        "success",
    )
    return _back(connection)


@bp.post("/connections/<connection_id>/tokens")
@connection_action
def issue_tokens(connection: Connection) -> ResponseReturnValue:
    pair = connections.issue_tokens(connection)
    return render_template("dashboard/token.html", connection=connection, pair=pair)


@bp.post("/connections/<connection_id>/reactivate")
@connection_action
def reactivate(connection: Connection) -> ResponseReturnValue:
    connections.reactivate(current_account(), connection)
    note = " as overage" if connection.overage else ""
    flash(f"Connection reactivated{note}; it is synchronizing now.", "success")
    return _back(connection)


@bp.get("/connections/<connection_id>/disconnect")
@signed_in
def confirm_disconnect(connection_id: str) -> ResponseReturnValue:
    connection = _connection(connection_id)
    if connection.disconnected_at is not None:
        flash("This connection is already disconnected.", "error")
        return _back(connection)
    return render_template("dashboard/disconnect.html", connection=connection)


@bp.post("/connections/<connection_id>/disconnect")
@connection_action
def disconnect(connection: Connection) -> ResponseReturnValue:
    returned = connection.credits
    connections.mark_disconnected(connection)
    db.session.commit()
    flash(
        f"Disconnected. Its credentials were erased and {returned} credits "
        "returned to your balance.",
        "success",
    )
    return _back(connection)
