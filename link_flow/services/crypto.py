"""Encryption at rest and one-way hashing of stored secrets."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _fernet() -> MultiFernet:
    # The first key encrypts; every listed key decrypts, so keys can rotate.
    keys = current_app.config["ENCRYPTION_KEYS"]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_json(value: dict[str, Any]) -> str:
    """Return ``value`` serialised and encrypted with the current key."""
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    """Return the object in ``token``; raise ``InvalidToken`` if no key fits."""
    return json.loads(_fernet().decrypt(token.encode()))  # type: ignore[no-any-return]


def encrypt_text(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Return ``token`` re-encrypted under the current first key."""
    return _fernet().rotate(token.encode()).decode()


def hash_secret(value: str) -> str:
    """Return the SHA-256 hex digest used to store random tokens and secrets.

    These values carry 256 bits of randomness, so a fast hash is enough; a
    password-hashing function is kept for human passwords.
    """
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret(prefix: str, nbytes: int = 32) -> str:
    """Return a new random secret with a recognisable prefix."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


__all__ = [
    "InvalidToken",
    "decrypt_json",
    "decrypt_text",
    "encrypt_json",
    "encrypt_text",
    "hash_secret",
    "new_secret",
    "rotate",
]
