"""Sandbox CMMS: a built-in system for trying the flow without a real one.

Accounts live in the ``sandbox_users`` table so a password can be changed
(``link-flow sandbox set-password``) to try re-authorisation; ``demo`` with
``demo-password`` exists until changed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from link_flow.adapters.base import (
    AccountLocked,
    AdapterContext,
    CredentialField,
    InvalidCredentials,
    InvalidInput,
    System,
)
from link_flow.extensions import db

DEFAULT_USERS = {"demo": "demo-password", "slow": "demo-password"}
SLOW_SECONDS = 3.0


class SandboxUser(db.Model):  # type: ignore[name-defined]
    __tablename__ = "sandbox_users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_sha256: Mapped[str] = mapped_column(String(64))


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def set_password(username: str, password: str) -> None:
    """Store a new sandbox password for ``username`` (created if missing)."""
    user = db.session.get(SandboxUser, username)
    if user is None:
        user = SandboxUser(username=username, password_sha256="")
        db.session.add(user)
    user.password_sha256 = _digest(password)
    db.session.commit()


class SandboxAdapter:
    def __init__(self, context: AdapterContext) -> None:
        self.context = context

    def check_credentials(self, credentials: dict[str, str]) -> None:
        username = credentials.get("username", "").strip()
        password = credentials.get("password", "")
        if not username:
            raise InvalidInput("Enter your username.", field="username")
        if username == "locked":
            raise AccountLocked(
                "This Sandbox CMMS account is locked. Ask your administrator to "
                "unlock it, or sign in with another account.",
                field="username",
            )
        if username == "slow":
            time.sleep(SLOW_SECONDS)
        if not hmac.compare_digest(self._expected_digest(username), _digest(password)):
            raise InvalidCredentials(
                "Wrong username or password. Check the password and try again.",
                field="password",
            )

    def fetch_summary(self, credentials: dict[str, str]) -> dict[str, Any]:
        self.check_credentials(credentials)
        return {"assets": 12, "open_work_orders": 3, "locations": 2}

    @staticmethod
    def _expected_digest(username: str) -> str:
        user = db.session.get(SandboxUser, username)
        if user is not None:
            return user.password_sha256
        if username in DEFAULT_USERS:
            return _digest(DEFAULT_USERS[username])
        # Unknown user: compare against a value no password hashes to.
        return "0" * 64


SANDBOX = System(
    key="sandbox",
    name="Sandbox CMMS",
    tier=1,
    deployment="cloud",
    description="A practice system. Sign in with demo / demo-password.",
    fields=(
        CredentialField("username", "Username", help="Try demo."),
        CredentialField(
            "password", "Password", type="password", help="Try demo-password."
        ),
    ),
    adapter=SandboxAdapter,
    keywords=("test", "demo", "cmms"),
)
