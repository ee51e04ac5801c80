"""Magic links: making them, showing them, revoking and using them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from link_flow.adapters.catalog import all_systems, get_system
from link_flow.errors import ApiError, NotFound, ValidationError
from link_flow.extensions import db
from link_flow.models import Account, Connection, MagicLink
from link_flow.models.base import isoformat, utcnow
from link_flow.models.magic_link import PURPOSE_CONNECT, PURPOSE_RECONNECT
from link_flow.services import connections, webhooks
from link_flow.services.events import record_event
from link_flow.services.serialize import connection_json
from link_flow.services.signing import sign_magic_link

DEFAULT_EXPIRES_IN = 7 * 24 * 3600
MAX_EXPIRES_IN = 30 * 24 * 3600
MIN_EXPIRES_IN = 60
# Links that expired longer ago than this are not announced any more, so a
# worker back after a long stop does not flood partners with stale news.
EXPIRY_NOTICE_WINDOW = timedelta(days=7)


def clean_expires_in(value: Any) -> int:
    """Return a valid lifetime in seconds; raise naming ``expires_in``."""
    if value is None:
        return DEFAULT_EXPIRES_IN
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            "expires_in must be a whole number of seconds.", field="expires_in"
        )
    if not MIN_EXPIRES_IN <= value <= MAX_EXPIRES_IN:
        raise ValidationError(
            f"expires_in must be between {MIN_EXPIRES_IN} and {MAX_EXPIRES_IN} "
            "seconds (30 days).",
            field="expires_in",
        )
    return value


def clean_systems(value: Any) -> list[str] | None:
    """Return the allowed system keys, or ``None`` for all; raise on unknown keys."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ValidationError(
            "systems must be a non-empty list of system keys.", field="systems"
        )
    keys: list[str] = []
    for key in value:
        if not isinstance(key, str) or get_system(key) is None:
            known = ", ".join(s.key for s in all_systems())
            raise ValidationError(
                f"Unknown system {key!r}; use one of: {known}.", field="systems"
            )
        if key not in keys:
            keys.append(key)
    return keys


