"""The contract's rules for ``user_metadata``, names and emails."""

from __future__ import annotations

import re
from typing import Any

from link_flow.errors import ValidationError
from link_flow.guards import has_unsafe_text

MAX_KEYS = 50
MAX_KEY_LENGTH = 40
MAX_STRING_VALUE = 500
MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 320
# Integers beyond 2**53 lose precision in JavaScript and many JSON readers.
MAX_SAFE_INTEGER = 2**53 - 1
# Deliberately loose: one @, something on both sides, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate_metadata(value: Any, *, field: str = "user_metadata") -> dict[str, Any]:
    """Return ``value`` if it is valid metadata; raise naming the bad key."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{field} must be a JSON object.", field=field)
    if len(value) > MAX_KEYS:
        raise ValidationError(
            f"{field} has {len(value)} keys; at most {MAX_KEYS} are allowed.",
            field=field,
        )
    for key, item in value.items():
        if (
            not isinstance(key, str)
            or not 1 <= len(key) <= MAX_KEY_LENGTH
            or has_unsafe_text(key)
        ):
            raise ValidationError(
                f"{field} key {key!r} must be 1 to {MAX_KEY_LENGTH} characters.",
                field=f"{field}.{key}",
            )
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int | float):
            if (
                item != item
                or item in (float("inf"), float("-inf"))
                or (isinstance(item, int) and abs(item) > MAX_SAFE_INTEGER)
            ):
                raise ValidationError(
                    f"{field} key {key!r} must be a finite number within "
                    f"±{MAX_SAFE_INTEGER}.",
                    field=f"{field}.{key}",
                )
            continue
        if isinstance(item, str):
            if has_unsafe_text(item):
                raise ValidationError(
                    f"{field} key {key!r} holds a NUL byte or invalid Unicode.",
                    field=f"{field}.{key}",
                )
            if len(item) > MAX_STRING_VALUE:
                raise ValidationError(
                    f"{field} key {key!r} has a string of {len(item)} characters; "
                    f"at most {MAX_STRING_VALUE} are allowed.",
                    field=f"{field}.{key}",
                )
            continue
        raise ValidationError(
            f"{field} key {key!r} must be a string, number, boolean or null, "
            "not a nested object or list.",
            field=f"{field}.{key}",
        )

    return dict(value)


def clean_name(value: Any, *, field: str = "name") -> str:
    """Return the trimmed connection name; raise when missing or too long."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Give the connection a name.", field=field)
    name = value.strip()
    if has_unsafe_text(name):
        raise ValidationError(
            "The name holds a NUL byte or invalid Unicode.", field=field
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"The name is {len(name)} characters; at most {MAX_NAME_LENGTH}.",
            field=field,
        )
    return name


def clean_email(
    value: Any, *, field: str = "email", required: bool = False
) -> str | None:
    """Return the trimmed email or ``None``; raise when it is not an address."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError("Enter an email address.", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError("The email must be a string.", field=field)
    email = value.strip()
    if (
        len(email) > MAX_EMAIL_LENGTH
        or not _EMAIL.match(email)
        or has_unsafe_text(email)
    ):
        raise ValidationError(
            "That is not an email address; use the form name@example.com.",
            field=field,
        )
    return email
