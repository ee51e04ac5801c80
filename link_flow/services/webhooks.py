"""Webhook events: what is sent, to whom, signed how.

Each event becomes a ``webhook_deliveries`` row in the same transaction as
the change it reports; a job sends it after commit and retries it in place,
so the message id is the same on every attempt (at-least-once delivery).
"""

from __future__ import annotations

import base64
import logging
import secrets
from datetime import timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook

from link_flow.extensions import db
from link_flow.models import Account, Connection, WebhookDelivery
from link_flow.models.base import isoformat, utcnow
from link_flow.services.crypto import decrypt_text, encrypt_text
from link_flow.services.serialize import connection_json

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
EVENT_TYPES = (
    "connection.created",
    "connection.status_changed",
    "connection.sync_completed",
    "connection.sync_failed",
    "connection.reauthorization_required",
    "connection.disconnected",
    "magic_link.opened",
    "magic_link.expired",
)


def emit(
    connection: Connection,
    event_type: str,
    extra: dict[str, Any] | None = None,
) -> WebhookDelivery | None:
    """Queue ``event_type`` about ``connection`` if its account has a webhook.

    Runs in the caller's transaction; the delivery job is queued on commit.
    """
    account = db.session.get(Account, connection.account_id)
    if account is None or not account.webhook_url:
        return None
    data: dict[str, Any] = {"connection": connection_json(connection)}
    if extra:
        data.update(extra)

    return _queue(account, event_type, data, connection_id=connection.id)


def _queue(
    account: Account,
    event_type: str,
    data: dict[str, Any],
    *,
    connection_id: str | None,
) -> WebhookDelivery:
    from link_flow.jobs.tasks import queue_webhook  # the job module imports us

    now = utcnow()
    delivery = WebhookDelivery(
        account_id=account.id,
        connection_id=connection_id,
        event_type=event_type,
        payload={"type": event_type, "timestamp": isoformat(now), "data": data},
        status="pending",
        next_attempt_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    queue_webhook(delivery.id)

    return delivery


def new_signing_secret(account: Account) -> str:
    """Make a new signing secret, keep the old one for 24 h, return the new one."""
    # Standard Webhooks secrets are base64 of random bytes after the prefix.
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()
    if account.webhook_secret_encrypted:
        account.previous_webhook_secret_encrypted = account.webhook_secret_encrypted
        account.previous_webhook_secret_expires_at = utcnow() + PREVIOUS_SECRET_GRACE
    account.webhook_secret_encrypted = encrypt_text(secret)

    return secret


def signing_secrets(account: Account) -> list[str]:
    """Return the secrets that sign a message now: current, then previous."""
    found: list[str] = []
    if account.webhook_secret_encrypted:
        found.append(decrypt_text(account.webhook_secret_encrypted))
    expires = account.previous_webhook_secret_expires_at
    if account.previous_webhook_secret_encrypted and expires and expires > utcnow():
        found.append(decrypt_text(account.previous_webhook_secret_encrypted))
    return found


def signature_headers(account: Account, message_id: str, body: str) -> dict[str, str]:
    """Return the Standard Webhooks headers for ``body``, one signature per secret."""
    timestamp = utcnow()
    signatures = [
        Webhook(secret).sign(message_id, timestamp, body)
        for secret in signing_secrets(account)
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }
