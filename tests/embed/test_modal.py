"""Modal mode in Chromium: a cross-site iframe with third-party storage blocked."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.embed.conftest import (
    Embedding,
    assert_accessible,
    event_types,
    flow_frame,
    logged,
    no_secret_in,
    open_context,
    open_partner_page,
    wait_for_callback,
)

OVERLAYS = "[data-link-flow=overlay]"
STORAGE_PROBE = """() => {
  const result = {};
  try { localStorage.setItem("probe", "1"); result.storage = "allowed"; }
  catch (error) { result.storage = error.name; }
  document.cookie = "probe=1; SameSite=None; Secure";
  document.cookie = "plain=1";
  result.cookie = document.cookie;
  return result;
}"""


def open_modal(page: Any, embedding: Embedding) -> Any:
    page.get_by_role("button", name="Connect in a dialog").click()
    expect(page.get_by_role("dialog", name="Connect your system")).to_be_visible()
    wait_for_callback(page, "onLoad")
    return flow_frame(page, embedding.server)


def connect_sandbox(frame: Any) -> None:
    frame.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    frame.get_by_label("Username", exact=True).fill("demo")
    frame.get_by_label("Password", exact=True).fill("demo-password")
    frame.get_by_label("Email", exact=True).fill("ops@example.com")
    frame.get_by_role("button", name="Connect").click()
    expect(frame.get_by_role("heading", name=re.compile("Connected"))).to_be_visible()


def test_modal_connects_in_a_cross_site_frame_without_storage_and_succeeds_once(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)
    frame = open_modal(page, embedding)
    assert_accessible(page, "partner page with the dialog open")
    # Third-party storage really is refused in this frame, but not at the top.
    assert frame.evaluate(STORAGE_PROBE) == {"storage": "SecurityError", "cookie": ""}
    assert page.evaluate(STORAGE_PROBE)["storage"] == "allowed"

    connect_sandbox(frame)
    successes = wait_for_callback(page, "onSuccess")

    connection = embedding.server.app.test_client().get(
        f"/api/v1/connections/{successes[0]['connection_id']}",
        headers=embedding.partner.headers,
    )
    assert connection.get_json()["system"]["key"] == "sandbox"
    assert successes == [
        {"connection_id": connection.get_json()["id"], "system": "sandbox"}
    ]
    assert logged(page, "onLoad") == [{}]
    types = event_types(page)
    assert types[0] == "ready"
    for expected in ("step_changed", "system_chosen", "credentials_submitted"):
        assert expected in types
    assert types.count("success") == 1
    no_secret_in(page, "demo-password")

    frame.get_by_role("button", name="Close").click()
    expect(page.locator(OVERLAYS)).to_have_count(0)
    assert logged(page, "onExit") == [{"step": "done", "reason": "user_closed"}]
    assert logged(page, "onSuccess") == successes
    expect(page.get_by_role("button", name="Connect in a dialog")).to_be_focused()
    # Quiet by default: nothing from the SDK on the console.
    assert not [line for line in page.console_lines if "[link-flow]" in line]


def test_open_twice_close_twice_and_reopen_keep_one_frame_and_fire_once(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)

    same = page.evaluate(
        """async () => {
          const { LinkFlow, callbacks, newLink } = window.partner;
          window.firstUrl = await newLink();
          const first = LinkFlow.open({ url: window.firstUrl, ...callbacks });
          const again = LinkFlow.open({ url: window.firstUrl, ...callbacks });
          first.close();
          first.close();
          window.reopened = LinkFlow.open({ url: window.firstUrl, ...callbacks });
          return first === again;
        }"""
    )
    assert same is True
    expect(page.locator(OVERLAYS)).to_have_count(1)
    expect(page.locator("iframe")).to_have_count(1)
    assert logged(page, "onExit") == [{"step": "loading", "reason": "closed_by_host"}]

    page.evaluate(
        """async () => {
          const { LinkFlow, callbacks, newLink } = window.partner;
          LinkFlow.open({ url: await newLink(), ...callbacks });
        }"""
    )
    expect(page.locator("iframe")).to_have_count(1)
    wait_for_callback(page, "onExit", 2)
    page.evaluate("window.reopened.close(); window.partner.LinkFlow.close()")

    expect(page.locator(OVERLAYS)).to_have_count(0)
    assert len(logged(page, "onExit")) == 3
    assert (
        page.evaluate("document.querySelector('main').hasAttribute('inert')") is False
    )
    assert page.evaluate("document.documentElement.style.overflow") == ""


def test_escape_leaves_focus_stays_inside_and_comes_back(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)
    page.mouse.wheel(0, 300)
    frame = open_modal(page, embedding)

    inside = "document.querySelector('[data-link-flow=overlay]')"
    assert page.evaluate(f"{inside}.contains(document.activeElement)")
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") == (
        "hidden"
    )
    # The page behind is inert: out of the tab order and the accessibility tree.
    assert page.evaluate("document.querySelector('main').inert") is True
    # Tab order inside the frame exists once the flow has drawn its first step.
    expect(frame.get_by_role("searchbox", name="Search systems")).to_be_visible()
    page.get_by_role("button", name="Close dialog").focus()
    for press in range(12):
        page.keyboard.press("Tab")
        where = page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        assert page.evaluate(f"{inside}.contains(document.activeElement)"), (
            press,
            where,
        )
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(f"{inside}.contains(document.activeElement)")

    # Escape inside the flow itself (the iframe has the keyboard).
    frame.get_by_role("button", name=re.compile("^Sandbox CMMS")).focus()
    # Key down only: the flow leaves on keydown and its frame is removed, and
    # a key-up sent to a removed frame can leave Playwright waiting for ever.
    page.keyboard.down("Escape")
    expect(page.locator(OVERLAYS)).to_have_count(0)
    page.keyboard.up("Escape")
    assert logged(page, "onExit") == [{"step": "systems", "reason": "user_closed"}]
    expect(page.get_by_role("button", name="Connect in a dialog")).to_be_focused()
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") == (
        "visible"
    )
    assert page.evaluate("window.scrollY") > 0

    # Escape on the dialog's own close button (the host page has the keyboard).
    open_modal(page, embedding)
    page.get_by_role("button", name="Close dialog").focus()
    page.keyboard.press("Escape")
    expect(page.locator(OVERLAYS)).to_have_count(0)
    assert len(logged(page, "onExit")) == 2
    expect(page.get_by_role("button", name="Connect in a dialog")).to_be_focused()


def test_the_frame_takes_the_height_the_flow_reports(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)
    frame = open_modal(page, embedding)

    # Narrowed to one system, the picker is shorter than the screen.
    frame.get_by_role("searchbox", name="Search systems").fill("sandbox")

    # The frame settles at the content's height: no scrollbar inside it.
    frame.wait_for_function(
        "() => document.scrollingElement.scrollHeight - window.innerHeight <= 1"
        " && window.innerHeight < 800"
    )
    height = page.locator("[data-link-flow=dialog] iframe").evaluate(
        "frame => frame.getBoundingClientRect().height"
    )
    assert height == frame.evaluate("() => window.innerHeight")


def test_a_small_screen_gets_a_full_screen_dialog(
    embed_browser: Any, embedding: Embedding, request: Any
) -> None:
    context = open_context(
        embed_browser, request, viewport={"width": 320, "height": 640}
    )
    page = context.new_page()
    open_partner_page(page, embedding.site.origin)
    frame = open_modal(page, embedding)

    box = page.get_by_role("dialog").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 320, "height": 640}
    frame_box = page.locator("[data-link-flow=dialog] iframe").bounding_box()
    assert frame_box["width"] == 320
    assert frame_box["y"] + frame_box["height"] == 640
    connect_sandbox(frame)
    wait_for_callback(page, "onSuccess")


def test_a_forged_message_from_another_window_is_ignored(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin)
    frame = open_modal(page, embedding)
    forged = {
        "source": "link-flow",
        "version": 1,
        "type": "success",
        "connection_id": "conn_forged",
        "system": "sandbox",
    }

    # From the partner's own origin (the wrong origin).
    page.evaluate("message => window.postMessage(message, '*')", forged)
    # From a window on link-flow's origin that is not the flow's frame.
    with page.expect_popup() as popup_info:
        page.evaluate(
            "url => { window.forger = window.open(url); }",
            f"{embedding.server.url}/sdk/link-flow.js",
        )
    forger = popup_info.value
    forger.wait_for_load_state()
    forger.evaluate("message => window.opener.postMessage(message, '*')", forged)
    forger.evaluate(
        "message => window.opener.postMessage(message, '*')",
        {**forged, "type": "exit", "step": "done", "reason": "user_closed"},
    )
    forger.close()

    # The real flow is still heard after the forgeries.
    frame.get_by_role("button", name=re.compile("^Sandbox CMMS")).click()
    page.wait_for_function(
        "() => window.partnerLog.some(e => e.detail && e.detail.step === 'credentials')"
    )
    assert logged(page, "onSuccess") == []
    assert logged(page, "onExit") == []
    expect(page.locator(OVERLAYS)).to_have_count(1)
