"""Leaving ``inactive``: with credits, as overage on paid, refused on trial."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from link_flow.cli import main as link_flow_cli
from tests.conftest import Partner, create_partner
from tests.lifecycle.steps import (
    connect_through_flow,
    get_account,
    get_connection,
    make_link,
    run_jobs,
    timeline,
)


def reactivate(client: FlaskClient, partner: Partner, connection_id: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/connections/{connection_id}/reactivate", headers=partner.headers
    )


def test_paid_account_without_credits_reactivates_as_overage_then_goes_active(
    app: Flask, client: FlaskClient
) -> None:
    partner = create_partner(client, plan="paid", starting_credits=0)
    connection_id = connect_through_flow(client, partner)
    run_jobs(app)
    stuck = get_connection(client, partner, connection_id)
    assert (stuck["status"], stuck["status_reason"]) == (
        "inactive",
        "insufficient_credits",
    )
    assert stuck["last_sync"] is None, "no sync runs without credits"

    response = reactivate(client, partner, connection_id)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["status_reason"]) == ("synchronizing", None)
    assert (body["overage"], body["credits"]) == (True, 0)
    run_jobs(app)
    synced = get_connection(client, partner, connection_id)
    assert synced["status"] == "active"
    assert synced["last_sync"] is not None
    account = get_account(client, partner)
    assert account["overage_connections"] == 1
    assert account["credits"] == {"balance": 0, "used": 0, "available": 0}
    assert "reactivated" in [
        e["type"] for e in timeline(client, partner, connection_id)
    ]


def test_trial_account_without_credits_is_refused_with_402_and_the_numbers(
    client: FlaskClient,
) -> None:
    partner = create_partner(client, plan="trial", starting_credits=None)
    connect_through_flow(client, partner)
    second = connect_through_flow(client, partner)

    response = reactivate(client, partner, second)

    assert response.status_code == 402
    error = response.get_json()["error"]
    assert error["code"] == "INSUFFICIENT_CREDITS"
    assert (error["needed"], error["available"]) == (1, 0)
    assert "1 credit" in error["message"] and "0 available" in error["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]
    connection = get_connection(client, partner, second)
    assert (connection["status"], connection["overage"]) == ("inactive", False)
    assert get_account(client, partner)["overage_connections"] == 0


def test_reactivating_a_connection_that_is_not_inactive_is_a_409(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    pending = make_link(client, partner)["connection"]["id"]
    active = connect_through_flow(client, partner)
    run_jobs(app)
    synchronizing = connect_through_flow(client, partner)

    for connection_id, status in [
        (pending, "pending"),
        (synchronizing, "synchronizing"),
        (active, "active"),
    ]:
        response = reactivate(client, partner, connection_id)
        assert response.status_code == 409, status
        assert status in response.get_json()["error"]["message"]
        assert get_connection(client, partner, connection_id)["status"] == status


def test_a_disconnected_connection_cannot_be_reactivated(
    client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    client.delete(f"/api/v1/connections/{connection_id}", headers=partner.headers)

    response = reactivate(client, partner, connection_id)

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "DISCONNECTED"
    assert "new magic link" in error["message"]
    assert get_account(client, partner)["credits"]["used"] == 0


def test_added_credits_let_an_inactive_connection_reactivate_with_credits(
    app: Flask, client: FlaskClient
) -> None:
    partner = create_partner(client, plan="trial", starting_credits=None)
    connect_through_flow(client, partner)
    waiting = connect_through_flow(client, partner)
    assert reactivate(client, partner, waiting).status_code == 402

    result = app.test_cli_runner().invoke(
        link_flow_cli, ["accounts", "add-credits", partner.account_id, "3"]
    )

    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["credits"] == {"balance": 4, "used": 1, "available": 3}
    response = reactivate(client, partner, waiting)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["overage"], body["credits"]) == (
        "synchronizing",
        False,
        1,
    )
    assert get_account(client, partner)["credits"] == {
        "balance": 4,
        "used": 2,
        "available": 2,
    }


def test_add_credits_refuses_unknown_accounts_and_amounts_below_one(
    app: Flask, partner: Partner
) -> None:
    runner = app.test_cli_runner()

    unknown = runner.invoke(link_flow_cli, ["accounts", "add-credits", "acc_x", "1"])
    zero = runner.invoke(
        link_flow_cli, ["accounts", "add-credits", partner.account_id, "0"]
    )

    assert unknown.exit_code != 0 and "No account acc_x" in unknown.output
    assert zero.exit_code != 0 and "positive" in zero.output
