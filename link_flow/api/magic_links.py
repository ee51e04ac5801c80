"""Magic links in the Admin API."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select

from link_flow.adapters.catalog import all_systems, get_system
from link_flow.api import bp
from link_flow.api.auth import current_account, require_admin
from link_flow.api.schemas import MagicLinkCreate, load_body
from link_flow.extensions import db
from link_flow.models import MagicLink
from link_flow.services import magic_links
from link_flow.services.metadata import clean_email, clean_name, validate_metadata


@bp.post("/magic-links")
@require_admin
def create_magic_link() -> tuple[Response, int]:
    account = current_account()
    body = load_body(MagicLinkCreate())
    link = magic_links.create_link(
        account,
        name=clean_name(body["name"]),
        email=clean_email(body["email"]),
        metadata=validate_metadata(body["user_metadata"]),
        systems=magic_links.clean_systems(body["systems"]),
        expires_in=magic_links.clean_expires_in(body["expires_in"]),
        redirect_url=magic_links.clean_redirect_url(account, body["redirect_url"]),
    )
    payload = magic_links.link_json(link)
    payload["credits"] = _affordability(account.credits_available, link.allowed_systems)

    return jsonify(payload), 201


def _affordability(available: int, keys: list[str] | None) -> dict[str, object]:
    """Tell the partner at creation which of the offered systems it can pay for."""
    systems = [get_system(k) for k in keys] if keys else list(all_systems())
    return {
        "available": available,
        "unaffordable_systems": [
            s.key for s in systems if s is not None and s.credits > available
        ],
    }


@bp.get("/magic-links")
@require_admin
def list_magic_links() -> Response:
    rows = db.session.scalars(
        select(MagicLink)
        .where(MagicLink.account_id == current_account().id)
        .order_by(MagicLink.created_at.desc(), MagicLink.id.desc())
        .limit(200)
    )
    return jsonify({"data": [magic_links.link_json(link) for link in rows]})


@bp.get("/magic-links/<link_id>")
@require_admin
def get_magic_link(link_id: str) -> Response:
    link = magic_links.get_for_account(current_account().id, link_id)
    return jsonify(magic_links.link_json(link))


@bp.delete("/magic-links/<link_id>")
@require_admin
def revoke_magic_link(link_id: str) -> Response:
    link = magic_links.get_for_account(current_account().id, link_id)
    magic_links.revoke(link)
    return jsonify(magic_links.link_json(link))
