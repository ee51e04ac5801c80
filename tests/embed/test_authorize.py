"""The OAuth authorization code flow in Chromium, from the example partner.

The partner's side is the example app, which trades the code with
requests-oauthlib (PKCE S256, client secret) and reads the connection
with the access token it got.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.embed.conftest import Embedding, open_partner_page


def test_authorize_with_pkce_ends_with_a_connection_token(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)

    page.get_by_role("link", name="Connect with OAuth").click()
    page.wait_for_url(f"{embedding.server.url}/flow/authorize/**")
    page.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    page.get_by_label("Username", exact=True).fill("demo")
    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_label("Connection name", exact=True).fill("Plant 9 maintenance")
    page.get_by_label("Email", exact=True).fill("plant9@example.com")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()

    page.wait_for_url(f"{embedding.site.origin}/callback?**", timeout=15_000)
    back = parse_qs(urlsplit(page.url).query)
    assert set(back) == {"code", "state"}
    expect(page.get_by_text("Connected Plant 9 maintenance as")).to_be_visible()
    connection_id = page.locator("[data-connection-id]").inner_text()
    connection = embedding.server.app.test_client().get(
        f"/api/v1/connections/{connection_id}", headers=embedding.partner.headers
    )
    body = connection.get_json()
    assert body["name"] == "Plant 9 maintenance"
    assert body["email"] == "plant9@example.com"
    assert body["system"]["key"] == "sandbox"


def test_leaving_the_authorization_returns_access_denied_with_the_state(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)
    page.get_by_role("link", name="Connect with OAuth").click()
    page.wait_for_url(f"{embedding.server.url}/flow/authorize/**")
    expect(page.get_by_role("searchbox", name="Search systems")).to_be_visible()

    page.get_by_role("button", name="Close").click()

    page.wait_for_url(f"{embedding.site.origin}/callback?**")
    back = parse_qs(urlsplit(page.url).query)
    assert back["error"] == ["access_denied"]
    assert len(back["state"][0]) >= 20
    expect(page.get_by_text("No connection: access_denied")).to_be_visible()
    listed = embedding.server.app.test_client().get(
        "/api/v1/connections", headers=embedding.partner.headers
    )
    # Only the magic link the example page made on loading; nothing from OAuth.
    names = {connection["name"] for connection in listed.get_json()["data"]}
    assert names == {"Example customer"}
