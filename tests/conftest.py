"""Shared fixtures: an app on SQLite or PostgreSQL, accounts, tokens, a live server."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from link_flow import create_app
from link_flow.extensions import db

POSTGRES_ADMIN_DSN = os.environ.get(
    "LINK_FLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET_KEY = "test-secret-key-" + "x" * 32


def _create_postgres_database() -> tuple[str, str]:
    name = "lf_test_" + secrets.token_hex(6)
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_postgres_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_test_app(tmp_path: Path, database_url: str, **extra: Any) -> Flask:
    """Build an app with its schema made by the Alembic migrations."""
    config = {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "ALLOW_PRIVATE_TARGETS": True,
        "ENCRYPTION_KEYS": None,
        **extra,
    }
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield a fresh database URL: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'link-flow.sqlite3'}"
        return
    name, url = _create_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


def close_app(app: Flask) -> None:
    """Close every connection the app and its queue hold."""
    from link_flow.jobs.queue import huey

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    huey.storage.close()


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """An app on each database. No app context stays pushed, so every test
    request gets its own session, as in production."""
    app = make_test_app(tmp_path, database_url)
    yield app
    close_app(app)


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on SQLite only, for tests whose subject is not the database."""
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'link-flow.sqlite3'}")
    yield app
    close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Partner:
    """A test account with its client credentials and an admin token."""

    account_id: str
    client_id: str
    client_secret: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def create_partner(
    client: FlaskClient,
    *,
    name: str = "Acme Ltd",
    plan: str = "paid",
    starting_credits: int | None = 10,
    origins: list[str] | None = None,
    redirect_uris: list[str] | None = None,
) -> Partner:
    """Create an account through the service layer and get an admin token."""
    from link_flow.services.accounts import create_account

    with client.application.app_context():
        account, secret = create_account(
            name,
            plan=plan,
            starting_credits=starting_credits,
            origins=origins,
            redirect_uris=redirect_uris,
        )
        client_id = account.client_id
        account_id = account.id
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    return Partner(
        account_id, client_id, secret, body["access_token"], body["refresh_token"]
    )


@pytest.fixture
def partner(client: FlaskClient) -> Partner:
    return create_partner(client)


class LiveServer:
    """The app served over real HTTP on a loopback port, in a thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


class JobWorker:
    """A Huey consumer in this process, like ``link-flow worker``."""

    def __init__(self, app: Flask) -> None:
        from link_flow.jobs.queue import huey

        self.consumer = huey.create_consumer(
            workers=2,
            worker_type="thread",
            periodic=True,
            check_worker_health=False,
            max_delay=0.5,
        )
        # Signal handlers belong to the test runner, not to this consumer.
        self.consumer._set_signal_handlers = lambda: None

    def start(self) -> JobWorker:
        self.consumer.start()
        return self

    def stop(self) -> None:
        self.consumer.stop(graceful=True)


CHROMIUM = os.environ.get("LINK_FLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright. Missing Chromium fails, never skips."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a SQLite file, for serving over HTTP with a job worker."""
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'link-flow.sqlite3'}")
    yield app
    close_app(app)


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    """The app on a real loopback HTTP port, with a running job worker."""
    server = LiveServer(live_app)
    live_app.config["PUBLIC_URL"] = server.url
    worker = JobWorker(live_app).start()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        worker.stop()


@pytest.fixture
def live_partner(live_app: Flask) -> Partner:
    return create_partner(live_app.test_client())
