"""The customer's side of an authorization request, over plain HTTP.

What the flow page's script does in a browser (open the session, submit
the sandbox credentials), done with ``requests`` so the OAuth tests can
drive the token endpoint with a standard client library.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.conftest import LiveServer

REDIRECT_URI = "http://127.0.0.2:8765/callback"
FLOW_TOKEN_HEADER = "X-Link-Flow-Token"
SANDBOX = {
    "system": "sandbox",
    "credentials": {"username": "demo", "password": "demo-password"},
    "name": "Plant 7 maintenance",
    "email": "ops@example.com",
}


def start(authorization_url: str) -> tuple[str, str]:
    """GET the authorization URL; return the flow page's path and its token."""
    response = requests.get(authorization_url, allow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text
    page, token = response.headers["Location"].split("#", 1)
    return page, token


def open_session(server: LiveServer, page: str, token: str) -> requests.Response:
    client_id = page.rstrip("/").rsplit("/", 1)[1]
    return requests.post(
        f"{server.url}/flow/api/authorize/session",
        json={"link_id": client_id, "token": token},
        timeout=10,
    )


def submit(server: LiveServer, flow_token: str, **body: Any) -> requests.Response:
    return requests.post(
        f"{server.url}/flow/api/authorize/connect",
        json={**SANDBOX, **body},
        headers={FLOW_TOKEN_HEADER: flow_token},
        timeout=30,
    )


def finish(server: LiveServer, authorization_url: str) -> dict[str, Any]:
    """Run the whole customer side; return the connect answer."""
    page, token = start(authorization_url)
    session = open_session(server, page, token)
    assert session.status_code == 200, session.text
    answer = submit(server, session.json()["flow_token"])
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def query(url: str) -> dict[str, str]:
    """Return the query parameters of ``url``, one value each."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
