"""Load settings from ``LINK_FLOW_*`` variables and the instance folder."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from flask import Flask

MIN_SECRET_KEY_LENGTH = 32
TRUE_WORDS = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """A setting is missing or unusable; the message says which and why."""


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``overrides``."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    app.config.update(
        DATABASE_URL=f"sqlite:///{instance / 'link-flow.sqlite3'}",
        PUBLIC_URL="http://127.0.0.1:5000",
        REDIS_URL=None,
        ALLOW_PRIVATE_TARGETS=False,
        SECRET_KEY_FALLBACKS=[],
        ENCRYPTION_KEYS=None,
        JOBS_IMMEDIATE=False,
        ADAPTER_TIMEOUT=15.0,
        FLOW_TOKEN_MAX_AGE=3600,
        TRUST_PROXY=False,
    )
    app.config.from_prefixed_env("LINK_FLOW", loads=_lenient_json)
    if overrides:
        app.config.update(overrides)

    app.config["ALLOW_PRIVATE_TARGETS"] = _as_bool(app.config["ALLOW_PRIVATE_TARGETS"])
    app.config["TRUST_PROXY"] = _as_bool(app.config["TRUST_PROXY"])
    app.config["PUBLIC_URL"] = str(app.config["PUBLIC_URL"]).rstrip("/")
    app.config["SECRET_KEY"] = _secret_key(app, instance)
    fallbacks = _fallback_keys(app.config["SECRET_KEY_FALLBACKS"])
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    app.config["ENCRYPTION_KEYS"] = _encryption_keys(app, instance)
    app.config["SQLALCHEMY_DATABASE_URI"] = _sqlalchemy_url(app.config["DATABASE_URL"])
    # hide_parameters keeps emails and other row values out of error logs.
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True, "hide_parameters": True}
    )


def _lenient_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_WORDS


def _string_list(value: Any, name: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{name} must be a JSON list of strings")
    return value


def _secret_key(app: Flask, instance: Path) -> str:
    key = app.config.get("SECRET_KEY")
    if not key:
        key = _read_or_create(
            instance / "secret_key", lambda: secrets.token_urlsafe(48)
        )
    key = str(key)
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"LINK_FLOW_SECRET_KEY is {len(key)} characters long; "
            f"use at least {MIN_SECRET_KEY_LENGTH} random characters"
        )
    return key


def _fallback_keys(value: Any) -> list[str]:
    """Return earlier signing keys; each must be as strong as the current one."""
    if isinstance(value, str) and value:
        raise ConfigError(
            'LINK_FLOW_SECRET_KEY_FALLBACKS must be a JSON list, e.g. ["old-key"]'
        )
    keys = _string_list(value, "LINK_FLOW_SECRET_KEY_FALLBACKS")
    for position, key in enumerate(keys):
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"LINK_FLOW_SECRET_KEY_FALLBACKS entry {position} is shorter than "
                f"{MIN_SECRET_KEY_LENGTH} characters; a weak old key lets anyone "
                "forge links"
            )
    return keys


def _encryption_keys(app: Flask, instance: Path) -> list[str]:
    value = app.config.get("ENCRYPTION_KEYS")
    if not value:
        value = [
            _read_or_create(
                instance / "encryption_key", lambda: Fernet.generate_key().decode()
            )
        ]
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    keys = _string_list(value, "LINK_FLOW_ENCRYPTION_KEYS")
    for position, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"LINK_FLOW_ENCRYPTION_KEYS entry {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from exc
    return keys


def _read_or_create(path: Path, make: Any) -> str:
    """Return the value kept in ``path``, creating it once, race-free."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass

    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)

    return value


def _sqlalchemy_url(url: str) -> str:
    """Map plain ``postgres://`` URLs onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
