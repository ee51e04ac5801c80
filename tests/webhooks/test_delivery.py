"""Delivering webhooks: retries with the same id, failures, the guard, the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from huey.utils import utcnow as huey_now

from link_flow.jobs.queue import huey
from link_flow.jobs.tasks import WEBHOOK_RETRIES, WEBHOOK_RETRY_DELAY, deliver_webhook
from tests.conftest import LiveServer, Partner, create_partner
from tests.lifecycle.steps import make_link, run_jobs, run_jobs_due_within, wait_for
from tests.webhooks.receiver import WebhookReceiver
from tests.webhooks.steps import configure_webhooks, deliveries, set_webhook_url, verify


def test_a_receiver_failing_twice_gets_the_same_message_on_the_third_attempt(
    live_server: LiveServer,
    live_partner: Partner,
    webhook_receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One second, doubling: the consumer's scheduler ticks once a second.
    monkeypatch.setattr(deliver_webhook.task_class, "default_retry_delay", 1)
    client = live_server.app.test_client()
    secret = configure_webhooks(client, live_partner, webhook_receiver.url)
    webhook_receiver.answers = [500, 500]

    requests.post(
        f"{live_server.url}/api/v1/magic-links",
        json={"name": "Line 9"},
        headers=live_partner.headers,
        timeout=10,
    ).raise_for_status()

    received = webhook_receiver.wait_for(lambda: len(webhook_receiver.received) >= 3)
    assert len({r.message_id for r in received}) == 1
    for attempt in received:
        verify(secret, attempt)
    first_gap = received[1].received_at - received[0].received_at
    second_gap = received[2].received_at - received[1].received_at
    assert first_gap >= 0.9 and second_gap >= 1.9, (first_gap, second_gap)

    def delivered() -> list[dict] | None:
        rows = deliveries(client, live_partner)
        return rows if rows[0]["status"] == "delivered" else None

    [row] = wait_for(delivered)
    assert row["id"] == received[0].message_id
    assert (row["attempts"], row["last_status_code"]) == (3, 200)


def test_failures_are_retried_with_doubling_delays_over_about_a_day(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    configure_webhooks(client, partner, webhook_receiver.url)
    webhook_receiver.answers = [503] * (WEBHOOK_RETRIES + 1)
    make_link(client, partner)
    run_jobs(app)

    delays = []
    while huey.scheduled_count():
        [retry] = huey.scheduled()
        delay = round((retry.eta - huey_now()).total_seconds())
        delays.append(delay)
        run_jobs_due_within(app, delay + 1)

    assert delays == [WEBHOOK_RETRY_DELAY * 2**n for n in range(WEBHOOK_RETRIES)]
    assert timedelta(hours=20) < timedelta(seconds=sum(delays)) < timedelta(hours=30)
    received = webhook_receiver.received
    assert len(received) == WEBHOOK_RETRIES + 1
    assert len({r.message_id for r in received}) == 1
    [row] = deliveries(client, partner)
    assert (row["status"], row["attempts"]) == ("failed", WEBHOOK_RETRIES + 1)
    assert row["last_status_code"] == 503


def test_a_redirect_is_a_failure_and_is_not_followed(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    configure_webhooks(client, partner, webhook_receiver.url)
    webhook_receiver.answers = [302]
    make_link(client, partner)

    run_jobs(app)

    assert len(webhook_receiver.received) == 1, "the Location was not followed"
    [row] = deliveries(client, partner)
    assert (row["status"], row["last_status_code"]) == ("failing", 302)
    assert "redirect" in row["last_error"]
    assert huey.scheduled_count() == 1
    run_jobs_due_within(app, WEBHOOK_RETRY_DELAY)
    assert deliveries(client, partner)[0]["status"] == "delivered"


def test_the_private_address_guard_applies_at_every_send(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    configure_webhooks(client, partner, webhook_receiver.url)
    make_link(client, partner)
    run_jobs(app)
    assert len(webhook_receiver.received) == 1

    app.config["ALLOW_PRIVATE_TARGETS"] = False
    make_link(client, partner)
    run_jobs(app)

    assert len(webhook_receiver.received) == 1, "loopback was contacted"
    refused = deliveries(client, partner)[0]
    assert refused["status"] == "failing"
    assert refused["last_status_code"] is None
    assert "private address" in refused["last_error"]
    run_jobs_due_within(app, WEBHOOK_RETRY_DELAY)
    assert len(webhook_receiver.received) == 1, "the retry was guarded too"


def test_the_delivery_log_lists_newest_first_and_redelivers_with_the_same_id(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    secret = configure_webhooks(client, partner, webhook_receiver.url)
    first = make_link(client, partner, name="First")
    make_link(client, partner, name="Second")
    run_jobs(app)
    log = deliveries(client, partner)
    assert [row["payload"]["data"]["connection"]["name"] for row in log] == [
        "Second",
        "First",
    ]
    oldest = log[-1]
    assert oldest["connection_id"] == first["connection"]["id"]
    assert (oldest["status"], oldest["attempts"], oldest["event_type"]) == (
        "delivered",
        1,
        "connection.created",
    )

    response = client.post(
        f"/api/v1/webhook-deliveries/{oldest['id']}/redeliver",
        headers=partner.headers,
    )
    assert response.status_code == 202
    run_jobs(app)

    again = webhook_receiver.received[-1]
    assert again.message_id == oldest["id"]
    assert verify(secret, again)["data"] == oldest["payload"]["data"]
    assert deliveries(client, partner)[-1]["attempts"] == 2


def test_another_account_cannot_redeliver_or_read_a_delivery(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    configure_webhooks(client, partner, webhook_receiver.url)
    make_link(client, partner)
    [row] = deliveries(client, partner)
    other = create_partner(client, name="Other Ltd")

    response = client.post(
        f"/api/v1/webhook-deliveries/{row['id']}/redeliver", headers=other.headers
    )

    assert response.status_code == 404
    assert deliveries(client, other) == []


def test_a_delivery_after_the_url_was_removed_is_cancelled(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    configure_webhooks(client, partner, webhook_receiver.url)
    make_link(client, partner)
    set_webhook_url(client, partner, None)

    run_jobs(app)

    assert webhook_receiver.received == []
    assert deliveries(client, partner)[0]["status"] == "cancelled"
    make_link(client, partner)
    assert len(deliveries(client, partner)) == 1, "no URL, no new deliveries"
