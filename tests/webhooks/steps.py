"""Steps of the webhook tests: point an account at a receiver, read the log."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from standardwebhooks.webhooks import Webhook

from tests.conftest import Partner
from tests.webhooks.receiver import ReceivedWebhook


def set_webhook_url(client: FlaskClient, partner: Partner, url: str | None) -> None:
    response = client.patch(
        "/api/v1/account", json={"webhook_url": url}, headers=partner.headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["webhook_url"] == url


def new_secret(client: FlaskClient, partner: Partner) -> str:
    response = client.post("/api/v1/account/webhook-secret", headers=partner.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    secret: str = response.get_json()["secret"]
    assert secret.startswith("whsec_")
    return secret


def configure_webhooks(client: FlaskClient, partner: Partner, url: str) -> str:
    """Set the account's webhook URL and a new secret; return the secret."""
    set_webhook_url(client, partner, url)
    return new_secret(client, partner)


def deliveries(client: FlaskClient, partner: Partner) -> list[dict[str, Any]]:
    response = client.get("/api/v1/webhook-deliveries", headers=partner.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]  # type: ignore[no-any-return]


def verify(secret: str, webhook: ReceivedWebhook) -> dict[str, Any]:
    """Check the signature as a partner would, with the reference library."""
    return Webhook(secret).verify(webhook.body, webhook.headers)  # type: ignore[no-any-return]
