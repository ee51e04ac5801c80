"""The dashboard in Debian's Chromium, against a live server and job worker."""

from __future__ import annotations

import re
from typing import Any

import requests
from flask import Flask
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.dashboard.conftest import Owner, make_owner, screenshot
from tests.dashboard.test_connections_pages import add_link


def sign_in_with_keyboard(page: Any, server: LiveServer, owner: Owner) -> None:
    page.goto(f"{server.url}/dashboard")
    page.get_by_role("textbox", name="Email").focus()
    page.keyboard.type(owner.email)
    page.keyboard.press("Tab")
    page.keyboard.type(owner.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Connections", exact=True)).to_be_visible()


def finish_flow(page: Any, url: str) -> None:
    """Complete the customer's flow at ``url`` with the sandbox's demo user."""
    page.goto(url)
    sandbox = page.get_by_role("button", name=re.compile("^Sandbox CMMS"))
    username = page.get_by_label("Username", exact=True)
    expect(sandbox.or_(username).first).to_be_visible()
    if sandbox.is_visible():
        sandbox.click()
    username.fill("demo")
    page.get_by_label("Password", exact=True).fill("demo-password")
    email = page.get_by_label("Email", exact=True)
    if email.is_visible():
        email.fill("customer@example.com")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()


def test_partner_sends_a_link_and_watches_it_go_from_pending_to_active(
    dashboard: Any, live_server: LiveServer, live_owner: Owner
) -> None:
    page = dashboard
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/dashboard")
    screenshot(page, "sign-in")
    sign_in_with_keyboard(page, live_server, live_owner)
    expect(page.get_by_text("No connections yet")).to_be_visible()
    screenshot(page, "connections-empty")

    page.get_by_role("link", name="Create magic link").click()
    page.get_by_role("textbox", name="Connection name").fill("Plant 4 maintenance")
    page.get_by_role("textbox", name="Email").fill("ops@example.com")
    page.get_by_role("textbox", name="Key").fill("customer_id")
    page.get_by_role("textbox", name="Value").fill("C-1001")
    page.get_by_role("button", name="Add metadata").click()
    expect(page.get_by_role("textbox", name="Key").nth(1)).to_be_focused()
    page.get_by_role("textbox", name="Key").nth(1).fill("site")
    page.get_by_role("textbox", name="Value").nth(1).fill("מפעל 4")
    expect(page.get_by_text(re.compile("Connecting costs up to"))).to_be_visible()
    page.get_by_role("checkbox", name=re.compile("^Sandbox CMMS")).check()
    expect(page.get_by_text("Connecting costs up to 1 credit;")).to_be_visible()
    screenshot(page, "create-magic-link")
    page.get_by_role("button", name="Create link").click()

    magic_link = page.get_by_role("textbox", name="Magic link")
    expect(magic_link).to_have_value(re.compile(r"/link/ml_\w+#"))
    url = magic_link.input_value()
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    screenshot(page, "connection-pending")

    page.get_by_role("link", name="Connections", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Plant 4 maintenance")
    expect(row).to_contain_text("Pending")
    expect(row).to_contain_text("ops@example.com")
    screenshot(page, "connections-pending")

    # The customer finishes the flow in another page; this one is not reloaded.
    customer = page.context.new_page()
    finish_flow(customer, url)
    customer.close()
    expect(row).to_contain_text("Active", timeout=30_000)
    expect(row).to_contain_text("Sandbox CMMS")
    screenshot(page, "connections-active")

    page.get_by_role("link", name="Plant 4 maintenance").click()
    properties = page.get_by_role("region", name="Properties")
    expect(properties).to_contain_text("C-1001")
    expect(properties).to_contain_text("מפעל 4")
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Magic link created")
    expect(timeline).to_contain_text("Connected: Sandbox CMMS")
    expect(timeline).to_contain_text("to Active")
    expect(page.get_by_role("region", name="Magic link")).to_contain_text("used")
    screenshot(page, "connection-active")


def test_token_reconnect_link_revoke_and_disconnect(
    dashboard: Any, live_server: LiveServer, live_owner: Owner
) -> None:
    page = dashboard
    sign_in_with_keyboard(page, live_server, live_owner)
    page.get_by_role("link", name="Create magic link").click()
    page.get_by_role("textbox", name="Connection name").fill("Line 2")
    page.get_by_role("button", name="Create link").click()
    url = page.get_by_role("textbox", name="Magic link").input_value()
    customer = page.context.new_page()
    finish_flow(customer, url)
    customer.close()
    expect(page.get_by_role("heading", name="Line 2")).to_be_visible()
    status = page.get_by_role("region", name="Properties")
    expect(status).to_contain_text("Active", timeout=30_000)
    # The email the customer gave in the flow shows up without a reload too.
    expect(status).to_contain_text("customer@example.com")
    page.get_by_role("button", name="Refresh the page").click()

    page.get_by_role("button", name="Generate connection token").click()
    access_token = page.get_by_role("textbox", name="Access token").input_value()
    screenshot(page, "connection-token")
    answer = requests.get(
        f"{live_server.url}/api/v1/connection",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["name"] == "Line 2"
    page.get_by_role("link", name="Back to Line 2").click()

    page.get_by_role("button", name="Create reconnect link").click()
    expect(
        page.get_by_role("status").filter(has_text="Reconnect link created")
    ).to_be_visible()
    reconnect_url = page.get_by_role("textbox", name="Magic link").input_value()
    assert requests.get(reconnect_url.split("#")[0], timeout=10).status_code == 200
    page.get_by_role("button", name="Revoke link").click()
    expect(page.get_by_role("textbox", name="Magic link")).to_have_count(0)
    expect(page.get_by_role("region", name="Magic link")).to_contain_text("revoked")
    assert requests.get(reconnect_url.split("#")[0], timeout=10).status_code == 410

    page.get_by_role("link", name="Disconnect…").click()
    expect(page.get_by_role("heading", name=re.compile("Disconnect"))).to_be_visible()
    screenshot(page, "disconnect-confirm")
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("1 credits returned to your balance")).to_be_visible()
    expect(status).to_contain_text("Inactive (disconnected by you)")
    page.get_by_role("link", name="Settings").click()
    credits = page.get_by_role("region", name="Credits")
    expect(credits).to_contain_text(re.compile(r"Available\s*10"))


def test_settings_round_trip_and_rotated_secrets_work(
    dashboard: Any, live_server: LiveServer, live_owner: Owner
) -> None:
    page = dashboard
    sign_in_with_keyboard(page, live_server, live_owner)
    page.get_by_role("link", name="Settings").click()

    page.get_by_role("textbox", name="Allowed embed origins").fill(
        "https://app.partner.example\nhttp://127.0.0.1:8001"
    )
    page.get_by_role("textbox", name="Redirect URIs").fill(
        "https://app.partner.example/callback"
    )
    page.get_by_role("textbox", name="Webhook URL").fill("http://127.0.0.1:9/hooks")
    page.get_by_role("textbox", name="Brand name").fill("Partner Tools")
    page.get_by_role("textbox", name="Brand colour").fill("#zz0000")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_contain_text("branding.color")
    expect(page.get_by_role("textbox", name="Brand colour")).to_have_attribute(
        "aria-invalid", "true"
    )

    page.get_by_role("textbox", name="Brand colour").fill("#aa3300")
    page.get_by_role("textbox", name="Logo URL").fill("https://127.0.0.1:9/logo.png")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("textbox", name="Allowed embed origins")).to_have_value(
        "https://app.partner.example\nhttp://127.0.0.1:8001"
    )
    expect(page.get_by_role("textbox", name="Brand name")).to_have_value(
        "Partner Tools"
    )
    expect(
        page.get_by_role("group", name="Preview of the flow's header")
    ).to_contain_text("Partner Tools")

    client_id = page.get_by_role("textbox", name="Client ID").input_value()
    page.get_by_role("button", name="Rotate client secret").click()
    secret = page.get_by_role("textbox", name="New client secret").input_value()
    page.get_by_role("button", name="Make webhook secret").click()
    expect(page.get_by_role("textbox", name="New webhook secret")).to_have_value(
        re.compile("^whsec_")
    )
    screenshot(page, "settings")

    # What the dashboard saved is what the Admin API reads, with the new secret.
    token = requests.post(
        f"{live_server.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    ).json()["access_token"]
    account = requests.get(
        f"{live_server.url}/api/v1/account",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert account["allowed_origins"] == [
        "https://app.partner.example",
        "http://127.0.0.1:8001",
    ]
    assert account["redirect_uris"] == ["https://app.partner.example/callback"]
    assert account["webhook_url"] == "http://127.0.0.1:9/hooks"
    assert account["branding"] == {
        "name": "Partner Tools",
        "color": "#aa3300",
        "logo_url": "https://127.0.0.1:9/logo.png",
    }


def test_another_accounts_connection_is_a_404_by_url(
    dashboard: Any, live_server: LiveServer, live_app: Flask, live_owner: Owner
) -> None:
    stranger = make_owner(live_app, name="Stranger", email="boss@stranger.example")
    theirs = add_link(live_app, stranger.account_id, "Their plant")
    page = dashboard
    sign_in_with_keyboard(page, live_server, live_owner)

    response = page.goto(f"{live_server.url}/dashboard/connections/{theirs}")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("Their plant")).to_have_count(0)


def test_a_post_without_the_csrf_token_is_refused_in_the_browser(
    dashboard: Any, live_server: LiveServer, live_owner: Owner
) -> None:
    page = dashboard
    sign_in_with_keyboard(page, live_server, live_owner)
    forged = page.request.post(
        f"{live_server.url}/dashboard/magic-links",
        form={"name": "Forged link", "expires_in": "86400"},
    )
    assert forged.status == 400
    assert "Form refused" in forged.text()
    page.reload()
    expect(page.get_by_text("Forged link")).to_have_count(0)


def test_the_dashboard_cannot_be_framed(
    dashboard: Any, live_server: LiveServer
) -> None:
    response = requests.get(f"{live_server.url}/dashboard", timeout=10)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"

    # From a page of the server's own origin, a frameable page (the flow's
    # "link not found") loads as the control; the dashboard must not.
    page = dashboard
    page.goto(f"{live_server.url}/static/dashboard/dashboard.css")
    page.set_content(
        f'<iframe title="control" src="{live_server.url}/link/ml_none"></iframe>'
        f'<iframe title="dashboard" src="{live_server.url}/dashboard"></iframe>'
    )
    control = page.frame_locator('iframe[title="control"]')
    expect(control.get_by_role("heading", name="Link not found")).to_be_visible()
    framed = page.frame_locator('iframe[title="dashboard"]')
    expect(framed.get_by_role("button", name="Sign in")).to_have_count(0)


def test_the_connections_table_fits_a_320_pixel_screen(
    browser: Any, live_server: LiveServer, live_app: Flask, live_owner: Owner
) -> None:
    add_link(live_app, live_owner.account_id, "Plant 4", metadata={"a": "b"})
    context = browser.new_context(viewport={"width": 320, "height": 720})
    try:
        page = context.new_page()
        sign_in_with_keyboard(page, live_server, live_owner)
        expect(page.get_by_role("table")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        screenshot(page, "connections-320px")
    finally:
        context.close()


def test_links_are_created_with_script_off_and_enter_submits(
    browser: Any, live_server: LiveServer, live_owner: Owner
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_with_keyboard(page, live_server, live_owner)
        page.get_by_role("link", name="Create magic link").click()
        page.get_by_role("textbox", name="Connection name").fill("No script plant")
        page.get_by_role("textbox", name="Key").fill("customer_id")
        page.get_by_role("textbox", name="Value").fill("C-7")
        page.get_by_role("button", name="Add metadata").click()
        expect(page.get_by_role("textbox", name="Key")).to_have_count(2)
        page.get_by_role("textbox", name="Value").nth(1).press("Enter")

        expect(page.get_by_role("textbox", name="Magic link")).to_be_visible()
        expect(page.get_by_role("region", name="Properties")).to_contain_text("C-7")
    finally:
        context.close()
