"""Sending one webhook attempt and recording what happened."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy import select

from link_flow.adapters.net import ForbiddenAddress, guarded_session
from link_flow.errors import NotFound
from link_flow.extensions import db
from link_flow.models import Account, Connection, WebhookDelivery
from link_flow.models.base import utcnow
from link_flow.services.events import record_event
from link_flow.services.webhooks import signature_headers, signing_secrets

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
NO_SECRET = (
    "the account has no webhook signing secret yet; create one with "
    "POST /api/v1/account/webhook-secret"
)


class DeliveryFailed(Exception):
    """The receiver did not take the message; the job retries it."""


def attempt_delivery(delivery_id: str, *, final: bool = False) -> str:
    """Send the delivery once; return ``delivered`` or raise to retry.

    Only a 2xx answer counts: a redirect or a 5xx is a failure, and so is an
    address that now resolves somewhere private. Nothing is sent unsigned.
    ``final`` says the queue will not try again: a failure then ends
    ``failed`` rather than ``failing``. Each outcome is also a line in the
    connection's timeline.
    """
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status == "delivered":
        return "skipped"
    account = db.session.get(Account, delivery.account_id)
    if account is None or not account.webhook_url:
        delivery.status = "cancelled"
        db.session.commit()
        return "cancelled"

    delivery.attempts += 1
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    if signing_secrets(account):
        headers = signature_headers(account, delivery.id, body)
        allow_private = bool(current_app.config["ALLOW_PRIVATE_TARGETS"])
        status_code, error = _post(account.webhook_url, body, headers, allow_private)
    else:
        status_code, error = None, NO_SECRET

    delivery.last_status_code = status_code
    delivery.last_error = error
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = "delivered"
        delivery.delivered_at = utcnow()
        delivery.next_attempt_at = None
        _note_in_timeline(delivery, "webhook_delivered")
        db.session.commit()
        log.info(
            "webhook.delivered delivery_id=%s attempts=%s",
            delivery.id,
            delivery.attempts,
        )
        return "delivered"

    delivery.status = "failed" if final else "failing"
    _note_in_timeline(delivery, "webhook_failed")
    db.session.commit()
    log.info(
        "webhook.failed delivery_id=%s attempts=%s status=%s error=%s final=%s",
        delivery.id,
        delivery.attempts,
        status_code,
        error,
        final,
    )
    raise DeliveryFailed(error or f"HTTP {status_code}")


def _note_in_timeline(delivery: WebhookDelivery, event_type: str) -> None:
    if delivery.connection_id is None:
        return
    connection = db.session.get(Connection, delivery.connection_id)
    if connection is None:
        return
    record_event(
        connection,
        event_type,
        {
            "delivery_id": delivery.id,
            "event_type": delivery.event_type,
            "attempt": delivery.attempts,
            "status_code": delivery.last_status_code,
            "error": delivery.last_error,
        },
    )


def _post(
    url: str, body: str, headers: dict[str, str], allow_private: bool
) -> tuple[int | None, str | None]:
    if urlsplit(url).scheme not in ("http", "https"):
        return None, "webhook URL is not http(s)"
    session = guarded_session(allow_private=allow_private)
    try:
        response = session.post(
            url,
            data=body.encode(),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.TooManyRedirects as exc:
        # The guarded session allows no redirects, so requests raises here
        # even with allow_redirects off; the answer is still the receiver's.
        status = exc.response.status_code if exc.response is not None else None
        return status, "redirects are not followed"
    except requests.RequestException as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ForbiddenAddress):
                return None, "webhook URL resolves to a private address"
            cause = cause.__cause__ or cause.__context__
        return None, f"could not connect ({type(exc).__name__})"
    finally:
        session.close()

    if 300 <= response.status_code < 400:
        return response.status_code, "redirects are not followed"
    return response.status_code, None


def recent_deliveries(account_id: str, limit: int = 100) -> list[WebhookDelivery]:
    """Return the account's latest deliveries, newest first."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.account_id == account_id)
            .order_by(WebhookDelivery.created_at.desc())
            .limit(limit)
        )
    )


def schedule_redelivery(account_id: str, delivery_id: str) -> WebhookDelivery:
    """Send one of the account's deliveries again; raise 404 for others. Commits."""
    from link_flow.jobs.tasks import queue_webhook  # the job module imports us

    delivery = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.account_id == account_id,
        )
    )
    if delivery is None:
        raise NotFound("webhook delivery")
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    queue_webhook(delivery.id)
    db.session.commit()

    return delivery
