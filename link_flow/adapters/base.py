"""What every system adapter provides, and the errors it may raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

TIER_CREDITS = {1: 1, 2: 2, 3: 4}


@dataclass(frozen=True)
class CredentialField:
    """One input of a system's sign-in form, as the catalog publishes it."""

    name: str
    label: str
    type: str = "text"  # text, password, url, number, select
    required: bool = True
    help: str = ""
    options: tuple[str, ...] = ()
    default: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "help": self.help,
        }
        if self.type == "select":
            data["options"] = list(self.options)
        if self.default is not None:
            data["default"] = self.default
        return data


@dataclass(frozen=True)
class AdapterContext:
    """What an adapter may know about its surroundings."""

    allow_private_targets: bool = False
    timeout: float = 15.0


class Adapter(Protocol):
    """Talks to one kind of system with a customer's credentials."""

    def check_credentials(self, credentials: dict[str, str]) -> None:
        """Sign in once; raise an :class:`AdapterError` when that fails."""

    def fetch_summary(self, credentials: dict[str, str]) -> dict[str, Any]:
        """Read a small first summary of the system's data and return it."""


@dataclass(frozen=True)
class System:
    key: str
    name: str
    tier: int
    deployment: str  # cloud or on_prem
    fields: tuple[CredentialField, ...]
    adapter: type
    description: str = ""
    keywords: tuple[str, ...] = field(default_factory=tuple)

    @property
    def credits(self) -> int:
        cost = TIER_CREDITS[self.tier]
        return cost * 2 if self.deployment == "on_prem" else cost

    def make_adapter(self, context: AdapterContext) -> Adapter:
        return self.adapter(context)  # type: ignore[no-any-return]

    def brief(self) -> dict[str, Any]:
        """Return the short form used inside the connection object."""
        return {
            "key": self.key,
            "name": self.name,
            "tier": self.tier,
            "deployment": self.deployment,
        }

    def as_json(self) -> dict[str, Any]:
        return {
            **self.brief(),
            "credits": self.credits,
            "description": self.description,
            "fields": [f.as_json() for f in self.fields],
        }


class AdapterError(Exception):
    """A sign-in or read failed for a reason the customer can act on.

    ``field`` names the credential input the error is about, when there is one;
    ``retryable`` tells the sync whether trying later may help.
    """

    code: ClassVar[str] = "SYSTEM_ERROR"
    retryable: ClassVar[bool] = True

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidCredentials(AdapterError):
    """The system refused the credentials themselves."""

    code = "INVALID_CREDENTIALS"
    retryable = False


class AccountLocked(AdapterError):
    code = "ACCOUNT_LOCKED"
    retryable = False


class InvalidInput(AdapterError):
    """A value is malformed before anything is sent (bad URL, port...)."""

    code = "INVALID_FIELD"
    retryable = False


class TargetNotAllowed(AdapterError):
    """The host resolves to an address customers may not point us at."""

    code = "TARGET_NOT_ALLOWED"
    retryable = False


class Unreachable(AdapterError):
    code = "UNREACHABLE"


class TlsFailure(AdapterError):
    code = "TLS_ERROR"


class TimedOut(AdapterError):
    code = "TIMEOUT"


class NotThatSystem(AdapterError):
    """Something answered, but it is not the system the customer picked."""

    code = "NOT_THAT_SYSTEM"
    retryable = False


class SystemFailure(AdapterError):
    """The system answered with an error unrelated to the credentials."""

    code = "SYSTEM_ERROR"
