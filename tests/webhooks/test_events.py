"""Which events are sent, when, and that their payloads stay thin."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from link_flow.adapters.sandbox import set_password
from link_flow.extensions import db
from link_flow.jobs.tasks import announce_expired_links, queue_due_syncs
from link_flow.models import MagicLink
from link_flow.models.base import utcnow
from tests.conftest import Partner
from tests.lifecycle.fake_system import FakePlc
from tests.lifecycle.steps import (
    DEMO_LOGIN,
    connect_through_flow,
    make_link,
    open_flow,
    run_jobs,
    submit_credentials,
    timeline,
)
from tests.lifecycle.test_sync import make_sync_due
from tests.webhooks.receiver import WebhookReceiver
from tests.webhooks.steps import configure_webhooks, verify

CONNECTION_KEYS = {
    "id",
    "name",
    "email",
    "credits",
    "system",
    "status",
    "status_reason",
    "overage",
    "connected_at",
    "last_sync",
    "created_at",
    "user_metadata",
}


def expire(app: Flask, link_id: str) -> None:
    with app.app_context():
        link = db.session.get(MagicLink, link_id)
        assert link is not None
        link.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_a_connection_s_life_sends_each_event_signed_and_thin(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    secret = configure_webhooks(client, partner, webhook_receiver.url)
    link = make_link(client, partner)
    connection_id = link["connection"]["id"]
    session = open_flow(client, link)
    submit_credentials(client, session, {"username": "demo", "password": "nope"})
    assert submit_credentials(client, session).status_code == 200
    run_jobs(app)
    pair = client.post(
        f"/api/v1/connections/{connection_id}/tokens", headers=partner.headers
    ).get_json()
    with app.app_context():
        set_password("demo", "changed-password")
    make_sync_due(app, connection_id)
    queue_due_syncs.call_local()
    run_jobs(app)

    payloads = [verify(secret, webhook) for webhook in webhook_receiver.received]

    assert [p["type"] for p in payloads] == [
        "connection.created",
        "magic_link.opened",
        "connection.status_changed",  # pending -> synchronizing
        "connection.status_changed",  # -> in_progress
        "connection.status_changed",  # -> active
        "connection.sync_completed",
        "connection.status_changed",  # active -> synchronizing
        "connection.sync_failed",
        "connection.status_changed",  # -> inactive
        "connection.reauthorization_required",
    ]
    statuses = [
        p["data"]["connection"]["status"]
        for p in payloads
        if p["type"] == "connection.status_changed"
    ]
    assert statuses == [
        "synchronizing",
        "in_progress",
        "active",
        "synchronizing",
        "inactive",
    ]
    last = payloads[-1]["data"]["connection"]
    assert (last["status"], last["status_reason"]) == (
        "inactive",
        "reauthorization_required",
    )
    assert payloads[1]["data"]["magic_link"] == {"id": link["id"]}
    assert payloads[7]["data"]["error"] == {"code": "INVALID_CREDENTIALS"}
    for payload in payloads:
        assert set(payload) == {"type", "timestamp", "data"}
        assert set(payload["data"]) <= {"connection", "magic_link", "error"}
        assert set(payload["data"]["connection"]) == CONNECTION_KEYS
        assert payload["data"]["connection"]["user_metadata"] == {
            "customer_id": "C-1001"
        }
    everything = " ".join(w.body for w in webhook_receiver.received)
    for secret_value in (
        DEMO_LOGIN["password"],
        "nope",
        "changed-password",
        link["url"].split("#", 1)[1],
        session["flow_token"],
        pair["access_token"],
        pair["refresh_token"],
        partner.access_token,
        partner.client_secret,
        secret,
    ):
        assert secret_value not in everything


def test_sync_failures_of_a_passing_kind_are_announced_without_reauthorization(
    app: Flask,
    client: FlaskClient,
    partner: Partner,
    webhook_receiver: WebhookReceiver,
    fake_plc: FakePlc,
) -> None:
    secret = configure_webhooks(client, partner, webhook_receiver.url)
    connect_through_flow(client, partner, fake_plc.credentials, system="test_plc")
    fake_plc.server.summary_answers = [503]

    run_jobs(app)

    payloads = [verify(secret, w) for w in webhook_receiver.received]
    [failed] = [p for p in payloads if p["type"] == "connection.sync_failed"]
    assert failed["data"]["error"] == {"code": "SYSTEM_ERROR"}
    assert failed["data"]["connection"]["status"] == "synchronizing"
    assert "connection.reauthorization_required" not in [p["type"] for p in payloads]
    assert fake_plc.server.api_key not in " ".join(
        w.body for w in webhook_receiver.received
    )


def test_an_unused_link_s_expiry_is_announced_once(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    secret = configure_webhooks(client, partner, webhook_receiver.url)
    expiring = make_link(client, partner, name="Expiring")
    used = make_link(client, partner, name="Used")
    revoked = make_link(client, partner, name="Revoked")
    make_link(client, partner, name="Fresh")
    submit_credentials(client, open_flow(client, used))
    client.delete(f"/api/v1/magic-links/{revoked['id']}", headers=partner.headers)
    for link in (expiring, used, revoked):
        expire(app, link["id"])

    assert announce_expired_links.call_local() == 1
    assert announce_expired_links.call_local() == 0
    run_jobs(app)

    expired = [
        verify(secret, w)
        for w in webhook_receiver.received
        if w.json["type"] == "magic_link.expired"
    ]
    assert len(expired) == 1
    data = expired[0]["data"]
    assert data["magic_link"]["id"] == expiring["id"]
    assert data["magic_link"]["purpose"] == "connect"
    assert data["connection"]["id"] == expiring["connection"]["id"]
    assert data["connection"]["status"] == "pending"
    events = timeline(client, partner, expiring["connection"]["id"])
    assert "magic_link_expired" in [e["type"] for e in events]


def test_links_that_expired_long_ago_are_not_announced(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    configure_webhooks(client, partner, webhook_receiver.url)
    link = make_link(client, partner)
    with app.app_context():
        row = db.session.get(MagicLink, link["id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(days=8)
        db.session.commit()

    assert announce_expired_links.call_local() == 0


def test_the_expiry_sweep_is_scheduled_every_minute() -> None:
    from huey.utils import utcnow as huey_now

    task = announce_expired_links.task_class()

    assert all(
        task.validate_datetime(huey_now().replace(minute=m, second=0))
        for m in (0, 1, 30, 59)
    )


def test_disconnecting_announces_the_status_change_and_the_disconnect(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    connection_id = connect_through_flow(client, partner)
    secret = configure_webhooks(client, partner, webhook_receiver.url)

    client.delete(f"/api/v1/connections/{connection_id}", headers=partner.headers)
    run_jobs(app)

    payloads = [verify(secret, w) for w in webhook_receiver.received]
    assert [p["type"] for p in payloads] == [
        "connection.status_changed",
        "connection.disconnected",
    ]
    gone = payloads[-1]["data"]["connection"]
    assert (gone["status"], gone["status_reason"], gone["credits"]) == (
        "inactive",
        "disconnected_by_partner",
        0,
    )
