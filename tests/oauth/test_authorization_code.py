"""The authorization code grant with PKCE, driven by requests-oauthlib over HTTP."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import requests
from flask import Flask
from oauthlib.oauth2 import InvalidGrantError
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from link_flow.oauth import codes
from tests.conftest import LiveServer, Partner, create_partner
from tests.oauth.authorize_steps import (
    REDIRECT_URI,
    finish,
    open_session,
    query,
    start,
    submit,
)


@pytest.fixture
def oauth_partner(live_app: Flask) -> Partner:
    return create_partner(
        live_app.test_client(),
        name="Fleetwise",
        redirect_uris=[REDIRECT_URI, "http://127.0.0.2:8765/other"],
        origins=["http://127.0.0.2:8765"],
    )


def oauth_session(partner: Partner, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        partner.client_id, redirect_uri=REDIRECT_URI, pkce="S256", **kwargs
    )


def authorize(server: LiveServer, session: OAuth2Session) -> tuple[str, str]:
    """Run the customer's side; return the code and state the partner receives."""
    url, state = session.authorization_url(f"{server.url}/oauth/authorize")
    answer = finish(server, url)
    back = query(answer["redirect_url"])
    assert answer["redirect_url"].startswith(REDIRECT_URI + "?")
    assert back["state"] == state
    return back["code"], state


def exchange(
    server: LiveServer, session: OAuth2Session, partner: Partner, code: str
) -> dict[str, Any]:
    return session.fetch_token(  # type: ignore[no-any-return]
        f"{server.url}/oauth/token",
        code=code,
        auth=HTTPBasicAuth(partner.client_id, partner.client_secret),
    )


