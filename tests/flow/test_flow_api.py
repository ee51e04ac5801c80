"""The flow's JSON calls: opening a link, refusing bad input, finishing once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from link_flow.services.signing import sign_flow_session
from tests.conftest import Partner
from tests.test_magic_link_api import make_link


def open_flow(client: FlaskClient, link: dict[str, Any]) -> dict[str, Any]:
    token = link["url"].split("#", 1)[1]
    response = client.post(
        "/flow/api/session", json={"link_id": link["id"], "token": token}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def connect(
    client: FlaskClient,
    session: dict[str, Any],
    environ_base: dict[str, str] | None = None,
    **body: Any,
) -> Any:
    payload = {
        "system": "sandbox",
        "credentials": {"username": "demo", "password": "demo-password"},
        "email": "ops@example.com",
    }
    payload.update(body)
    return client.post(
        "/flow/api/connect",
        json=payload,
        headers={"X-Link-Flow-Token": session["flow_token"]},
        environ_base=environ_base or {},
    )


def test_opening_returns_the_partner_systems_and_what_to_ask(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner, systems=["sandbox"])
    session = open_flow(client, link)

    assert session["partner"]["name"] == "Acme Ltd"
    assert [s["key"] for s in session["systems"]] == ["sandbox"]
    assert session["systems"][0]["credits"] == 1
    assert session["ask"] == {"name": False, "email": True}
    assert "flow_token" in session


def test_a_damaged_token_or_one_for_another_link_is_refused(
    client: FlaskClient, partner: Partner
) -> None:
    first = make_link(client, partner)
    second = make_link(client, partner)
    token = first["url"].split("#", 1)[1]
    for link_id, candidate in [
        (first["id"], token[:-3] + "abc"),
        (second["id"], token),
        (first["id"], ""),
    ]:
        response = client.post(
            "/flow/api/session", json={"link_id": link_id, "token": candidate}
        )
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "INVALID_TOKEN"


def test_a_flow_token_is_not_accepted_as_a_magic_link_token(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)
    with app.app_context():
        forged = sign_flow_session({"l": link["id"]})
    response = client.post(
        "/flow/api/session", json={"link_id": link["id"], "token": forged}
    )
    assert response.status_code == 400


def test_wrong_password_is_reported_on_the_field_and_retry_succeeds(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)
    session = open_flow(client, link)

    refused = connect(
        client, session, credentials={"username": "demo", "password": "nope"}
    )
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "INVALID_CREDENTIALS"
    assert error["field"] == "password"
    assert "nope" not in refused.get_data(as_text=True)

    accepted = connect(client, session)
    assert accepted.status_code == 200
    assert accepted.get_json()["status"] == "synchronizing"
    connection = client.get(
        f"/api/v1/connections/{link['connection']['id']}", headers=partner.headers
    ).get_json()
    assert connection["system"]["key"] == "sandbox"
    assert connection["credits"] == 1
    assert connection["connected_at"] is not None
    assert connection["email"] == "ops@example.com"
    assert connection["user_metadata"] == {"customer_id": "C-1001"}
    events = client.get(
        f"/api/v1/connections/{link['connection']['id']}/events",
        headers=partner.headers,
    ).get_json()["data"]
    assert [e["type"] for e in events][:3] == [
        "created",
        "magic_link_created",
        "magic_link_opened",
    ]
    assert "credentials_refused" in [e["type"] for e in events]
    assert "nope" not in str(events)


def test_locked_account_errors_on_the_username(
    client: FlaskClient, partner: Partner
) -> None:
    session = open_flow(client, make_link(client, partner))
    response = connect(
        client, session, credentials={"username": "locked", "password": "x"}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "ACCOUNT_LOCKED"
    assert "locked" in response.get_json()["error"]["message"]


def test_a_used_link_cannot_be_used_again_and_its_page_says_connected(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)
    session = open_flow(client, link)
    assert connect(client, session).status_code == 200

    again = connect(client, session)
    assert again.status_code == 410
    assert again.get_json()["error"]["code"] == "LINK_USED"
    token = link["url"].split("#", 1)[1]
    reopened = client.post(
        "/flow/api/session", json={"link_id": link["id"], "token": token}
    )
    assert reopened.status_code == 410


def test_the_email_asked_in_the_flow_is_validated(
    client: FlaskClient, partner: Partner
) -> None:
    session = open_flow(client, make_link(client, partner))
    response = connect(client, session, email="not an email")
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "email"


def test_two_submissions_at_once_finalise_exactly_one_connection(
    app: Flask, partner: Partner
) -> None:
    client = app.test_client()
    link = make_link(client, partner)
    session = open_flow(client, link)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        local = app.test_client()
        barrier.wait()
        results.append(connect(local, session).status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [200, 409] or sorted(results) == [200, 410]
    account = client.get("/api/v1/account", headers=partner.headers).get_json()
    assert account["credits"]["used"] == 1
    events = client.get(
        f"/api/v1/connections/{link['connection']['id']}/events",
        headers=partner.headers,
    ).get_json()["data"]
    assert [e["type"] for e in events].count("connected") == 1


def test_trial_account_second_connection_ends_inactive_for_credits(
    client: FlaskClient,
) -> None:
    from tests.conftest import create_partner

    trial = create_partner(client, plan="trial", starting_credits=None)
    first = open_flow(client, make_link(client, trial))
    assert connect(client, first).get_json()["status"] == "synchronizing"
    second_link = make_link(client, trial)
    second = open_flow(client, second_link)
    assert second["systems"][0]["affordable"] is False

    result = connect(client, second).get_json()
    assert result["status"] == "inactive"
    connection = client.get(
        f"/api/v1/connections/{second_link['connection']['id']}", headers=trial.headers
    ).get_json()
    assert connection["status_reason"] == "insufficient_credits"
    assert connection["credits"] == 0


def test_a_link_stops_checking_passwords_after_ten_refusals(
    client: FlaskClient, partner: Partner
) -> None:
    session = open_flow(client, make_link(client, partner))
    wrong = {"username": "demo", "password": "guess"}
    for _ in range(10):
        assert connect(client, session, credentials=wrong).status_code == 422

    blocked = connect(client, session)
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert int(blocked.headers["Retry-After"]) > 0


def test_a_missing_credential_names_its_field(
    client: FlaskClient, partner: Partner
) -> None:
    session = open_flow(client, make_link(client, partner))
    response = connect(client, session, credentials={"username": "demo"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "password"
    assert error["message"] == "Password is required."


def test_parallel_wrong_passwords_cannot_slip_past_the_link_limit(
    app: Flask, partner: Partner
) -> None:
    client = app.test_client()
    session = open_flow(client, make_link(client, partner))
    wrong = {"username": "slow", "password": "guess"}
    statuses: list[int] = []
    barrier = threading.Barrier(14)

    def submit() -> None:
        barrier.wait()
        response = connect(app.test_client(), session, credentials=wrong)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit) for _ in range(14)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses.count(422) <= 10
    assert statuses.count(429) >= 4
    assert set(statuses) <= {422, 429}


def test_an_address_is_limited_across_links(
    client: FlaskClient, partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from link_flow.services import attempts

    monkeypatch.setattr(attempts, "PER_ADDRESS", 3)
    wrong = {"username": "demo", "password": "guess"}
    for _ in range(3):
        session = open_flow(client, make_link(client, partner))
        assert connect(client, session, credentials=wrong).status_code == 422

    fresh = open_flow(client, make_link(client, partner))
    assert connect(client, fresh).status_code == 429
    other_address = connect(client, fresh, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 200


def test_repeated_system_choices_do_not_flood_the_timeline(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)
    session = open_flow(client, link)
    headers = {"X-Link-Flow-Token": session["flow_token"]}
    for system in ["sandbox"] * 5 + ["odoo", "sandbox"] * 20:
        response = client.post(
            "/flow/api/events",
            json={"type": "system_chosen", "system": system},
            headers=headers,
        )
        assert response.status_code == 200
    events = client.get(
        f"/api/v1/connections/{link['connection']['id']}/events",
        headers=partner.headers,
    ).get_json()["data"]
    assert [e["type"] for e in events].count("system_chosen") == 20
