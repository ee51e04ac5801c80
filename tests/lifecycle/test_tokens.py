"""Connection token pairs: stored hashed, rotated on refresh, revoked for good."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from link_flow.extensions import db
from link_flow.models import OAuthToken
from link_flow.models.base import utcnow
from link_flow.services.crypto import hash_secret
from tests.conftest import Partner, create_partner
from tests.lifecycle.steps import connect_through_flow, make_link


def issue_pair(client: FlaskClient, partner: Partner, connection_id: str) -> Any:
    response = client.post(
        f"/api/v1/connections/{connection_id}/tokens", headers=partner.headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh(client: FlaskClient, partner: Partner, refresh_token: str) -> Any:
    return client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(partner.client_id, partner.client_secret),
    )


def assert_refused(response: Any) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.get_json()["error"]["code"] == "UNAUTHORIZED"


def database_text(app: Flask) -> str:
    """Return every row of every table as one string."""
    with app.app_context():
        dumped = []
        for table in inspect(db.engine).get_table_names():
            rows = db.session.execute(text(f'SELECT * FROM "{table}"')).all()
            dumped.append(f"{table}: {rows!r}")
        return "\n".join(dumped)


def test_a_connection_token_pair_opens_the_connection_api_for_its_connection(
    client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)

    pair = issue_pair(client, partner, connection_id)

    assert pair["token_type"] == "Bearer"
    assert pair["connection_id"] == connection_id
    assert pair["expires_in"] == 30 * 24 * 3600
    response = client.get("/api/v1/connection", headers=bearer(pair["access_token"]))
    assert response.status_code == 200
    assert response.get_json()["id"] == connection_id


def test_token_pairs_are_stored_only_as_hashes(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    pair = issue_pair(client, partner, connection_id)
    rotated = refresh(client, partner, pair["refresh_token"]).get_json()

    stored = database_text(app)

    for raw in (
        pair["access_token"],
        pair["refresh_token"],
        rotated["access_token"],
        rotated["refresh_token"],
        partner.access_token,
        partner.refresh_token,
        partner.client_secret,
    ):
        assert raw not in stored
    with app.app_context():
        row = db.session.scalar(
            select(OAuthToken).where(
                OAuthToken.access_token_hash == hash_secret(rotated["access_token"])
            )
        )
        assert row is not None
        assert row.connection_id == connection_id
        assert row.refresh_token_hash == hash_secret(rotated["refresh_token"])


def test_refreshing_a_connection_token_rotates_the_pair(
    client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    pair = issue_pair(client, partner, connection_id)

    response = refresh(client, partner, pair["refresh_token"])

    assert response.status_code == 200
    new = response.get_json()
    assert new["connection_id"] == connection_id
    assert new["token_type"] == "Bearer"
    assert new["access_token"] != pair["access_token"]
    assert new["refresh_token"] != pair["refresh_token"]
    assert_refused(
        client.get("/api/v1/connection", headers=bearer(pair["access_token"]))
    )
    reused = refresh(client, partner, pair["refresh_token"])
    assert reused.status_code == 400
    assert reused.get_json()["error"] == "invalid_grant"
    works = client.get("/api/v1/connection", headers=bearer(new["access_token"]))
    assert works.status_code == 200
    assert works.get_json()["id"] == connection_id
    again = refresh(client, partner, new["refresh_token"])
    assert again.status_code == 200 and again.get_json()["connection_id"] == (
        connection_id
    )


def test_another_account_can_neither_use_nor_burn_a_connection_refresh_token(
    client: FlaskClient, partner: Partner
) -> None:
    other = create_partner(client, name="Other Ltd")
    connection_id = connect_through_flow(client, partner)
    pair = issue_pair(client, partner, connection_id)

    stolen = refresh(client, other, pair["refresh_token"])

    assert stolen.status_code == 400
    assert stolen.get_json()["error"] == "invalid_grant"
    still = client.get("/api/v1/connection", headers=bearer(pair["access_token"]))
    assert still.status_code == 200
    assert refresh(client, partner, pair["refresh_token"]).status_code == 200


def test_connection_and_admin_tokens_each_open_only_their_own_api(
    client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    pair = issue_pair(client, partner, connection_id)

    assert_refused(client.get("/api/v1/account", headers=bearer(pair["access_token"])))
    assert_refused(client.get("/api/v1/connection", headers=partner.headers))
    missing = client.get("/api/v1/connection")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer ")


def test_disconnecting_revokes_every_token_of_the_connection(
    client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    first = issue_pair(client, partner, connection_id)
    second = issue_pair(client, partner, connection_id)

    client.delete(f"/api/v1/connections/{connection_id}", headers=partner.headers)

    for pair in (first, second):
        assert_refused(
            client.get("/api/v1/connection", headers=bearer(pair["access_token"]))
        )
        assert refresh(client, partner, pair["refresh_token"]).status_code == 400
    refused = client.post(
        f"/api/v1/connections/{connection_id}/tokens", headers=partner.headers
    )
    assert refused.status_code == 409


def test_a_pending_connection_gets_no_tokens(
    client: FlaskClient, partner: Partner
) -> None:
    pending = make_link(client, partner)["connection"]["id"]

    response = client.post(
        f"/api/v1/connections/{pending}/tokens", headers=partner.headers
    )

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "NOT_CONNECTED"


def test_an_expired_access_token_is_refused_and_its_refresh_token_still_works(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    pair = issue_pair(client, partner, connection_id)
    with app.app_context():
        row = db.session.scalar(
            select(OAuthToken).where(
                OAuthToken.access_token_hash == hash_secret(pair["access_token"])
            )
        )
        assert row is not None
        assert row.refresh_expires_at is not None
        assert row.refresh_expires_at - row.access_expires_at == timedelta(days=1)
        row.access_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    assert_refused(
        client.get("/api/v1/connection", headers=bearer(pair["access_token"]))
    )
    renewed = refresh(client, partner, pair["refresh_token"])
    assert renewed.status_code == 200
    assert renewed.get_json()["connection_id"] == connection_id