def connection_api(server: LiveServer, access_token: str) -> requests.Response:
    return requests.get(
        f"{server.url}/api/v1/connection",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def list_connections(server: LiveServer, partner: Partner) -> dict[str, Any]:
    answer = requests.get(
        f"{server.url}/api/v1/connections", headers=partner.headers, timeout=10
    )
    return answer.json()  # type: ignore[no-any-return]


def test_code_with_pkce_gives_a_connection_token_the_connection_api_accepts(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    code, _ = authorize(live_server, session)

    token = exchange(live_server, session, oauth_partner, code)

    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 30 * 24 * 3600
    assert token["connection_id"].startswith("conn_")
    answer = connection_api(live_server, token["access_token"])
    assert answer.status_code == 200
    connection = answer.json()
    assert connection["id"] == token["connection_id"]
    assert connection["name"] == "Plant 7 maintenance"
    assert connection["email"] == "ops@example.com"
    assert connection["system"]["key"] == "sandbox"


def test_refreshing_a_connection_pair_rotates_it(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    code, _ = authorize(live_server, session)
    first = exchange(live_server, session, oauth_partner, code)

    second = session.refresh_token(
        f"{live_server.url}/oauth/token",
        auth=HTTPBasicAuth(oauth_partner.client_id, oauth_partner.client_secret),
    )

    assert second["access_token"] != first["access_token"]
    assert connection_api(live_server, first["access_token"]).status_code == 401
    answer = connection_api(live_server, second["access_token"])
    assert answer.json()["id"] == first["connection_id"]


def test_a_public_client_exchanges_with_pkce_and_no_secret(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    code, _ = authorize(live_server, session)

    token = session.fetch_token(
        f"{live_server.url}/oauth/token", code=code, include_client_id=True
    )

    assert connection_api(live_server, token["access_token"]).status_code == 200


def test_a_public_client_cannot_exchange_a_code_asked_without_pkce(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = OAuth2Session(oauth_partner.client_id, redirect_uri=REDIRECT_URI)
    code, _ = authorize(live_server, session)

    answer = requests.post(
        f"{live_server.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": oauth_partner.client_id,
        },
        timeout=10,
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_a_confidential_client_may_skip_pkce(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = OAuth2Session(oauth_partner.client_id, redirect_uri=REDIRECT_URI)
    code, _ = authorize(live_server, session)

    token = exchange(live_server, session, oauth_partner, code)

    assert connection_api(live_server, token["access_token"]).status_code == 200


def test_a_reused_code_is_refused_and_revokes_what_it_issued(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    code, _ = authorize(live_server, session)
    first = exchange(live_server, session, oauth_partner, code)
    rotated = session.refresh_token(
        f"{live_server.url}/oauth/token",
        auth=HTTPBasicAuth(oauth_partner.client_id, oauth_partner.client_secret),
    )
    assert connection_api(live_server, rotated["access_token"]).status_code == 200

    with pytest.raises(InvalidGrantError):
        exchange(live_server, session, oauth_partner, code)

    assert connection_api(live_server, first["access_token"]).status_code == 401
    assert connection_api(live_server, rotated["access_token"]).status_code == 401
    refresh = requests.post(
        f"{live_server.url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]},
        auth=(oauth_partner.client_id, oauth_partner.client_secret),
        timeout=10,
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_a_wrong_redirect_uri_at_the_token_endpoint_is_invalid_grant(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    code, _ = authorize(live_server, session)
    session.redirect_uri = "http://127.0.0.2:8765/other"

    with pytest.raises(InvalidGrantError):
        exchange(live_server, session, oauth_partner, code)


def test_a_wrong_verifier_is_invalid_grant(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    code, _ = authorize(live_server, session)
    session._code_verifier = "x" * 64  # another verifier than the challenge's

    with pytest.raises(InvalidGrantError, match="Code challenge failed"):
        exchange(live_server, session, oauth_partner, code)


def test_another_clients_code_is_invalid_grant(
    live_server: LiveServer, live_app: Flask, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    code, _ = authorize(live_server, session)
    other = create_partner(
        live_app.test_client(), name="Other", redirect_uris=[REDIRECT_URI]
    )

    with pytest.raises(InvalidGrantError):
        exchange(live_server, session, other, code)


def test_an_expired_code_is_invalid_grant(
    live_server: LiveServer, oauth_partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(codes, "CODE_LIFETIME", timedelta(seconds=-1))
    session = oauth_session(oauth_partner)
    code, _ = authorize(live_server, session)

    with pytest.raises(InvalidGrantError):
        exchange(live_server, session, oauth_partner, code)


def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = OAuth2Session(
        oauth_partner.client_id, redirect_uri="http://127.0.0.9/steal"
    )
    url, _ = session.authorization_url(f"{live_server.url}/oauth/authorize")

    answer = requests.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "not registered" in answer.text
    csp = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' http://127.0.0.2:8765" in csp


def test_an_unknown_client_gets_an_error_page(live_server: LiveServer) -> None:
    session = OAuth2Session("lf_client_nobody", redirect_uri=REDIRECT_URI)
    url, _ = session.authorization_url(f"{live_server.url}/oauth/authorize")

    answer = requests.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "not known" in answer.text
    assert "frame-ancestors 'self';" in answer.headers["Content-Security-Policy"] + ";"


def test_a_plain_challenge_goes_back_to_the_client_as_invalid_request(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = OAuth2Session(oauth_partner.client_id, redirect_uri=REDIRECT_URI)
    url, state = session.authorization_url(
        f"{live_server.url}/oauth/authorize",
        code_challenge="a" * 43,
        code_challenge_method="plain",
    )

    answer = requests.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 302
    back = query(answer.headers["Location"])
    assert answer.headers["Location"].startswith(REDIRECT_URI + "?")
    assert back["error"] == "invalid_request"
    assert back["state"] == state


def test_leaving_sends_access_denied_with_the_state(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    url, state = session.authorization_url(f"{live_server.url}/oauth/authorize")
    page, token = start(url)

    opened = open_session(live_server, page, token).json()

    assert opened["ask"] == {"name": True, "email": True}
    assert opened["link"]["purpose"] == "authorize"
    back = query(opened["exit_url"])
    assert opened["exit_url"].startswith(REDIRECT_URI + "?")
    assert back == {"error": "access_denied", "state": state}


def test_an_abandoned_authorization_leaves_no_connection(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    url, _ = session.authorization_url(f"{live_server.url}/oauth/authorize")
    page, token = start(url)
    flow_token = open_session(live_server, page, token).json()["flow_token"]
    refused = submit(live_server, flow_token, credentials={"username": "demo"})
    assert refused.status_code == 422

    listed = list_connections(live_server, oauth_partner)

    assert listed["data"] == []


def test_one_request_finishes_once_and_then_says_so(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    url, _ = session.authorization_url(f"{live_server.url}/oauth/authorize")
    page, token = start(url)
    flow_token = open_session(live_server, page, token).json()["flow_token"]
    assert submit(live_server, flow_token).status_code == 200

    again = submit(live_server, flow_token)
    reopened = open_session(live_server, page, token)

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "LINK_USED"
    assert reopened.status_code == 410
    assert reopened.json()["error"]["code"] == "LINK_USED"
    listed = list_connections(live_server, oauth_partner)
    assert len(listed["data"]) == 1


def test_flow_tokens_of_links_and_of_authorizations_do_not_cross(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    url, _ = session.authorization_url(f"{live_server.url}/oauth/authorize")
    page, token = start(url)
    flow_token = open_session(live_server, page, token).json()["flow_token"]

    as_link = requests.post(
        f"{live_server.url}/flow/api/connect",
        json={"system": "sandbox"},
        headers={"X-Link-Flow-Token": flow_token},
        timeout=10,
    )
    request_as_flow = submit(live_server, token)

    assert as_link.status_code == 401
    assert request_as_flow.status_code == 401
    assert request_as_flow.json()["error"]["code"] == "FLOW_INVALID"


def test_the_flow_page_is_framed_only_by_the_accounts_origins(
    live_server: LiveServer, oauth_partner: Partner
) -> None:
    session = oauth_session(oauth_partner)
    url, _ = session.authorization_url(f"{live_server.url}/oauth/authorize")
    page, _ = start(url)

    answer = requests.get(f"{live_server.url}{page}", timeout=10)
    refused = requests.get(
        f"{live_server.url}{page}", params={"origin": "http://127.0.0.3"}, timeout=10
    )

    csp = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' http://127.0.0.2:8765" in csp
    assert answer.status_code == 200
    assert refused.status_code == 403
    assert "data-host-origin" not in refused.text
    assert refused.headers["Content-Security-Policy"] == csp


def test_repeated_refusals_from_one_address_are_slowed_down(
    live_server: LiveServer, oauth_partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from link_flow.services import attempts

    monkeypatch.setattr(attempts, "PER_ADDRESS", 5)
    session = oauth_session(oauth_partner)
    wrong = {"credentials": {"username": "demo", "password": "guess"}}
    answers = []
    for _ in range(6):
        url, _ = session.authorization_url(f"{live_server.url}/oauth/authorize")
        page, token = start(url)
        flow_token = open_session(live_server, page, token).json()["flow_token"]
        answers.append(submit(live_server, flow_token, **wrong))

    assert [answer.status_code for answer in answers] == [422] * 5 + [429]
    assert answers[-1].json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_an_authorization_logs_no_secret(
    live_server: LiveServer,
    oauth_partner: Partner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    session = oauth_session(oauth_partner)
    url, _ = session.authorization_url(f"{live_server.url}/oauth/authorize")
    page, request_token = start(url)
    flow_token = open_session(live_server, page, request_token).json()["flow_token"]
    submit(live_server, flow_token, credentials={"username": "demo", "password": "x!"})
    back = query(submit(live_server, flow_token).json()["redirect_url"])
    token = exchange(live_server, session, oauth_partner, back["code"])

    # What the app writes: its own loggers (the client library here in the
    # test process logs the code at debug level; that is not the server).
    text = "\n".join(
        logging.getLogger("link_flow").handlers[0].format(record)
        for record in caplog.records
        if record.name.startswith("link_flow")
    )
    assert "oauth.authorized" in text
    for secret in (
        "x!",
        "demo-password",
        request_token,
        flow_token,
        back["code"],
        session._code_verifier,
        token["access_token"],
        token["refresh_token"],
        oauth_partner.client_secret,
        "ops@example.com",
    ):
        assert secret not in text
