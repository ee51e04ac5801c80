"""The customer's side of a magic link: opening it and finishing it."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import select

from link_flow.adapters.base import AdapterError
from link_flow.adapters.catalog import all_systems, get_system
from link_flow.errors import ApiError, ValidationError
from link_flow.extensions import db
from link_flow.guards import has_unsafe_text
from link_flow.models import Account, Connection, ConnectionEvent, MagicLink
from link_flow.models.base import isoformat, utcnow
from link_flow.models.magic_link import PURPOSE_RECONNECT
from link_flow.services import attempts, connections, magic_links, webhooks
from link_flow.services.events import record_event
from link_flow.services.metadata import clean_email, clean_name
from link_flow.services.signing import (
    TokenExpired,
    TokenInvalid,
    read_flow_session,
    read_magic_link,
    sign_flow_session,
)
from link_flow.services.sync import adapter_context

log = logging.getLogger(__name__)

MAX_CREDENTIAL_LENGTH = 4096
MAX_NOTED_CHOICES = 20
# Answers that tell a guesser something about the password or the account.
REFUSAL_CODES = {"INVALID_CREDENTIALS", "ACCOUNT_LOCKED"}

LINK_STATE_ERRORS = {
    "used": (410, "LINK_USED", "This link was already used: the system is connected."),
    "revoked": (410, "LINK_REVOKED", "This link was withdrawn by the sender."),
    "expired": (410, "LINK_EXPIRED", "This link has expired."),
}


def link_state_error(state: str) -> ApiError:
    status, code, message = LINK_STATE_ERRORS[state]
    return ApiError(status, code, message)


def find_link(link_id: str) -> MagicLink | None:
    return db.session.get(MagicLink, link_id)


def open_session(link_id: str, token: str) -> dict[str, Any]:
    """Check a magic link token and return the flow's starting state.

    Opening changes nothing the customer needs; it only notes the first
    opening in the timeline.
    """
    try:
        token_link_id = read_magic_link(token)
    except TokenInvalid as exc:
        raise ApiError(
            400, "INVALID_TOKEN", "This link is damaged. Copy the whole link again."
        ) from exc
    link = find_link(link_id)
    if token_link_id != link_id or link is None:
        raise ApiError(
            400, "INVALID_TOKEN", "This link is damaged. Copy the whole link again."
        )
    state = link.state(utcnow())
    if state != "usable":
        raise link_state_error(state)

    connection = db.session.get(Connection, link.connection_id)
    account = db.session.get(Account, link.account_id)
    assert connection is not None and account is not None
    _note_first_opening(link, connection)

    return {
        "flow_token": sign_flow_session({"l": link.id}),
        "expires_in": current_app.config["FLOW_TOKEN_MAX_AGE"],
        "partner": {"name": account.name, "branding": _branding(account)},
        "link": {
            "id": link.id,
            "purpose": link.purpose,
            "expires_at": isoformat(link.expires_at),
        },
        "connection": {
            "id": connection.id,
            "name": connection.name,
            "email": connection.email,
        },
        "ask": {"name": not connection.name, "email": not link.email_fixed},
        "credits_available": account.credits_available,
        "systems": [
            {
                **system.as_json(),
                "affordable": _affordable(link, account, system.credits),
            }
            for system in allowed_systems(link)
        ],
    }


def _affordable(link: MagicLink, account: Account, cost: int) -> bool:
    # A reconnect keeps the credits the connection already holds.
    return link.purpose == PURPOSE_RECONNECT or account.credits_available >= cost


def _branding(account: Account) -> dict[str, Any]:
    branding = account.branding or {}
    return {
        "color": branding.get("color"),
        "logo_url": branding.get("logo_url"),
        "name": branding.get("name") or account.name,
    }


def _note_first_opening(link: MagicLink, connection: Connection) -> None:
    if link.first_opened_at is not None:
        return
    link.first_opened_at = utcnow()
    record_event(connection, "magic_link_opened", {}, magic_link_id=link.id)
    webhooks.emit(connection, "magic_link.opened", {"magic_link": {"id": link.id}})
    db.session.commit()


def allowed_systems(link: MagicLink) -> list[Any]:
    if link.allowed_systems:
        return [s for s in (get_system(k) for k in link.allowed_systems) if s]
    return list(all_systems())


def link_from_flow_token(token: str | None) -> MagicLink:
    """Return the usable link a flow token belongs to; raise a clear error."""
    if not token:
        raise ApiError(401, "FLOW_TOKEN_MISSING", "Open the link again to start over.")
    try:
        payload = read_flow_session(token)
    except TokenExpired as exc:
        raise ApiError(
            401, "FLOW_EXPIRED", "This page was open too long. Open the link again."
        ) from exc
    except TokenInvalid as exc:
        raise ApiError(
            401, "FLOW_INVALID", "Open the link again to start over."
        ) from exc
    link = find_link(str(payload.get("l", "")))
    if link is None:
        raise ApiError(401, "FLOW_INVALID", "Open the link again to start over.")
    state = link.state(utcnow())
    if state != "usable":
        raise link_state_error(state)
    return link


def note_system_chosen(link: MagicLink, system_key: Any) -> None:
    """Add a ``system_chosen`` row, unless it repeats the last one or the
    link already noted as many choices as a person plausibly makes."""
    system = get_system(system_key) if isinstance(system_key, str) else None
    if system is None or system not in allowed_systems(link):
        raise ValidationError("Choose one of the systems offered.", field="system")
    connection = db.session.get(Connection, link.connection_id)
    assert connection is not None
    choices = list(
        db.session.scalars(
            select(ConnectionEvent.detail)
            .where(
                ConnectionEvent.connection_id == connection.id,
                ConnectionEvent.magic_link_id == link.id,
                ConnectionEvent.type == "system_chosen",
            )
            .order_by(ConnectionEvent.id.desc())
            .limit(MAX_NOTED_CHOICES)
        )
    )
    if len(choices) >= MAX_NOTED_CHOICES or (
        choices and choices[0].get("system") == system.key
    ):
        return
    record_event(
        connection, "system_chosen", {"system": system.key}, magic_link_id=link.id
    )
    db.session.commit()


def clean_credentials(fields: tuple[Any, ...], value: Any) -> dict[str, str]:
    """Return only the catalog's fields, as strings; raise naming a bad field."""
    if not isinstance(value, dict):
        raise ValidationError("credentials must be an object.", field="credentials")
    cleaned: dict[str, str] = {}
    for field in fields:
        raw = value.get(field.name)
        if raw is None or raw == "":
            if field.required and field.default is None:
                raise ApiError(
                    422,
                    "INVALID_FIELD",
                    f"{field.label} is required.",
                    field=field.name,
                )
            if field.default is not None:
                cleaned[field.name] = field.default
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ApiError(
                422, "INVALID_FIELD", f"{field.label} must be text.", field=field.name
            )
        text = str(raw)
        if has_unsafe_text(text):
            raise ApiError(
                422,
                "INVALID_FIELD",
                f"{field.label} holds a NUL byte or invalid Unicode.",
                field=field.name,
            )
        if len(text) > MAX_CREDENTIAL_LENGTH:
            raise ApiError(
                422, "INVALID_FIELD", f"{field.label} is too long.", field=field.name
            )
        if field.type == "select" and text not in field.options:
            raise ApiError(
                422,
                "INVALID_FIELD",
                f"Choose one of the {field.label} options.",
                field=field.name,
            )
        cleaned[field.name] = text
    return cleaned


