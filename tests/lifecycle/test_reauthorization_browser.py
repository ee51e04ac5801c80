"""Issue 3's story end to end in Debian's Chromium, on a live server and worker.

Connect in the browser, lose the authorisation when the sandbox password
changes, get a signed webhook, reconnect with a reconnect link in the
browser, and disconnect.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from link_flow.cli import main as link_flow_cli
from link_flow.jobs.tasks import queue_due_syncs
from tests.conftest import LiveServer, Partner
from tests.lifecycle.steps import wait_for
from tests.lifecycle.test_sync import make_sync_due
from tests.webhooks.receiver import WebhookReceiver
from tests.webhooks.steps import verify

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


class PartnerApi:
    """The partner's side over real HTTP."""

    def __init__(self, server: LiveServer, partner: Partner) -> None:
        self.server = server
        self.partner = partner

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("headers", self.partner.headers)
        return requests.request(
            method, f"{self.server.url}{path}", timeout=15, **kwargs
        )

    def connection(self, connection_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/connections/{connection_id}").json()

    def wait_until(self, connection_id: str, status: str) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            connection = self.connection(connection_id)
            return connection if connection["status"] == status else None

        return wait_for(reached, interval=0.1)


def sign_in(page: Any, url: str, password: str, *, pick: bool) -> None:
    page.goto(url)
    if pick:
        page.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    page.get_by_label("Username", exact=True).fill("demo")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Connect").click()


def test_a_reconnect_link_finished_in_chromium_restores_the_connection(
    page: Any,
    live_server: LiveServer,
    live_partner: Partner,
    webhook_receiver: WebhookReceiver,
) -> None:
    api = PartnerApi(live_server, live_partner)
    api.call("PATCH", "/api/v1/account", json={"webhook_url": webhook_receiver.url})
    secret = api.call("POST", "/api/v1/account/webhook-secret").json()["secret"]
    link = api.call(
        "POST",
        "/api/v1/magic-links",
        json={
            "name": "Plant 4",
            "email": "ops@example.com",
            "user_metadata": {"customer_id": "C-1001"},
        },
    ).json()
    connection_id = link["connection"]["id"]

    sign_in(page, link["url"], "demo-password", pick=True)
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()
    first = api.wait_until(connection_id, "active")
    old_pair = api.call("POST", f"/api/v1/connections/{connection_id}/tokens").json()

    changed = live_server.app.test_cli_runner().invoke(
        link_flow_cli, ["sandbox", "set-password", "demo", "--password", "new-pw-1"]
    )
    assert changed.exit_code == 0, changed.output
    make_sync_due(live_server.app, connection_id)
    queue_due_syncs()  # the sweep, through the queue like the scheduler's

    lost = api.wait_until(connection_id, "inactive")
    assert lost["status_reason"] == "reauthorization_required"
    webhook_receiver.wait_for(
        lambda: bool(webhook_receiver.of_type("connection.reauthorization_required"))
    )
    [notice] = webhook_receiver.of_type("connection.reauthorization_required")
    assert verify(secret, notice)["data"]["connection"]["id"] == connection_id

    reconnect = api.call("POST", f"/api/v1/connections/{connection_id}/magic-link")
    assert reconnect.status_code == 201
    sign_in(page, reconnect.json()["url"], "demo-password", pick=False)
    expect(page.get_by_role("alert")).to_contain_text("password")
    page.get_by_label("Password", exact=True).fill("new-pw-1")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()

    back = api.wait_until(connection_id, "active")
    for kept in ("id", "name", "email", "user_metadata", "created_at", "credits"):
        assert back[kept] == first[kept], kept
    old = requests.get(
        f"{live_server.url}/api/v1/connection",
        headers={"Authorization": f"Bearer {old_pair['access_token']}"},
        timeout=10,
    )
    assert old.status_code == 401 and "WWW-Authenticate" in old.headers
    new_pair = api.call("POST", f"/api/v1/connections/{connection_id}/tokens").json()
    own = requests.get(
        f"{live_server.url}/api/v1/connection",
        headers={"Authorization": f"Bearer {new_pair['access_token']}"},
        timeout=10,
    )
    assert own.status_code == 200 and own.json()["status"] == "active"
    events = api.call("GET", f"/api/v1/connections/{connection_id}/events").json()
    types = [e["type"] for e in events["data"]]
    assert types[0] == "created" and "reconnected" in types

    assert api.call("DELETE", f"/api/v1/connections/{connection_id}").ok
    account = api.call("GET", "/api/v1/account").json()
    assert account["credits"]["used"] == 0
