"""Popup and redirect modes in Chromium, with the popup blocker on."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.embed.conftest import (
    Embedding,
    assert_accessible,
    event_types,
    logged,
    no_secret_in,
    open_partner_page,
    wait_for_callback,
)


def sign_in_to_sandbox(flow: Any) -> None:
    flow.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    flow.get_by_label("Username", exact=True).fill("demo")
    flow.get_by_label("Password", exact=True).fill("demo-password")
    flow.get_by_label("Email", exact=True).fill("ops@example.com")
    flow.get_by_role("button", name="Connect").click()
    expect(flow.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()


def test_popup_connects_and_the_opener_hears_success_once(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)
    page.evaluate(
        """() => {
          const open = window.open;
          window.open = (...args) => {
            window.openedWith = args;
            return open(...args);
          };
        }"""
    )

    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Connect in a pop-up").click()
    popup = popup_info.value
    assert popup.url.startswith(f"{embedding.server.url}/link/")
    assert parse_qs(urlsplit(popup.url).query) == {"origin": [embedding.site.origin]}
    # Centred on the partner's window (headless Chromium ignores the size).
    features, centre = page.evaluate(
        """() => [window.openedWith[2], [
          Math.round(screenX + (outerWidth - 480) / 2),
          Math.round(screenY + (outerHeight - 720) / 2),
        ]]"""
    )
    left, top = (max(0, value) for value in centre)
    assert features == f"popup=yes,width=480,height=720,left={left},top={top}"
    wait_for_callback(page, "onLoad")
    sign_in_to_sandbox(popup)

    successes = wait_for_callback(page, "onSuccess")
    assert successes[0]["system"] == "sandbox"
    assert successes[0]["connection_id"].startswith("conn_")
    with popup.expect_event("close"):
        popup.get_by_role("button", name="Close").click()
    wait_for_callback(page, "onExit")
    assert logged(page, "onExit") == [{"step": "done", "reason": "user_closed"}]
    assert logged(page, "onSuccess") == successes
    assert event_types(page).count("success") == 1
    no_secret_in(page, "demo-password")


def test_closing_the_popup_window_is_an_exit(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Connect in a pop-up").click()
    popup = popup_info.value
    wait_for_callback(page, "onLoad")
    page.wait_for_function(
        "() => window.partnerLog.some(e => e.detail && e.detail.step === 'systems')"
    )

    popup.close()

    assert wait_for_callback(page, "onExit") == [
        {"step": "systems", "reason": "window_closed"}
    ]


def test_a_blocked_popup_exits_once_and_says_what_to_do(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)

    # Playwright's evaluate counts as a click; opening a window first uses
    # that activation up, so the flow's window.open meets the popup blocker.
    page.evaluate(
        """async () => {
          const { LinkFlow, callbacks, newLink } = window.partner;
          const url = await newLink();
          const spent = window.open("about:blank");
          LinkFlow.open({ url, mode: "popup", ...callbacks });
          if (spent) spent.close();
        }"""
    )

    alert = page.get_by_role("alertdialog", name="The window was blocked")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Allow pop-ups for this site")
    assert logged(page, "onExit") == [{"step": None, "reason": "popup_blocked"}]
    expect(page.get_by_role("button", name="Open the window")).to_be_focused()
    assert_accessible(page, "popup blocked dialog")

    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Open the window").click()
    expect(alert).to_have_count(0)
    popup = popup_info.value
    expect(popup.get_by_role("searchbox", name="Search systems")).to_be_visible()
    assert len(logged(page, "onExit")) == 1


def test_redirect_mode_goes_to_the_flow_and_back_to_the_registered_url(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)

    page.get_by_role("button", name="Connect on its own page").click()
    page.wait_for_url(f"{embedding.server.url}/link/**")
    assert "origin=" not in page.url
    sign_in_to_sandbox(page)

    page.wait_for_url(f"{embedding.site.origin}/callback", timeout=15_000)
    expect(page.get_by_role("heading", name="Back at Fleetwise")).to_be_visible()
