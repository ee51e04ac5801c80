"""Webhook signatures, checked by the Standard Webhooks reference library."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from standardwebhooks.webhooks import WebhookVerificationError

from link_flow.extensions import db
from link_flow.models import Account
from link_flow.models.base import utcnow
from tests.conftest import Partner
from tests.lifecycle.steps import make_link, run_jobs
from tests.lifecycle.test_tokens import database_text
from tests.webhooks.receiver import WebhookReceiver
from tests.webhooks.steps import (
    configure_webhooks,
    deliveries,
    new_secret,
    set_webhook_url,
    verify,
)


def test_a_delivery_is_signed_per_standard_webhooks(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    secret = configure_webhooks(client, partner, webhook_receiver.url)
    link = make_link(client, partner)

    run_jobs(app)

    [received] = webhook_receiver.received
    payload = verify(secret, received)
    assert payload["type"] == "connection.created"
    assert payload["data"]["connection"]["id"] == link["connection"]["id"]
    assert payload["data"]["connection"]["status"] == "pending"
    assert payload["timestamp"].endswith("Z")
    [logged] = deliveries(client, partner)
    assert received.message_id == logged["id"]
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 60
    assert received.headers["webhook-signature"].startswith("v1,")
    assert received.headers["content-type"] == "application/json"


def test_another_secret_or_a_changed_body_does_not_verify(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    secret = configure_webhooks(client, partner, webhook_receiver.url)
    make_link(client, partner)
    run_jobs(app)
    [received] = webhook_receiver.received
    other = "whsec_" + base64.b64encode(b"x" * 24).decode()

    with pytest.raises(WebhookVerificationError):
        verify(other, received)
    received.body = received.body.replace("pending", "active")
    with pytest.raises(WebhookVerificationError):
        verify(secret, received)


def test_after_rotation_old_and_new_secrets_both_verify_for_a_day(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    old_secret = configure_webhooks(client, partner, webhook_receiver.url)
    new = new_secret(client, partner)
    make_link(client, partner)
    run_jobs(app)

    [received] = webhook_receiver.received
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    assert verify(old_secret, received) == verify(new, received)
    with app.app_context():
        account = db.session.get(Account, partner.account_id)
        assert account is not None
        grace = account.previous_webhook_secret_expires_at
        assert grace is not None
        assert abs(grace - (utcnow() + timedelta(hours=24))) < timedelta(minutes=1)
        account.previous_webhook_secret_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    make_link(client, partner)
    run_jobs(app)

    later = webhook_receiver.received[-1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    verify(new, later)
    with pytest.raises(WebhookVerificationError):
        verify(old_secret, later)


def test_the_secret_is_shown_once_and_never_stored_in_clear(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    secret = configure_webhooks(client, partner, webhook_receiver.url)

    account = client.get("/api/v1/account", headers=partner.headers)

    assert secret not in account.get_data(as_text=True)
    assert secret not in database_text(app)
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24


def test_nothing_is_sent_unsigned_before_the_account_has_a_secret(
    app: Flask, client: FlaskClient, partner: Partner, webhook_receiver: WebhookReceiver
) -> None:
    set_webhook_url(client, partner, webhook_receiver.url)
    make_link(client, partner)

    run_jobs(app)

    assert webhook_receiver.received == []
    [waiting] = deliveries(client, partner)
    assert waiting["status"] == "failing"
    assert "webhook-secret" in waiting["last_error"]
    secret = new_secret(client, partner)
    redelivered = client.post(
        f"/api/v1/webhook-deliveries/{waiting['id']}/redeliver",
        headers=partner.headers,
    )
    assert redelivered.status_code == 202
    run_jobs(app)
    [received] = webhook_receiver.received
    assert received.message_id == waiting["id"]
    verify(secret, received)


def test_only_an_absolute_http_url_is_accepted_as_the_webhook_url(
    client: FlaskClient, partner: Partner
) -> None:
    for bad in ("ftp://hooks.example.com/x", "hooks.example.com/x", 42):
        response = client.patch(
            "/api/v1/account", json={"webhook_url": bad}, headers=partner.headers
        )
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["field"] == "webhook_url"
