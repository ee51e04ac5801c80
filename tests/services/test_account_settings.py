"""Account settings are checked strictly before they reach a header or a send."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from link_flow.errors import ValidationError
from link_flow.services.accounts import clean_origin, clean_webhook_url
from tests.conftest import Partner


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://App.Example.com", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://127.0.0.1:5001/", "http://127.0.0.1:5001"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_origins_are_stored_as_browsers_send_them(given: str, stored: str) -> None:
    assert clean_origin(given) == stored


@pytest.mark.parametrize(
    "bad",
    [
        "https://x.example *",
        "https://x.example; script-src * 'unsafe-inline'",
        "https://user@x.example",
        "https://x.example:99999",
        "https://x.example/path",
        "javascript:alert(1)",
        "https://exa_mple.com",
        "*",
    ],
)
def test_anything_that_could_bend_the_csp_header_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        clean_origin(bad)


def test_a_refused_origin_changes_neither_the_account_nor_the_header(
    client: FlaskClient, partner: Partner
) -> None:
    response = client.patch(
        "/api/v1/account",
        json={"allowed_origins": ["https://ok.example", "https://x.example *"]},
        headers=partner.headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "allowed_origins"
    account = client.get("/api/v1/account", headers=partner.headers).get_json()
    assert account["allowed_origins"] == []


@pytest.mark.parametrize(
    "bad",
    [
        "https://user:pw@hooks.example/x",
        "https://hooks.example/x#frag",
        "ftp://hooks.example/x",
        "https://hooks.example:0x50/x",
    ],
)
def test_webhook_urls_with_credentials_or_odd_forms_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        clean_webhook_url(bad)


def test_branding_updates_merge_and_null_removes_a_key(
    client: FlaskClient, partner: Partner
) -> None:
    def patch(branding: dict) -> dict:
        response = client.patch(
            "/api/v1/account", json={"branding": branding}, headers=partner.headers
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["branding"]

    patch({"name": "Acme", "logo_url": "https://cdn.example/logo.png"})
    assert patch({"color": "#123abc"}) == {
        "name": "Acme",
        "logo_url": "https://cdn.example/logo.png",
        "color": "#123abc",
    }
    assert patch({"logo_url": None}) == {"name": "Acme", "color": "#123abc"}
