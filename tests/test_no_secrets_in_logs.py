"""No log line holds a password, token, client secret or magic link token."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from link_flow.logs import redact
from tests.conftest import Partner
from tests.flow.test_flow_api import connect, open_flow
from tests.test_magic_link_api import make_link


def test_a_whole_flow_logs_no_secret(
    client: FlaskClient, partner: Partner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    link = make_link(client, partner)
    magic_token = link["url"].split("#", 1)[1]
    session = open_flow(client, link)
    connect(client, session, credentials={"username": "demo", "password": "Wr0ng-pw!"})
    connect(client, session)
    client.get(f"/api/v1/connections?access_token={partner.access_token}")

    text = "\n".join(
        logging.getLogger("link_flow").handlers[0].format(record)
        for record in caplog.records
    )
    assert "http.request" in text
    for secret in (
        "Wr0ng-pw!",
        "demo-password",
        magic_token,
        session["flow_token"],
        partner.access_token,
        partner.refresh_token,
        partner.client_secret,
        "ops@example.com",
    ):
        assert secret not in text


def test_tokens_in_query_strings_and_bearer_headers_are_redacted() -> None:
    line = "path=/oauth/authorize?code=abc123&state=x token=zzz Bearer eyJhbGci.x.y"
    cleaned = redact(line)
    assert "abc123" not in cleaned
    assert "zzz" not in cleaned
    assert "eyJhbGci" not in cleaned
    assert "state=x" in cleaned
