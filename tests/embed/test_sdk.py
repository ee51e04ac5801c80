"""Serving the SDK, and loading it as an ES module."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from playwright.sync_api import expect

from link_flow.embed.views import load
from tests.embed.conftest import Embedding, open_partner_page, wait_for_callback


def test_the_script_is_cacheable_and_revalidates_by_etag(client: FlaskClient) -> None:
    first = client.get("/sdk/link-flow.js")

    assert first.status_code == 200
    assert first.mimetype == "text/javascript"
    assert first.headers["Cache-Control"] == "public, max-age=300, must-revalidate"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert f'const VERSION = "{load("js").version}";'.encode() in first.data
    etag = first.headers["ETag"]
    again = client.get("/sdk/link-flow.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_the_module_is_the_script_with_exports(client: FlaskClient) -> None:
    script = client.get("/sdk/link-flow.js").data
    module = client.get("/sdk/link-flow.mjs")

    assert module.mimetype == "text/javascript"
    assert module.data.startswith(script)
    assert b"export default LinkFlow;" in module.data
    assert module.headers["ETag"] != client.get("/sdk/link-flow.js").headers["ETag"]


def test_the_versioned_alias_is_immutable_and_only_for_this_release(
    client: FlaskClient,
) -> None:
    version = load("js").version
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)

    pinned = client.get(f"/sdk/{version}/link-flow.js")
    pinned_module = client.get(f"/sdk/{version}/link-flow.mjs")
    other = client.get("/sdk/0.0.1/link-flow.js")

    assert pinned.status_code == 200
    assert pinned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert pinned.data == client.get("/sdk/link-flow.js").data
    assert pinned_module.status_code == 200
    assert other.status_code == 404


def test_the_module_build_connects_like_the_script(
    partner_page: Any, embedding: Embedding
) -> None:
    page = partner_page
    open_partner_page(page, embedding.site.origin, "?sdk=module")
    assert page.evaluate("typeof window.partner.LinkFlow.open") == "function"
    assert page.evaluate("window.partner.LinkFlow.baseUrl") == embedding.server.url

    # With a bare token: the module found link-flow's URL by itself.
    page.evaluate(
        """async () => {
          const { LinkFlow, callbacks, newLink } = window.partner;
          const token = (await newLink()).split("#")[1];
          LinkFlow.open({ token, ...callbacks });
        }"""
    )
    wait_for_callback(page, "onLoad")
    frame = page.frame_locator("[data-link-flow=dialog] iframe")
    expect(frame.get_by_role("searchbox", name="Search systems")).to_be_visible()
