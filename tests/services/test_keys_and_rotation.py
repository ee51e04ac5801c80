"""Signing keys and encryption keys rotate without breaking what exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from link_flow import create_app
from link_flow.config import ConfigError
from link_flow.services import crypto, signing

OLD_KEY = "old-secret-key-" + "o" * 32
NEW_KEY = "new-secret-key-" + "n" * 32


def app_with(tmp_path: Path, **config: object):  # type: ignore[no-untyped-def]
    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "TESTING": True}
    return create_app({**base, **config}, instance_path=str(tmp_path / "instance"))


def test_a_magic_link_signed_with_an_old_key_verifies_through_fallbacks(
    tmp_path: Path,
) -> None:
    with app_with(tmp_path, SECRET_KEY=OLD_KEY).app_context():
        token = signing.sign_magic_link("ml_abc")
    rotated = app_with(tmp_path, SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY])
    with rotated.app_context():
        assert signing.read_magic_link(token) == "ml_abc"
        assert signing.sign_magic_link("ml_abc") != token
    dropped = app_with(tmp_path, SECRET_KEY=NEW_KEY)
    with dropped.app_context(), pytest.raises(signing.TokenInvalid):
        signing.read_magic_link(token)


def test_tokens_of_one_purpose_are_refused_for_another(tmp_path: Path) -> None:
    with app_with(tmp_path, SECRET_KEY=NEW_KEY).app_context():
        flow_token = signing.sign_flow_session({"l": "ml_abc"})
        link_token = signing.sign_magic_link("ml_abc")
        with pytest.raises(signing.TokenInvalid):
            signing.read_magic_link(flow_token)
        with pytest.raises(signing.TokenInvalid):
            signing.read_flow_session(link_token)


def test_an_expired_flow_token_is_told_apart_from_a_forged_one(tmp_path: Path) -> None:
    app = app_with(tmp_path, SECRET_KEY=NEW_KEY, FLOW_TOKEN_MAX_AGE=-1)
    with app.app_context():
        token = signing.sign_flow_session({"l": "ml_abc"})
        with pytest.raises(signing.TokenExpired):
            signing.read_flow_session(token)
        with pytest.raises(signing.TokenInvalid):
            signing.read_flow_session(token + "x")


def test_credentials_encrypted_under_an_old_key_still_decrypt_after_rotation(
    tmp_path: Path,
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with app_with(tmp_path, SECRET_KEY=NEW_KEY, ENCRYPTION_KEYS=[old]).app_context():
        stored = crypto.encrypt_json({"password": "s3cret"})
    assert "s3cret" not in stored
    rotated = app_with(tmp_path, SECRET_KEY=NEW_KEY, ENCRYPTION_KEYS=f"{new},{old}")
    with rotated.app_context():
        assert crypto.decrypt_json(stored) == {"password": "s3cret"}
        re_encrypted = crypto.rotate(stored)
    with app_with(tmp_path, SECRET_KEY=NEW_KEY, ENCRYPTION_KEYS=[new]).app_context():
        assert crypto.decrypt_json(re_encrypted) == {"password": "s3cret"}
        with pytest.raises(InvalidToken):
            crypto.decrypt_json(stored)


def test_a_short_secret_key_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        app_with(tmp_path, SECRET_KEY="too-short")


def test_a_generated_secret_key_is_kept_in_the_instance_folder(tmp_path: Path) -> None:
    first = app_with(tmp_path).config["SECRET_KEY"]
    second = app_with(tmp_path).config["SECRET_KEY"]
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "instance" / "secret_key").read_text() == first


def test_a_malformed_encryption_key_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Fernet"):
        app_with(tmp_path, SECRET_KEY=NEW_KEY, ENCRYPTION_KEYS="not-a-key")
