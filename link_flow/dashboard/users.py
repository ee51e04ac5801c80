"""Dashboard users: creating them, their passwords and their invitations."""

from __future__ import annotations

import logging
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select

from link_flow.errors import ApiError, NotFound, ValidationError
from link_flow.extensions import db
from link_flow.models import Account, DashboardSession, DashboardUser
from link_flow.services.metadata import clean_email

log = logging.getLogger(__name__)

DEMO_EMAIL = "demo@example.com"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
INVITATION_SALT = "link-flow.dashboard-invitation.v1"
INVITATION_MAX_AGE = 7 * 24 * 3600

_hasher = PasswordHasher()


@cache
def _unknown_user_hash() -> str:
    # Verified against when the email is unknown, so both cases cost the same.
    return _hasher.hash("link-flow: no such user")


class InvitationInvalid(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(400, "INVITATION_INVALID", message)


def clean_password(password: str, *, field: str = "password") -> str:
    """Return ``password`` if it is long enough; raise naming ``field``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.",
            field=field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"Use a password of at most {MAX_PASSWORD_LENGTH} characters.",
            field=field,
        )
    return password


def normalise_email(value: str) -> str:
    """Return the email as stored: trimmed and lower-cased; raise if invalid."""
    email = clean_email(value, required=True)
    assert email is not None
    return email.lower()


def find_by_email(email: str) -> DashboardUser | None:
    return db.session.scalar(
        select(DashboardUser).where(DashboardUser.email == email.strip().lower())
    )


def create_user(account: Account, email: str, password: str) -> DashboardUser:
    """Add a user to ``account``; raise when the email is taken. Commits."""
    address = normalise_email(email)
    clean_password(password)
    if find_by_email(address) is not None:
        raise ApiError(
            409,
            "USER_EXISTS",
            "A dashboard user with that email already exists.",
            field="email",
        )
    user = DashboardUser(
        account_id=account.id, email=address, password_hash=_hasher.hash(password)
    )
    db.session.add(user)
    db.session.commit()
    log.info("dashboard.user_created user_id=%s account_id=%s", user.id, account.id)

    return user


def authenticate(email: str, password: str) -> DashboardUser | None:
    """Return the user whose email and password these are, or ``None``."""
    user = find_by_email(email) if email else None
    if user is None:
        _verify(_unknown_user_hash(), password)
        return None
    if not _verify(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        db.session.commit()

    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(user: DashboardUser, password: str) -> None:
    """Store a new password and end every session of ``user``. Commits."""
    clean_password(password)
    user.password_hash = _hasher.hash(password)
    db.session.execute(
        delete(DashboardSession).where(DashboardSession.user_id == user.id)
    )
    db.session.commit()
    log.info("dashboard.password_changed user_id=%s", user.id)


def change_password(user: DashboardUser, current: str, new: str) -> None:
    """Replace the password after checking the current one; end all sessions."""
    if not _verify(user.password_hash, current):
        raise ValidationError(
            "The current password is not right.", field="current_password"
        )
    clean_password(new, field="new_password")
    set_password(user, new)


def reset_demo_user(account: Account, password: str) -> tuple[str, str]:
    """Create or reset demo@example.com for ``account``; return email, password."""
    user = find_by_email(DEMO_EMAIL)
    if user is None:
        create_user(account, DEMO_EMAIL, password)
    else:
        user.account_id = account.id
        set_password(user, password)

    return DEMO_EMAIL, password


def users_of(account: Account) -> list[DashboardUser]:
    return list(
        db.session.scalars(
            select(DashboardUser)
            .where(DashboardUser.account_id == account.id)
            .order_by(DashboardUser.created_at)
        )
    )


def _invitations() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*reversed(config["SECRET_KEY_FALLBACKS"]), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=INVITATION_SALT)


def make_invitation(account: Account, email: str) -> str:
    """Return a token inviting ``email`` to ``account``'s dashboard.

    It needs no table: it is signed, expires, and is spent once the email
    has a user, because emails are unique.
    """
    address = normalise_email(email)
    if find_by_email(address) is not None:
        raise ApiError(
            409,
            "USER_EXISTS",
            "A dashboard user with that email already exists.",
            field="email",
        )
    return _invitations().dumps({"a": account.id, "e": address})


def read_invitation(token: str) -> tuple[Account, str]:
    """Return the account and email of an unspent invitation; raise otherwise."""
    try:
        data = _invitations().loads(token, max_age=INVITATION_MAX_AGE)
    except SignatureExpired as exc:
        raise InvitationInvalid(
            "This invitation has expired. Ask for a new one."
        ) from exc
    except BadSignature as exc:
        raise InvitationInvalid(
            "This invitation link is damaged. Copy the whole link again."
        ) from exc
    account = db.session.get(Account, str(data.get("a", "")))
    email = str(data.get("e", ""))
    if account is None:
        raise NotFound("account")
    if find_by_email(email) is not None:
        raise InvitationInvalid(
            "This invitation was already accepted. Sign in instead."
        )

    return account, email
