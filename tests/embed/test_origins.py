"""Where the flow may be framed, and what happens on a site that is not allowed."""

from __future__ import annotations

from typing import Any

import requests
from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.conftest import Partner, create_partner
from tests.embed.conftest import Embedding, logged, open_partner_page
from tests.test_magic_link_api import make_link

ORIGINS = ["https://app.example.com", "http://127.0.0.2:8765"]


def ancestors(response: Any) -> str:
    policy = response.headers["Content-Security-Policy"]
    directive = next(
        part.strip() for part in policy.split(";") if "frame-ancestors" in part
    )
    return directive.removeprefix("frame-ancestors").strip()


def test_every_flow_page_lists_exactly_the_account_origins(
    client: FlaskClient,
) -> None:
    partner = create_partner(client, origins=ORIGINS, redirect_uris=[ORIGINS[1]])
    link = make_link(client, partner)
    used = make_link(client, partner)
    path = f"/link/{used['id']}"
    client.delete(f"/api/v1/magic-links/{used['id']}", headers=partner.headers)
    expected = "'self' " + " ".join(ORIGINS)

    pages = {
        "usable": client.get(f"/link/{link['id']}"),
        "revoked": client.get(path),
        "refused origin": client.get(
            f"/link/{link['id']}", query_string={"origin": "https://evil.example"}
        ),
        "authorize page": client.get(f"/flow/authorize/{partner.client_id}"),
        "bad redirect": client.get(
            "/oauth/authorize",
            query_string={
                "response_type": "code",
                "client_id": partner.client_id,
                "redirect_uri": "https://evil.example/cb",
            },
        ),
    }

    statuses = {name: response.status_code for name, response in pages.items()}
    assert statuses == {
        "usable": 200,
        "revoked": 410,
        "refused origin": 403,
        "authorize page": 200,
        "bad redirect": 400,
    }
    for name, response in pages.items():
        assert ancestors(response) == expected, name
        assert response.headers["Referrer-Policy"] == "no-referrer", name
        assert "script-src 'self';" in response.headers["Content-Security-Policy"]


def test_an_account_without_origins_is_framed_by_nobody_else(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)

    usable = client.get(f"/link/{link['id']}")
    unknown = client.get("/link/ml_nope")

    assert ancestors(usable) == "'self'"
    assert ancestors(unknown) == "'self'"
    assert ancestors(client.get("/dashboard")) == "'none'"


def test_the_flow_renders_the_host_origin_only_when_allowed(
    client: FlaskClient,
) -> None:
    partner = create_partner(client, origins=ORIGINS)
    link = make_link(client, partner)

    allowed = client.get(f"/link/{link['id']}", query_string={"origin": ORIGINS[0]})
    refused = client.get(
        f"/link/{link['id']}", query_string={"origin": "https://evil.example"}
    )

    assert f'data-host-origin="{ORIGINS[0]}"' in allowed.get_data(as_text=True)
    text = refused.get_data(as_text=True)
    assert "data-host-origin" not in text
    assert "This site cannot open the flow" in text
    assert 'data-error-code="ORIGIN_NOT_ALLOWED"' in text


def test_a_site_not_allowed_has_its_frame_refused_and_hears_nothing(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.forbidden.origin)

    page.get_by_role("button", name="Connect in a dialog").click()

    expect(page.get_by_role("dialog", name="Connect your system")).to_be_visible()
    page.wait_for_function(
        "() => Array.from(window.frames).length === 1"
        " && document.querySelector('[data-link-flow=dialog] iframe')"
    )
    page.wait_for_timeout(1500)
    frame = page.frames[1]
    assert frame.url.startswith("chrome-error://")
    assert any("frame-ancestors" in line for line in page.console_lines)
    assert logged(page, "onLoad") == []
    assert logged(page, "onEvent") == []
    # The server answered the frame with the refusal page: no flow started.
    src = page.locator("[data-link-flow=dialog] iframe").get_attribute("src")
    answer = requests.get(src, timeout=10)
    assert answer.status_code == 403
    assert "data-host-origin" not in answer.text
    page.get_by_role("button", name="Close dialog").click()
    assert logged(page, "onExit") == [{"step": "loading", "reason": "user_closed"}]


def test_a_popup_from_a_site_not_allowed_does_not_start(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.forbidden.origin)

    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Connect in a pop-up").click()
    popup = popup_info.value

    heading = popup.get_by_role("heading", name="This site cannot open the flow")
    expect(heading).to_be_visible()
    expect(popup.get_by_role("searchbox", name="Search systems")).to_have_count(0)
    page.wait_for_timeout(500)
    assert logged(page, "onLoad") == []
    assert logged(page, "onEvent") == []
