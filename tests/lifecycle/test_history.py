"""The connection timeline: every step as a row, oldest first, no secrets."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Partner, create_partner
from tests.lifecycle.steps import (
    make_link,
    open_flow,
    run_jobs,
    status_steps,
    submit_credentials,
    timeline,
)
from tests.webhooks.receiver import WebhookReceiver
from tests.webhooks.steps import configure_webhooks


def is_subsequence(wanted: list[str], seen: list[str]) -> bool:
    remaining = iter(seen)
    return all(step in remaining for step in wanted)


def test_the_timeline_lists_the_whole_story_oldest_first_without_secrets(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    secret = configure_webhooks(client, partner, webhook_receiver.url)
    link = make_link(client, partner)
    connection_id = link["connection"]["id"]
    session = open_flow(client, link)
    chosen = client.post(
        "/flow/api/events",
        json={"type": "system_chosen", "system": "sandbox"},
        headers={"X-Link-Flow-Token": session["flow_token"]},
    )
    assert chosen.status_code == 200
    submit_credentials(client, session, {"username": "demo", "password": "wrong-pw"})
    submit_credentials(client, session)
    run_jobs(app)
    pair = client.post(
        f"/api/v1/connections/{connection_id}/tokens", headers=partner.headers
    ).get_json()

    events = timeline(client, partner, connection_id)

    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert [e["created_at"] for e in events] == sorted(e["created_at"] for e in events)
    types = [e["type"] for e in events]
    assert is_subsequence(
        [
            "created",
            "magic_link_created",
            "magic_link_opened",
            "system_chosen",
            "credentials_refused",
            "connected",
            "status_changed",
            "sync_completed",
            "token_issued",
        ],
        types,
    ), types
    assert status_steps(events) == [
        ("pending", "synchronizing"),
        ("synchronizing", "in_progress"),
        ("in_progress", "active"),
    ]
    by_type = {e["type"]: e for e in events}
    assert by_type["credentials_refused"]["detail"] == {
        "system": "sandbox",
        "code": "INVALID_CREDENTIALS",
    }
    for step in ("magic_link_opened", "system_chosen", "connected"):
        assert by_type[step]["magic_link_id"] == link["id"], step
    delivered = [e["detail"] for e in events if e["type"] == "webhook_delivered"]
    assert {d["event_type"] for d in delivered} >= {
        "connection.created",
        "magic_link.opened",
        "connection.status_changed",
        "connection.sync_completed",
    }
    assert all(d["status_code"] == 200 for d in delivered)
    text = str(events)
    for secret_value in (
        "wrong-pw",
        "demo-password",
        link["url"].split("#", 1)[1],
        session["flow_token"],
        pair["access_token"],
        pair["refresh_token"],
        secret,
    ):
        assert secret_value not in text


def test_a_failed_webhook_attempt_is_in_the_timeline_too(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    configure_webhooks(client, partner, webhook_receiver.url)
    webhook_receiver.answers = [500]
    link = make_link(client, partner)

    run_jobs(app)

    [failed] = [
        e
        for e in timeline(client, partner, link["connection"]["id"])
        if e["type"] == "webhook_failed"
    ]
    assert failed["detail"]["event_type"] == "connection.created"
    assert (failed["detail"]["attempt"], failed["detail"]["status_code"]) == (1, 500)


def test_another_account_cannot_read_the_timeline(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)
    other = create_partner(client, name="Other Ltd")

    response = client.get(
        f"/api/v1/connections/{link['connection']['id']}/events",
        headers=other.headers,
    )

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "NOT_FOUND"
