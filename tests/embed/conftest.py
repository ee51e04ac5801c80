"""Embedding tests: link-flow on 127.0.0.1, the example partner page on
127.0.0.2 (an allowed origin) and on 127.0.0.3 (not allowed), so every
frame and popup is cross-site.

The browser is Debian's Chromium launched with third-party cookies blocked
(``--test-third-party-cookie-phaseout``; Playwright also turns off storage
partitioning, so a cross-site frame's ``localStorage`` throws) and with its
popup blocker on (Playwright's default ``--disable-popup-blocking`` is
dropped).
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    Partner,
    create_partner,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BLOCK_THIRD_PARTY_COOKIES = "--test-third-party-cookie-phaseout"


def load_partner_app_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "link_flow_example_partner_app", EXAMPLES / "partner_app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Site:
    """A WSGI app served on one loopback address, in a thread."""

    def __init__(self, app: Flask, host: str) -> None:
        self._server = make_server(host, 0, app, threaded=True)
        self.origin = f"http://{host}:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Site:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@dataclass
class Embedding:
    """link-flow, a partner account, and the partner's page on two origins."""

    server: LiveServer
    partner: Partner
    site: Site
    forbidden: Site


@pytest.fixture
def embedding(
    live_server: LiveServer, live_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Embedding]:
    # The example exchanges codes with requests-oauthlib over loopback HTTP.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    partner_app = load_partner_app_module().create_partner_app(live_server.url)
    site = Site(partner_app, "127.0.0.2")
    forbidden = Site(partner_app, "127.0.0.3")
    partner = create_partner(
        live_app.test_client(),
        name="Fleetwise",
        origins=[site.origin],
        redirect_uris=[f"{site.origin}/callback", f"{forbidden.origin}/callback"],
    )
    partner_app.config.update(
        CLIENT_ID=partner.client_id, CLIENT_SECRET=partner.client_secret
    )
    site.start()
    forbidden.start()
    try:
        yield Embedding(live_server, partner, site, forbidden)
    finally:
        site.stop()
        forbidden.stop()


@pytest.fixture(scope="session")
def embed_browser(browser: Any) -> Iterator[Any]:
    """A second Chromium from the same Playwright, set up as the docstring says."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, BLOCK_THIRD_PARTY_COOKIES],
        ignore_default_args=["--disable-popup-blocking"],
        headless=True,
    )
    yield chromium
    chromium.close()


def open_context(browser: Any, request: pytest.FixtureRequest, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    request.addfinalizer(lambda: _close(context, request))
    return context


def _close(context: Any, request: pytest.FixtureRequest) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for number, page in enumerate(context.pages):
            page.screenshot(
                path=str(ARTIFACTS / f"failed-{request.node.name}-{number}.png")
            )
    context.close()


@pytest.fixture
def partner_page(embed_browser: Any, request: pytest.FixtureRequest) -> Any:
    """A desktop-sized page; the SDK's console output is collected on it."""
    page = open_context(
        embed_browser, request, viewport={"width": 1280, "height": 900}
    ).new_page()
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(message.text))
    return page


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def open_partner_page(page: Any, origin: str, query: str = "") -> None:
    page.goto(f"{origin}/{query}")
    page.wait_for_selector("[data-partner][data-ready]", state="attached")


def partner_log(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("window.partnerLog")  # type: ignore[no-any-return]


def logged(page: Any, name: str) -> list[Any]:
    """Return the details of every ``name`` callback the partner page logged."""
    return [entry["detail"] for entry in partner_log(page) if entry["name"] == name]


def wait_for_callback(page: Any, name: str, count: int = 1) -> list[Any]:
    page.wait_for_function(
        "([name, count]) => window.partnerLog.filter(e => e.name === name).length"
        " >= count",
        arg=[name, count],
    )
    return logged(page, name)


def event_types(page: Any) -> list[str]:
    return [detail["type"] for detail in logged(page, "onEvent")]


def flow_frame(page: Any, server: LiveServer) -> Any:
    """Return the Frame of the flow's iframe (the one served by link-flow)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame != page.main_frame and frame.url.startswith(server.url):
                return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no link-flow frame in {[f.url for f in page.frames]}")


def no_secret_in(page: Any, *secrets: str) -> None:
    text = json.dumps(partner_log(page))
    for secret in secrets:
        assert secret not in text


def assert_accessible(page: Any, where: str) -> None:
    """Run axe-core on the partner page (the flow's own pages have their tests)."""
    violations = Axe().run(page).response["violations"]
    assert violations == [], f"{where}: " + "; ".join(
        f"{v['id']} ({len(v['nodes'])})" for v in violations
    )
