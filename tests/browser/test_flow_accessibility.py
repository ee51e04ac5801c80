"""axe-core finds no accessibility violations in any step of the flow."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import AdminApi


def assert_accessible(page: Any, where: str) -> None:
    results = Axe().run(page)
    violations = results.response["violations"]
    assert violations == [], f"{where}: " + "; ".join(
        f"{v['id']} ({len(v['nodes'])})" for v in violations
    )


def test_every_flow_step_passes_axe(page: Any, admin: AdminApi) -> None:
    link = admin.create_link(name="<b>Plant</b> מפעל 🏭")
    page.goto(link["url"])
    expect(page.get_by_role("searchbox", name="Search systems")).to_be_visible()
    assert_accessible(page, "welcome and picker")

    expect(page.get_by_role("searchbox", name="Search systems")).to_be_visible()
    assert_accessible(page, "picker")

    page.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    page.get_by_label("Username", exact=True).fill("demo")
    page.get_by_label("Password", exact=True).fill("wrong")
    page.get_by_label("Email", exact=True).fill("ops@example.com")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "credentials with an error")

    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()
    assert_accessible(page, "connected")

    page.goto("about:blank")
    page.goto(link["url"])
    expect(page.get_by_role("heading", name=re.compile("Already"))).to_be_visible()
    assert_accessible(page, "used link page")


def test_the_flow_fits_a_320_pixel_screen(browser: Any, admin: AdminApi) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    link = admin.create_link()
    page.goto(link["url"])
    page.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert overflow is False
    context.close()
