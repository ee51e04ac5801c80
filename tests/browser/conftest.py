"""Browser test helpers: a page per test, and Admin API calls over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.adapters.conftest import postgres_cluster  # noqa: F401  (a fixture)
from tests.conftest import ARTIFACTS, LiveServer, Partner


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            # A picture of the page at failure, for CI logs and people.
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"))
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


class AdminApi:
    """The partner's side, over real HTTP with its admin token."""

    def __init__(self, server: LiveServer, partner: Partner) -> None:
        self.server = server
        self.partner = partner

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method,
            f"{self.server.url}{path}",
            headers=self.partner.headers,
            timeout=15,
            **kwargs,
        )

    def create_link(self, **body: Any) -> dict[str, Any]:
        payload = {
            "name": "Plant 4 maintenance",
            "user_metadata": {"customer_id": "C-1001"},
        }
        payload.update(body)
        response = self.call("POST", "/api/v1/magic-links", json=payload)
        assert response.status_code == 201, response.text
        return response.json()

    def connection(self, connection_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/connections/{connection_id}").json()


@pytest.fixture
def admin(live_server: LiveServer, live_partner: Partner) -> AdminApi:
    return AdminApi(live_server, live_partner)
