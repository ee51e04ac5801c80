"""The account itself, its webhook secret and its webhook deliveries."""

from __future__ import annotations

from flask import Response, jsonify

from link_flow.api import bp
from link_flow.api.auth import current_account, require_admin
from link_flow.api.schemas import AccountUpdate, load_body
from link_flow.extensions import db
from link_flow.models import WebhookDelivery
from link_flow.models.base import isoformat
from link_flow.services import accounts, webhooks
from link_flow.services.webhook_delivery import recent_deliveries, schedule_redelivery


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
    rows = recent_deliveries(current_account().id)
    return jsonify({"data": [delivery_json(row) for row in rows]})


@bp.post("/webhook-deliveries/<delivery_id>/redeliver")
@require_admin
def redeliver(delivery_id: str) -> tuple[Response, int]:
    delivery = schedule_redelivery(current_account().id, delivery_id)
    return jsonify(delivery_json(delivery)), 202
