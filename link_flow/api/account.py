"""The account itself, its webhook secret and its webhook deliveries."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select

from link_flow.api import bp
from link_flow.api.auth import current_account, require_admin
from link_flow.api.schemas import AccountUpdate, load_body
from link_flow.errors import NotFound
from link_flow.extensions import db
from link_flow.jobs.tasks import queue_webhook
from link_flow.models import WebhookDelivery
from link_flow.models.base import isoformat, utcnow
from link_flow.services import accounts, webhooks


@bp.get("/account")
@require_admin
def get_account() -> Response:
    return jsonify(accounts.account_json(current_account()))


@bp.patch("/account")
@require_admin
def update_account() -> Response:
    account = current_account()
    accounts.update_settings(account, load_body(AccountUpdate()))
    return jsonify(accounts.account_json(account))


@bp.post("/account/webhook-secret")
@require_admin
def rotate_webhook_secret() -> tuple[Response, int]:
    account = current_account()
    secret = webhooks.new_signing_secret(account)
    db.session.commit()
    return jsonify({"secret": secret}), 201


def delivery_json(delivery: WebhookDelivery) -> dict[str, object]:
    return {
        "id": delivery.id,
        "event_type": delivery.event_type,
        "connection_id": delivery.connection_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": isoformat(delivery.created_at),
        "delivered_at": isoformat(delivery.delivered_at),
        "payload": delivery.payload,
    }


@bp.get("/webhook-deliveries")
@require_admin
def list_deliveries() -> Response:
    rows = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.account_id == current_account().id)
        .order_by(WebhookDelivery.created_at.desc())
        .limit(100)
    )
    return jsonify({"data": [delivery_json(row) for row in rows]})


@bp.post("/webhook-deliveries/<delivery_id>/redeliver")
@require_admin
def redeliver(delivery_id: str) -> tuple[Response, int]:
    delivery = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.account_id == current_account().id,
        )
    )
    if delivery is None:
        raise NotFound("webhook delivery")
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    queue_webhook(delivery.id)
    db.session.commit()
    return jsonify(delivery_json(delivery)), 202