def check_with_system(system: Any, credentials: dict[str, str]) -> None:
    """Sign in to the real system once; raise a 422 naming the field at fault."""
    try:
        system.make_adapter(adapter_context()).check_credentials(credentials)
    except AdapterError as error:
        raise ApiError(422, error.code, error.message, field=error.field) from error


def check_within_limits(
    limits: dict[str, int], system: Any, credentials: dict[str, str]
) -> None:
    """Check credentials with the system, counted against ``limits``.

    Raises 429 when a limit is reached, and the check's own 422 otherwise.
    """
    with attempts.limited(limits) as attempt:
        try:
            check_with_system(system, credentials)
        except ApiError as error:
            if error.code in REFUSAL_CODES:
                attempt.refused()
            raise


def finish(
    link: MagicLink,
    *,
    system_key: Any,
    credentials: Any,
    name: Any = None,
    email: Any = None,
    client_address: str | None = None,
) -> dict[str, Any]:
    """Check the credentials, then use the link and finalise its connection.

    ``client_address`` (the customer's IP) is counted against the attempt
    limits as well as the link.
    """
    system = get_system(system_key) if isinstance(system_key, str) else None
    if system is None or system not in allowed_systems(link):
        raise ValidationError("Choose one of the systems offered.", field="system")
    connection = db.session.get(Connection, link.connection_id)
    assert connection is not None
    new_name = clean_name(name) if not connection.name else None
    new_email = clean_email(email, required=True) if not link.email_fixed else None
    cleaned = clean_credentials(system.fields, credentials)

    limits = {
        f"link:{link.id}": attempts.PER_LINK,
        **attempts.address_limits(client_address),
    }
    try:
        check_within_limits(limits, system, cleaned)
    except ApiError as error:
        if error.status != 429:
            record_event(
                connection,
                "credentials_refused",
                {"system": system.key, "code": error.code},
                magic_link_id=link.id,
            )
            db.session.commit()
        raise

    # The connection first, then the link: the order a disconnect takes them
    # in, so the two wait for each other instead of deadlocking.
    connections.lock(connection)
    if not magic_links.claim(link.id, utcnow()):
        db.session.rollback()
        state = link.state(utcnow())
        if state in ("revoked", "expired"):
            raise link_state_error(state)
        raise ApiError(
            409, "LINK_USED", "This link was already used: the system is connected."
        )
    if new_name:
        connection.name = new_name
    if new_email:
        connection.email = new_email
    if link.purpose == PURPOSE_RECONNECT:
        connections.replace_credentials(connection, cleaned, magic_link_id=link.id)
    else:
        connections.establish(connection, system, cleaned, magic_link_id=link.id)
    db.session.commit()
    log.info(
        "magic_link.completed link_id=%s connection_id=%s system=%s",
        link.id,
        connection.id,
        system.key,
    )

    return {
        "connection_id": connection.id,
        "system": {"key": system.key, "name": system.name},
        "status": connection.status,
        "redirect_url": link.redirect_url,
    }
