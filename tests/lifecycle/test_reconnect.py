"""Re-authorisation: a reconnect link brings the same connection back."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from link_flow.adapters.sandbox import set_password
from link_flow.extensions import db
from link_flow.jobs.tasks import queue_due_syncs
from link_flow.models import Connection
from link_flow.services.crypto import decrypt_json
from tests.conftest import Partner
from tests.lifecycle.steps import (
    DEMO_LOGIN,
    connect_through_flow,
    get_account,
    get_connection,
    make_link,
    open_flow,
    run_jobs,
    submit_credentials,
    timeline,
)
from tests.lifecycle.test_sync import make_sync_due

NEW_LOGIN = {"username": "demo", "password": "the-new-password"}


def lose_authorization(app: Flask, connection_id: str) -> None:
    """Change the sandbox password and let the next sync find out."""
    with app.app_context():
        set_password("demo", NEW_LOGIN["password"])
    make_sync_due(app, connection_id)
    queue_due_syncs.call_local()
    run_jobs(app)


def reconnect_link(
    client: FlaskClient, partner: Partner, connection_id: str, **body: Any
) -> Any:
    return client.post(
        f"/api/v1/connections/{connection_id}/magic-link",
        json=body or None,
        headers=partner.headers,
    )


def stored_credentials(app: Flask, connection_id: str) -> dict[str, str]:
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        assert connection is not None and connection.credentials_encrypted
        return decrypt_json(connection.credentials_encrypted)


def test_a_reconnect_link_brings_the_same_connection_back_with_a_new_token(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    run_jobs(app)
    old_pair = client.post(
        f"/api/v1/connections/{connection_id}/tokens", headers=partner.headers
    ).get_json()
    lose_authorization(app, connection_id)
    before = get_connection(client, partner, connection_id)
    assert before["status_reason"] == "reauthorization_required"
    history = timeline(client, partner, connection_id)

    created = reconnect_link(client, partner, connection_id)

    assert created.status_code == 201
    link = created.get_json()
    assert (link["purpose"], link["systems"]) == ("reconnect", ["sandbox"])
    assert link["connection"]["id"] == connection_id
    session = open_flow(client, link)
    assert [s["key"] for s in session["systems"]] == ["sandbox"]
    assert session["ask"] == {"name": False, "email": False}
    refused = submit_credentials(client, session, DEMO_LOGIN)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["field"] == "password"
    finished = submit_credentials(client, session, NEW_LOGIN)
    assert finished.status_code == 200
    assert finished.get_json()["connection_id"] == connection_id
    run_jobs(app)

    after = get_connection(client, partner, connection_id)
    assert (after["status"], after["status_reason"]) == ("active", None)
    for kept in ("id", "name", "email", "user_metadata", "created_at", "credits"):
        assert after[kept] == before[kept], kept
    assert after["last_sync"] >= before["last_sync"]
    assert stored_credentials(app, connection_id) == NEW_LOGIN
    assert get_account(client, partner)["credits"]["used"] == 1
    events = timeline(client, partner, connection_id)
    assert events[: len(history)] == history
    assert [e["type"] for e in events[len(history) :]][:4] == [
        "reconnect_link_created",
        "magic_link_opened",
        "credentials_refused",
        "reconnected",
    ]
    assert [e["type"] for e in events][-1] == "sync_completed"
    old = client.get(
        "/api/v1/connection",
        headers={"Authorization": f"Bearer {old_pair['access_token']}"},
    )
    assert old.status_code == 401
    assert "invalid_token" in old.headers["WWW-Authenticate"]
    new_pair = client.post(
        f"/api/v1/connections/{connection_id}/tokens", headers=partner.headers
    ).get_json()
    fresh = client.get(
        "/api/v1/connection",
        headers={"Authorization": f"Bearer {new_pair['access_token']}"},
    )
    assert fresh.status_code == 200 and fresh.get_json()["status"] == "active"


def test_a_used_reconnect_link_cannot_be_used_again(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    link = reconnect_link(client, partner, connection_id).get_json()
    session = open_flow(client, link)
    assert submit_credentials(client, session).status_code == 200

    again = submit_credentials(client, session)

    assert again.status_code == 410
    shown = client.get(f"/api/v1/magic-links/{link['id']}", headers=partner.headers)
    assert shown.get_json()["status"] == "used"
    assert shown.get_json()["url"] is None


def test_only_a_connected_connection_gets_a_reconnect_link(
    client: FlaskClient, partner: Partner
) -> None:
    pending = make_link(client, partner)["connection"]["id"]
    gone = connect_through_flow(client, partner)
    client.delete(f"/api/v1/connections/{gone}", headers=partner.headers)

    for connection_id in (pending, gone):
        response = reconnect_link(client, partner, connection_id)
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "NOT_RECONNECTABLE"


def test_a_reconnect_link_takes_a_lifetime_and_refuses_a_bad_one(
    client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)

    short = reconnect_link(client, partner, connection_id, expires_in=600)
    bad = reconnect_link(client, partner, connection_id, expires_in=31 * 24 * 3600)

    assert short.status_code == 201
    assert bad.status_code == 400
    assert bad.get_json()["error"]["field"] == "expires_in"
