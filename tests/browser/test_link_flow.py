"""The whole link flow in Debian's Chromium against a live server and worker."""

from __future__ import annotations

import re
import time
from typing import Any

import requests
from playwright.sync_api import expect

from tests.adapters.conftest import PostgresCluster
from tests.browser.conftest import AdminApi
from tests.conftest import ARTIFACTS
from tests.fakes.odoo import FakeOdoo, OdooDatabase


def wait_for_status(admin: AdminApi, connection_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        connection = admin.connection(connection_id)
        if connection["status"] == status:
            return connection
        time.sleep(0.2)
    raise AssertionError(f"{connection_id} never became {status}: {connection}")


def start_flow(page: Any, url: str) -> None:
    page.goto(url)


def test_magic_link_finished_in_chromium_becomes_active_with_its_metadata(
    page: Any, admin: AdminApi
) -> None:
    link = admin.create_link(user_metadata={"customer_id": "C-1001", "site": "מפעל"})
    connection_id = link["connection"]["id"]
    # A mail scanner and a preview bot open the link before the customer.
    path = link["url"].split("#", 1)[0]
    assert requests.get(path, timeout=10).status_code == 200
    assert requests.head(path, timeout=10).status_code == 200

    start_flow(page, link["url"])
    page.get_by_role("searchbox", name="Search systems").fill("sand")
    expect(page.get_by_role("button", name=re.compile("^Odoo"))).to_be_hidden()
    page.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()

    page.get_by_label("Username", exact=True).fill("demo")
    page.get_by_label("Password", exact=True).fill("wrong-password")
    page.get_by_label("Email", exact=True).fill("ops@example.com")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_contain_text("password")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    assert admin.connection(connection_id)["status"] == "pending"

    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "flow-connected.png"))

    connection = wait_for_status(admin, connection_id, "active")
    assert connection["user_metadata"] == {"customer_id": "C-1001", "site": "מפעל"}
    assert connection["system"]["key"] == "sandbox"
    assert connection["credits"] == 1
    assert connection["email"] == "ops@example.com"
    assert connection["connected_at"] is not None
    assert connection["last_sync"] is not None


def test_back_returns_through_each_step(page: Any, admin: AdminApi) -> None:
    link = admin.create_link(email="ops@example.com")
    start_flow(page, link["url"])
    page.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    expect(page.get_by_label("Username", exact=True)).to_be_visible()

    page.get_by_role("button", name="Back").click()
    expect(page.get_by_role("searchbox", name="Search systems")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    page.go_back()
    expect(page.get_by_role("searchbox", name="Search systems")).to_be_visible()


def test_slow_sign_in_shows_a_status_while_checking(page: Any, admin: AdminApi) -> None:
    link = admin.create_link(email="ops@example.com", systems=["sandbox"])
    start_flow(page, link["url"])
    page.get_by_label("Username", exact=True).fill("slow")
    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile("[Cc]hecking"))
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible(
        timeout=15_000
    )


def test_locked_account_error_names_the_lock(page: Any, admin: AdminApi) -> None:
    link = admin.create_link(email="ops@example.com", systems=["sandbox"])
    start_flow(page, link["url"])
    page.get_by_label("Username", exact=True).fill("locked")
    page.get_by_label("Password", exact=True).fill("anything")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_contain_text("locked")


def test_a_used_link_shows_already_connected_and_no_flow(
    page: Any, admin: AdminApi
) -> None:
    link = admin.create_link(email="ops@example.com", systems=["sandbox"])
    start_flow(page, link["url"])
    page.get_by_label("Username", exact=True).fill("demo")
    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()

    page.goto("about:blank")
    response = page.goto(link["url"])
    assert response.status == 410
    expect(
        page.get_by_role("heading", name=re.compile("Already connected"))
    ).to_be_visible()
    expect(page.get_by_role("button", name="Connect")).to_have_count(0)


