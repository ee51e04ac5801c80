"""Dashboard fixtures: an account with a signed-up user, signed in or not."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ARTIFACTS

SCREENSHOTS = ARTIFACTS / "screenshots"
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Owner:
    """A partner account and the dashboard user who signs in to it."""

    account_id: str
    email: str
    password: str


def make_owner(
    app: Flask,
    *,
    name: str = "Acme Ltd",
    email: str = "owner@acme.example",
    plan: str = "paid",
    starting_credits: int = 10,
) -> Owner:
    """Create an account and a dashboard user through the services."""
    from link_flow.dashboard.users import create_user
    from link_flow.services.accounts import create_account

    with app.app_context():
        account, _secret = create_account(
            name, plan=plan, starting_credits=starting_credits
        )
        create_user(account, email, PASSWORD)
        return Owner(account.id, email, PASSWORD)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str, **request: Any) -> Any:
    """Post the sign-in form as a browser would, token included."""
    page = client.get("/dashboard", follow_redirects=True, **request)
    return client.post(
        "/dashboard",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
        **request,
    )


@pytest.fixture
def owner(app: Flask) -> Owner:
    return make_owner(app)


@pytest.fixture
def signed_in(app: Flask, owner: Owner) -> FlaskClient:
    """A test client signed in as ``owner``."""
    client = app.test_client()
    response = sign_in(client, owner.email, owner.password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def form_token(client: FlaskClient, path: str) -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


@pytest.fixture
def live_owner(live_app: Flask) -> Owner:
    return make_owner(live_app)


@pytest.fixture
def dashboard(browser: Any, live_server: Any) -> Iterator[Any]:
    """A Chromium page of its own browser context, closed even on failure."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
