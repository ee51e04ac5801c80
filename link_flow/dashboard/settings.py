"""Account settings: credentials, embedding, branding, webhooks, credits, team."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from link_flow.dashboard import bp, forms, users
from link_flow.dashboard.sessions import current_account, signed_in
from link_flow.errors import ApiError
from link_flow.extensions import db
from link_flow.models import Account
from link_flow.services import accounts, credits, webhooks
from link_flow.services.webhook_delivery import recent_deliveries, schedule_redelivery

RECENT_DELIVERIES = 20


@bp.get("/settings")
@signed_in
def settings() -> ResponseReturnValue:
    return _page(current_account())


def _page(
    account: Account,
    *,
    values: dict[str, str] | None = None,
    error: ApiError | None = None,
    status: int = 200,
    **shown_once: str,
) -> ResponseReturnValue:
    """Render settings; ``shown_once`` carries a new secret or invitation."""
    branding = account.branding or {}
    current = {
        "allowed_origins": "\n".join(account.allowed_origins or []),
        "redirect_uris": "\n".join(account.redirect_uris or []),
        "webhook_url": account.webhook_url or "",
        "brand_name": branding.get("name") or "",
        "brand_logo_url": branding.get("logo_url") or "",
        "brand_color": branding.get("color") or "",
    }
    html = render_template(
        "dashboard/settings.html",
        account=account,
        values=values or current,
        error=error,
        credits=credits.credits_summary(account),
        overage=credits.overage_count(account.id),
        has_webhook_secret=bool(account.webhook_secret_encrypted),
        deliveries=recent_deliveries(account.id, RECENT_DELIVERIES),
        team=users.users_of(account),
        **shown_once,
    )
    return html, status


@bp.post("/settings")
@signed_in
def save_settings() -> ResponseReturnValue:
    account = current_account()
    values = {key: request.form.get(key, "") for key in _FIELDS}
    branding: dict[str, Any] = {
        "name": values["brand_name"].strip() or None,
        "logo_url": values["brand_logo_url"].strip() or None,
        "color": values["brand_color"].strip() or None,
    }
    changes = {
        "allowed_origins": forms.lines(values["allowed_origins"]),
        "redirect_uris": forms.lines(values["redirect_uris"]),
        "webhook_url": values["webhook_url"].strip() or None,
        # The form shows every branding field: an emptied one is removed.
        "branding": branding,
    }
    try:
        accounts.update_settings(account, changes)
    except ApiError as error:
        # update_settings checks field by field; forget any half-applied change.
        db.session.rollback()
        return _page(account, values=values, error=error, status=400)

    flash("Settings saved.", "success")
    return redirect(url_for("dashboard.settings"))


_FIELDS = (
    "allowed_origins",
    "redirect_uris",
    "webhook_url",
    "brand_name",
    "brand_logo_url",
    "brand_color",
)


@bp.post("/settings/client-secret")
@signed_in
def rotate_client_secret() -> ResponseReturnValue:
    account = current_account()
    secret = accounts.rotate_client_secret(account)
    return _page(account, client_secret=secret)


@bp.post("/settings/webhook-secret")
@signed_in
def rotate_webhook_secret() -> ResponseReturnValue:
    account = current_account()
    secret = webhooks.new_signing_secret(account)
    db.session.commit()
    return _page(account, webhook_secret=secret)


@bp.post("/settings/deliveries/<delivery_id>/redeliver")
@signed_in
def redeliver(delivery_id: str) -> ResponseReturnValue:
    schedule_redelivery(current_account().id, delivery_id)
    flash("Delivery queued again.", "success")
    return redirect(url_for("dashboard.settings", _anchor="deliveries"))


@bp.post("/settings/invitations")
@signed_in
def invite() -> ResponseReturnValue:
    account = current_account()
    try:
        token = users.make_invitation(account, request.form.get("email", ""))
    except ApiError as error:
        return _page(account, error=error, status=400)
    base = current_app.config["PUBLIC_URL"]
    query = urlencode({"token": token})
    return _page(account, invitation_url=f"{base}/dashboard/invitation?{query}")