def test_a_revoked_link_says_so(page: Any, admin: AdminApi) -> None:
    link = admin.create_link()
    assert admin.call("DELETE", f"/api/v1/magic-links/{link['id']}").status_code == 200
    response = page.goto(link["url"])
    assert response.status == 410
    expect(page.get_by_text(re.compile("withdr", re.I)).first).to_be_visible()
    expect(page.get_by_role("button", name="Connect")).to_have_count(0)


def test_a_damaged_token_shows_a_clear_error_and_no_flow(
    page: Any, admin: AdminApi
) -> None:
    link = admin.create_link()
    page.goto(link["url"][:-4] + "AAAA")
    expect(page.get_by_role("heading", name=re.compile("damaged"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Sandbox CMMS"))).to_have_count(
        0
    )


def test_two_tabs_submitting_at_once_finalise_exactly_one(
    browser: Any, admin: AdminApi
) -> None:
    link = admin.create_link(email="ops@example.com", systems=["sandbox"])
    pages = [browser.new_context().new_page() for _ in range(2)]
    for tab in pages:
        start_flow(tab, link["url"])
        tab.get_by_label("Username", exact=True).fill("slow")
        tab.get_by_label("Password", exact=True).fill("demo-password")
    for tab in pages:
        tab.get_by_role("button", name="Connect").click()

    outcomes = []
    for tab in pages:
        heading = tab.get_by_role(
            "heading", name=re.compile("Connected|Already connected")
        )
        expect(heading).to_be_visible(timeout=15_000)
        outcomes.append(heading.inner_text())
    assert sum(1 for text in outcomes if text.startswith("Connected")) == 1
    account = admin.call("GET", "/api/v1/account").json()
    assert account["credits"]["used"] == 1
    for tab in pages:
        tab.context.close()


def test_odoo_through_a_local_jsonrpc_fake_in_chromium(
    page: Any, admin: AdminApi
) -> None:
    databases = {
        "plant": OdooDatabase(
            users={"maint@example.com": ("odoo-secret", 7)},
            counts={"res.partner": 4, "maintenance.equipment": 2},
        )
    }
    with FakeOdoo(databases) as odoo:
        link = admin.create_link(email="ops@example.com", systems=["odoo", "sandbox"])
        start_flow(page, link["url"])
        page.get_by_role("button", name=re.compile("^Odoo")).click()
        page.get_by_label("Instance URL", exact=True).fill(odoo.url)
        page.get_by_label("Username", exact=True).fill("maint@example.com")
        page.get_by_label("Password", exact=True).fill("nope")
        page.get_by_role("button", name="Connect").click()
        expect(page.get_by_label("Password", exact=True)).to_have_attribute(
            "aria-invalid", "true"
        )

        page.get_by_label("Password", exact=True).fill("odoo-secret")
        page.get_by_role("button", name="Connect").click()
        expect(
            page.get_by_role("heading", name=re.compile("Connected"))
        ).to_be_visible()
        connection = wait_for_status(admin, link["connection"]["id"], "active")
    assert connection["system"] == {
        "key": "odoo",
        "name": "Odoo",
        "tier": 2,
        "deployment": "cloud",
    }
    assert connection["credits"] == 2


def test_postgresql_with_a_real_password_login_in_chromium(
    page: Any, admin: AdminApi, postgres_cluster: PostgresCluster
) -> None:
    link = admin.create_link(email="ops@example.com", systems=["postgresql"])
    start_flow(page, link["url"])
    page.get_by_label("Host", exact=True).fill(postgres_cluster.host)
    page.get_by_label("Port", exact=True).fill(str(postgres_cluster.port))
    page.get_by_label("Database", exact=True).fill(postgres_cluster.database)
    page.get_by_label("Username", exact=True).fill(postgres_cluster.username)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_label("TLS mode", exact=True).select_option("disable")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )

    page.get_by_label("Password", exact=True).fill(postgres_cluster.password)
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()
    connection = wait_for_status(admin, link["connection"]["id"], "active")
    assert connection["credits"] == 2
