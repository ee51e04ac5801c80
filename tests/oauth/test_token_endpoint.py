"""The token endpoint against a standard OAuth 2.0 client library, over HTTP."""

from __future__ import annotations

import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from tests.conftest import LiveServer, Partner


def test_client_credentials_with_requests_oauthlib_gives_a_working_pair(
    live_server: LiveServer, live_partner: Partner
) -> None:
    session = OAuth2Session(
        client=BackendApplicationClient(client_id=live_partner.client_id)
    )
    token = session.fetch_token(
        token_url=f"{live_server.url}/oauth/token",
        auth=HTTPBasicAuth(live_partner.client_id, live_partner.client_secret),
    )

    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 30 * 24 * 3600
    assert token["refresh_token"]
    response = session.get(f"{live_server.url}/api/v1/systems")
    assert response.status_code == 200
    keys = [system["key"] for system in response.json()["data"]]
    assert "sandbox" in keys


def test_client_secret_in_the_form_body_works_too(
    live_server: LiveServer, live_partner: Partner
) -> None:
    response = requests.post(
        f"{live_server.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": live_partner.client_id,
            "client_secret": live_partner.client_secret,
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_wrong_secret_is_an_rfc6749_invalid_client_error(
    live_server: LiveServer, live_partner: Partner
) -> None:
    response = requests.post(
        f"{live_server.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(live_partner.client_id, "wrong"),
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "wrong" not in response.text


def test_refreshing_rotates_the_pair_and_the_old_pair_stops_working(
    live_server: LiveServer, live_partner: Partner
) -> None:
    session = OAuth2Session(
        client_id=live_partner.client_id,
        token={
            "access_token": live_partner.access_token,
            "refresh_token": live_partner.refresh_token,
            "token_type": "Bearer",
        },
    )
    new = session.refresh_token(
        f"{live_server.url}/oauth/token",
        auth=HTTPBasicAuth(live_partner.client_id, live_partner.client_secret),
    )
    assert new["access_token"] != live_partner.access_token
    assert new["refresh_token"] != live_partner.refresh_token

    old = requests.get(
        f"{live_server.url}/api/v1/account", headers=live_partner.headers, timeout=10
    )
    assert old.status_code == 401
    assert "invalid_token" in old.headers["WWW-Authenticate"]
    again = requests.post(
        f"{live_server.url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": live_partner.refresh_token,
        },
        auth=(live_partner.client_id, live_partner.client_secret),
        timeout=10,
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    fresh = requests.get(
        f"{live_server.url}/api/v1/account",
        headers={"Authorization": f"Bearer {new['access_token']}"},
        timeout=10,
    )
    assert fresh.status_code == 200


def test_another_clients_refresh_token_is_refused(
    live_server: LiveServer, live_partner: Partner
) -> None:
    from tests.conftest import create_partner

    other = create_partner(live_server.app.test_client(), name="Other")
    response = requests.post(
        f"{live_server.url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": live_partner.refresh_token,
        },
        auth=(other.client_id, other.client_secret),
        timeout=10,
    )
    assert response.status_code == 400
