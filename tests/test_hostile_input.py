"""Hostile input gets a clear 4xx, never a 500 and never a half-written row."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import Partner
from tests.flow.test_flow_api import connect, open_flow
from tests.test_magic_link_api import make_link


def test_deeply_nested_json_is_malformed_input(
    client: FlaskClient, partner: Partner
) -> None:
    body = "[" * 100_000
    for path in ("/flow/api/session", "/api/v1/magic-links"):
        response = client.post(
            path, data=body, content_type="application/json", headers=partner.headers
        )
        assert response.status_code == 400, path


@pytest.mark.parametrize("bad", ["a\x00b", "x\ud800y"])
def test_nul_bytes_and_lone_surrogates_in_names_are_refused(
    client: FlaskClient, partner: Partner, bad: str
) -> None:
    for body in (
        {"name": bad},
        {"name": "ok", "email": f"a{bad}@example.com"},
        {"name": "ok", "user_metadata": {"k": bad}},
        {"name": "ok", "user_metadata": {bad: "v"}},
    ):
        response = client.post(
            "/api/v1/magic-links", json=body, headers=partner.headers
        )
        assert response.status_code == 400, body
    listed = client.get("/api/v1/connections", headers=partner.headers).get_json()
    assert listed["data"] == []


def test_unsafe_text_in_credentials_is_refused_on_its_field(
    client: FlaskClient, partner: Partner
) -> None:
    session = open_flow(client, make_link(client, partner))
    response = connect(
        client, session, credentials={"username": "demo", "password": "x\ud800"}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "password"


def test_nul_bytes_in_paths_queries_and_forms_get_400(
    client: FlaskClient, partner: Partner
) -> None:
    assert client.get("/link/ml_%00x").status_code == 400
    assert client.head("/link/ml_%00x").status_code == 400
    api = client.get("/api/v1/connections/conn_%00", headers=partner.headers)
    assert api.status_code == 400
    assert api.get_json()["error"]["code"] == "INVALID_TEXT"
    query = client.get("/api/v1/connections?system=%00", headers=partner.headers)
    assert query.status_code == 400
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "a\x00"},
    )
    assert token.status_code == 400
    assert token.get_json()["error"] == "invalid_request"


def test_integers_beyond_what_javascript_reads_exactly_are_refused(
    client: FlaskClient, partner: Partner
) -> None:
    response = client.post(
        "/api/v1/magic-links",
        json={"name": "n", "user_metadata": {"big": 10**400}},
        headers=partner.headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "user_metadata.big"
