"""The initial sync runs on the real queue and leaves the connection active."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.conftest import LiveServer, Partner


def wait_for(predicate: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def finish_link(server: LiveServer, partner: Partner, **credentials: str) -> dict:
    link = requests.post(
        f"{server.url}/api/v1/magic-links",
        json={"name": "Line 2", "email": "a@example.com", "user_metadata": {"k": "v"}},
        headers=partner.headers,
        timeout=10,
    ).json()
    token = link["url"].split("#", 1)[1]
    session = requests.post(
        f"{server.url}/flow/api/session",
        json={"link_id": link["id"], "token": token},
        timeout=10,
    ).json()
    response = requests.post(
        f"{server.url}/flow/api/connect",
        json={
            "system": "sandbox",
            "credentials": credentials
            or {"username": "demo", "password": "demo-password"},
        },
        headers={"X-Link-Flow-Token": session["flow_token"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return link


def test_connection_goes_synchronizing_then_active_with_last_sync(
    live_server: LiveServer, live_partner: Partner
) -> None:
    link = finish_link(live_server, live_partner)
    url = f"{live_server.url}/api/v1/connections/{link['connection']['id']}"

    def active() -> dict | None:
        body = requests.get(url, headers=live_partner.headers, timeout=10).json()
        return body if body["status"] == "active" else None

    connection = wait_for(active)
    assert connection["last_sync"] is not None
    assert connection["last_sync"] >= connection["connected_at"]
    events = requests.get(
        url + "/events", headers=live_partner.headers, timeout=10
    ).json()["data"]
    steps = [
        (e["detail"].get("from"), e["detail"].get("to"))
        for e in events
        if e["type"] == "status_changed"
    ]
    assert steps == [
        ("pending", "synchronizing"),
        ("synchronizing", "in_progress"),
        ("in_progress", "active"),
    ]
    assert "sync_completed" in [e["type"] for e in events]