def clean_redirect_url(account: Account, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in (account.redirect_uris or []):
        raise ValidationError(
            "redirect_url must be one of the account's registered redirect URIs.",
            field="redirect_url",
        )
    return value


def create_link(
    account: Account,
    *,
    name: str,
    email: str | None,
    metadata: dict[str, Any],
    systems: list[str] | None,
    expires_in: int,
    redirect_url: str | None,
) -> MagicLink:
    """Create a pending connection and its magic link; commit; return the link."""
    connection = connections.create_pending(
        account, name=name, email=email, metadata=metadata
    )
    link = MagicLink(
        account_id=account.id,
        connection_id=connection.id,
        purpose=PURPOSE_CONNECT,
        allowed_systems=systems,
        email_fixed=email is not None,
        redirect_url=redirect_url,
        expires_at=utcnow() + timedelta(seconds=expires_in),
    )
    db.session.add(link)
    db.session.flush()
    record_event(
        connection,
        "magic_link_created",
        {"expires_at": isoformat(link.expires_at)},
        magic_link_id=link.id,
    )
    db.session.commit()

    return link


def create_reconnect_link(
    account: Account, connection: Connection, *, expires_in: int
) -> MagicLink:
    """Create a link that replaces ``connection``'s credentials; commit; return it."""
    if connection.system_key is None or connection.disconnected_at is not None:
        raise ApiError(
            409,
            "NOT_RECONNECTABLE",
            "Only a connection that finished the flow and is not disconnected "
            "can get a reconnect link.",
        )
    link = MagicLink(
        account_id=account.id,
        connection_id=connection.id,
        purpose=PURPOSE_RECONNECT,
        allowed_systems=[connection.system_key],
        email_fixed=True,
        expires_at=utcnow() + timedelta(seconds=expires_in),
    )
    db.session.add(link)
    db.session.flush()
    record_event(connection, "reconnect_link_created", {}, magic_link_id=link.id)
    db.session.commit()

    return link


def link_url(link: MagicLink) -> str:
    base = current_app.config["PUBLIC_URL"]
    return f"{base}/link/{link.id}#{sign_magic_link(link.id)}"


def link_json(link: MagicLink, connection: Connection | None = None) -> dict[str, Any]:
    """Return the API shape of ``link``; ``url`` only while it can be used."""
    state = link.state(utcnow())
    connection = connection or db.session.get(Connection, link.connection_id)
    return {
        "id": link.id,
        "url": link_url(link) if state == "usable" else None,
        "status": state,
        "purpose": link.purpose,
        "systems": link.allowed_systems,
        "redirect_url": link.redirect_url,
        "expires_at": isoformat(link.expires_at),
        "created_at": isoformat(link.created_at),
        "used_at": isoformat(link.used_at),
        "revoked_at": isoformat(link.revoked_at),
        "connection": connection_json(connection) if connection else None,
    }


def get_for_account(account_id: str, link_id: str) -> MagicLink:
    link = db.session.scalar(
        select(MagicLink).where(
            MagicLink.id == link_id, MagicLink.account_id == account_id
        )
    )
    if link is None:
        raise NotFound("magic link")
    return link


def revoke(link: MagicLink) -> None:
    """Stop the link working; the pending connection stays. Commit."""
    if link.revoked_at is None and link.used_at is None:
        link.revoked_at = utcnow()
        connection = db.session.get(Connection, link.connection_id)
        if connection is not None:
            record_event(connection, "magic_link_revoked", {}, magic_link_id=link.id)
        db.session.commit()


def claim(link_id: str, now: datetime) -> bool:
    """Mark the link used if it still can be; return whether this call did.

    One conditional UPDATE: of two simultaneous finishes, exactly one wins.
    """
    result = db.session.execute(
        update(MagicLink)
        .where(
            MagicLink.id == link_id,
            MagicLink.used_at.is_(None),
            MagicLink.revoked_at.is_(None),
            MagicLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def latest_link(connection: Connection) -> MagicLink | None:
    """Return the connection's most recent magic link, of either purpose."""
    return db.session.scalar(
        select(MagicLink)
        .where(MagicLink.connection_id == connection.id)
        .order_by(MagicLink.created_at.desc(), MagicLink.id.desc())
        .limit(1)
    )


def renew_link(
    account: Account, connection: Connection, *, expires_in: int
) -> MagicLink:
    """Give a still-pending connection a new link with its last link's options.

    Every earlier usable link of the connection is revoked in the same
    transaction, and the connection row is locked first, so two renewals
    or a renewal and a finish cannot leave two links able to connect it.
    Raises 409 for a connection that is no longer pending. Commits.
    """
    locked = db.session.scalar(
        select(Connection).where(Connection.id == connection.id).with_for_update()
    )
    if locked is None or locked.status != "pending" or locked.system_key:
        raise ApiError(
            409,
            "NOT_PENDING",
            "Only a connection still waiting for its customer gets a new link; "
            "a connected one gets a reconnect link.",
        )
    previous = latest_link(connection)
    now = utcnow()
    db.session.execute(
        update(MagicLink)
        .where(
            MagicLink.connection_id == connection.id,
            MagicLink.used_at.is_(None),
            MagicLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    link = MagicLink(
        account_id=account.id,
        connection_id=connection.id,
        purpose=PURPOSE_CONNECT,
        allowed_systems=previous.allowed_systems if previous else None,
        email_fixed=previous.email_fixed if previous else connection.email is not None,
        redirect_url=previous.redirect_url if previous else None,
        expires_at=now + timedelta(seconds=expires_in),
    )
    db.session.add(link)
    db.session.flush()
    record_event(
        connection,
        "magic_link_created",
        {"expires_at": isoformat(link.expires_at), "renewed": True},
        magic_link_id=link.id,
    )
    db.session.commit()

    return link


def announce_expired_links(limit: int = 200) -> int:
    """Send ``magic_link.expired`` for links that expired unused; return how many.

    Each link is claimed by a conditional UPDATE before it is announced, so
    sweeps running at once on several workers announce it once. Commits
    after each link.
    """
    now = utcnow()
    link_ids = db.session.scalars(
        select(MagicLink.id)
        .where(
            MagicLink.expires_at <= now,
            MagicLink.expires_at > now - EXPIRY_NOTICE_WINDOW,
            MagicLink.used_at.is_(None),
            MagicLink.revoked_at.is_(None),
            MagicLink.expired_notified_at.is_(None),
        )
        .order_by(MagicLink.expires_at)
        .limit(limit)
    ).all()

    announced = 0
    for link_id in link_ids:
        claimed = db.session.execute(
            update(MagicLink)
            .where(MagicLink.id == link_id, MagicLink.expired_notified_at.is_(None))
            .values(expired_notified_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        _announce_expiry(link_id)
        db.session.commit()
        announced += 1

    return announced


def _announce_expiry(link_id: str) -> None:
    link = db.session.get(MagicLink, link_id)
    assert link is not None
    connection = db.session.get(Connection, link.connection_id)
    if connection is None:
        return
    record_event(
        connection,
        "magic_link_expired",
        {"purpose": link.purpose},
        magic_link_id=link.id,
    )
    webhooks.emit(
        connection,
        "magic_link.expired",
        {
            "magic_link": {
                "id": link.id,
                "purpose": link.purpose,
                "expires_at": isoformat(link.expires_at),
            }
        },
    )
