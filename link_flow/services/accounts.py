"""Partner accounts: creating them, their settings and their credentials."""

from __future__ import annotations

import ipaddress
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from link_flow.errors import ValidationError
from link_flow.extensions import db
from link_flow.models import Account
from link_flow.models.account import PLANS
from link_flow.services import credits
from link_flow.services.crypto import hash_secret, new_secret

TRIAL_STARTING_CREDITS = 1
DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
MIN_SYNC_INTERVAL = 300


def create_account(
    name: str,
    *,
    plan: str = "trial",
    starting_credits: int | None = None,
    origins: list[str] | None = None,
    redirect_uris: list[str] | None = None,
) -> tuple[Account, str]:
    """Create an account; return it and its client secret (shown once)."""
    if plan not in PLANS:
        raise ValidationError(f"plan must be one of {', '.join(PLANS)}.", field="plan")
    if starting_credits is None:
        starting_credits = TRIAL_STARTING_CREDITS if plan == "trial" else 0
    if starting_credits < 0:
        raise ValidationError("credits cannot be negative.", field="credits")
    secret = new_secret("lfs")
    account = Account(
        name=name,
        plan=plan,
        credits_balance=starting_credits,
        credits_used=0,
        client_id="lf_client_" + secrets.token_hex(10),
        client_secret_hash=hash_secret(secret),
        allowed_origins=[clean_origin(o) for o in origins or []],
        redirect_uris=[clean_redirect_uri(u) for u in redirect_uris or []],
        branding={},
    )
    db.session.add(account)
    db.session.commit()

    return account, secret


def rotate_client_secret(account: Account) -> str:
    """Replace the client secret; return the new one (shown once). Commits."""
    secret = new_secret("lfs")
    account.client_secret_hash = hash_secret(secret)
    db.session.commit()
    return secret


def clean_origin(value: str) -> str:
    """Return ``scheme://host[:port]`` as browsers send it; raise otherwise.

    The result goes verbatim into ``Content-Security-Policy: frame-ancestors``,
    so only a strict host name or IP literal and a numeric port pass.
    """
    problem = f"{value!r} is not an origin; use the form https://app.example.com."
    if not isinstance(value, str) or any(c.isspace() or c in ";,'\"" for c in value):
        raise ValidationError(problem, field="allowed_origins")
    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError as exc:
        raise ValidationError(problem, field="allowed_origins") from exc
    host = (parts.hostname or "").lower()
    if (
        parts.scheme not in ("http", "https")
        or parts.username is not None
        or not (_HOST_NAME.match(host) or _is_ip_literal(host))
    ):
        raise ValidationError(problem, field="allowed_origins")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValidationError(
            f"{value!r} has a path; an origin is only scheme, host and port.",
            field="allowed_origins",
        )
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def clean_redirect_uri(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise ValidationError(
            f"{value!r} is not an absolute http(s) URL without a fragment.",
            field="redirect_uris",
        )
    return value.strip()


def clean_webhook_url(value: str | None) -> str | None:
    """Return the webhook URL, or ``None`` to turn webhooks off.

    Where it points is checked again at every send (the private-address
    guard); here only its form is.
    """
    if value in (None, ""):
        return None
    text = str(value).strip()
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError as exc:
        raise ValidationError(
            "webhook_url has a malformed port.", field="webhook_url"
        ) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "webhook_url must be an absolute http(s) URL.", field="webhook_url"
        )
    if parts.username is not None or parts.fragment or len(text) > 2000:
        raise ValidationError(
            "webhook_url must not carry credentials or a fragment, and must be "
            "at most 2000 characters; requests are authenticated by signature.",
            field="webhook_url",
        )
    return text


def clean_branding(value: dict[str, Any]) -> dict[str, Any]:
    allowed = {"name", "color", "logo_url"}
    unknown = set(value) - allowed
    if unknown:
        raise ValidationError(
            f"branding accepts only {', '.join(sorted(allowed))}.",
            field=f"branding.{sorted(unknown)[0]}",
        )
    color = value.get("color")
    if color is not None and not (
        isinstance(color, str)
        and len(color) == 7
        and color.startswith("#")
        and all(c in "0123456789abcdefABCDEF" for c in color[1:])
    ):
        raise ValidationError(
            "branding.color must look like #1a2b3c.", field="branding.color"
        )
    name = value.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 100):
        raise ValidationError(
            "branding.name must be text up to 100 characters.", field="branding.name"
        )
    logo = value.get("logo_url")
    if logo is not None and (
        not isinstance(logo, str) or urlsplit(logo).scheme != "https"
    ):
        raise ValidationError(
            "branding.logo_url must be an https URL.", field="branding.logo_url"
        )
    return dict(value)


def update_settings(account: Account, changes: dict[str, Any]) -> None:
    """Apply settings the API or dashboard sent, after checking each. Commits."""
    if "allowed_origins" in changes:
        account.allowed_origins = [clean_origin(o) for o in changes["allowed_origins"]]
    if "redirect_uris" in changes:
        account.redirect_uris = [
            clean_redirect_uri(u) for u in changes["redirect_uris"]
        ]
    if "webhook_url" in changes:
        account.webhook_url = clean_webhook_url(changes["webhook_url"])
    if "branding" in changes:
        # A partial update: keys sent replace, keys sent as null are removed.
        merged = {**(account.branding or {}), **changes["branding"]}
        cleaned = clean_branding(merged)
        account.branding = {k: v for k, v in cleaned.items() if v is not None}
    if "sync_interval_seconds" in changes:
        interval = changes["sync_interval_seconds"]
        if interval < MIN_SYNC_INTERVAL:
            raise ValidationError(
                f"sync_interval_seconds must be at least {MIN_SYNC_INTERVAL}.",
                field="sync_interval_seconds",
            )
        account.sync_interval_seconds = interval
    db.session.commit()


def account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "plan": account.plan,
        "client_id": account.client_id,
        "credits": credits.credits_summary(account),
        "overage_connections": credits.overage_count(account.id),
        "allowed_origins": account.allowed_origins or [],
        "redirect_uris": account.redirect_uris or [],
        "webhook_url": account.webhook_url,
        "branding": account.branding or {},
        "sync_interval_seconds": account.sync_interval_seconds,
    }
