"""Credits: what each system costs, when they are taken and given back, races."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from link_flow.services.credits import add_credits
from tests.conftest import Partner, create_partner
from tests.lifecycle.fake_system import FakePlc
from tests.lifecycle.steps import (
    all_at_once,
    connect_through_flow,
    get_account,
    get_connection,
    make_link,
    open_flow,
    submit_credentials,
    timeline,
)

TIER_COST = {1: 1, 2: 2, 3: 4}


def test_every_catalog_system_costs_its_tier_doubled_on_prem(
    client: FlaskClient, partner: Partner
) -> None:
    systems = client.get("/api/v1/systems", headers=partner.headers).get_json()["data"]

    assert systems
    for system in systems:
        expected = TIER_COST[system["tier"]]
        if system["deployment"] == "on_prem":
            expected *= 2
        assert system["credits"] == expected, system["key"]
    sandbox = next(s for s in systems if s["key"] == "sandbox")
    assert (sandbox["tier"], sandbox["deployment"], sandbox["credits"]) == (
        1,
        "cloud",
        1,
    )


@pytest.mark.parametrize(
    ("tier", "deployment", "cost"),
    [
        (1, "cloud", 1),
        (2, "cloud", 2),
        (3, "cloud", 4),
        (1, "on_prem", 2),
        (2, "on_prem", 4),
        (3, "on_prem", 8),
    ],
)
def test_establishing_takes_the_tier_cost_and_disconnecting_returns_it(
    sqlite_app: Flask, fake_plc: FakePlc, tier: int, deployment: str, cost: int
) -> None:
    client = sqlite_app.test_client()
    partner = create_partner(client, starting_credits=10)
    fake_plc.register("plc_x", tier, deployment)
    listed = client.get("/api/v1/systems", headers=partner.headers).get_json()
    assert next(s for s in listed["data"] if s["key"] == "plc_x")["credits"] == cost

    connection_id = connect_through_flow(
        client, partner, fake_plc.credentials, system="plc_x"
    )

    assert get_connection(client, partner, connection_id)["credits"] == cost
    assert get_account(client, partner)["credits"] == {
        "balance": 10,
        "used": cost,
        "available": 10 - cost,
    }
    deleted = client.delete(
        f"/api/v1/connections/{connection_id}", headers=partner.headers
    )
    assert deleted.status_code == 200
    assert deleted.get_json()["credits"] == 0
    assert get_account(client, partner)["credits"]["used"] == 0


def test_a_trial_account_starts_with_one_credit_and_a_paid_one_with_none(
    client: FlaskClient,
) -> None:
    trial = create_partner(client, plan="trial", starting_credits=None)
    paid = create_partner(client, name="Paid Co", plan="paid", starting_credits=None)

    assert get_account(client, trial)["credits"] == {
        "balance": 1,
        "used": 0,
        "available": 1,
    }
    assert get_account(client, paid)["credits"]["balance"] == 0


def test_credits_are_taken_when_the_flow_finishes_not_when_the_link_is_made(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)
    open_flow(client, link)
    assert get_account(client, partner)["credits"]["used"] == 0

    session = open_flow(client, link)
    assert submit_credentials(client, session).status_code == 200

    assert get_account(client, partner)["credits"]["used"] == 1
    connection = get_connection(client, partner, link["connection"]["id"])
    assert connection["credits"] == 1
    assert connection["overage"] is False


def test_disconnect_returns_credits_erases_credentials_and_is_idempotent(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    from link_flow.extensions import db
    from link_flow.models import Connection

    connection_id = connect_through_flow(client, partner)
    url = f"/api/v1/connections/{connection_id}"

    first = client.delete(url, headers=partner.headers)
    second = client.delete(url, headers=partner.headers)

    assert first.status_code == second.status_code == 200
    body = second.get_json()
    assert (body["status"], body["status_reason"]) == (
        "inactive",
        "disconnected_by_partner",
    )
    assert get_account(client, partner)["credits"] == {
        "balance": 10,
        "used": 0,
        "available": 10,
    }
    with app.app_context():
        row = db.session.get(Connection, connection_id)
        assert row is not None and row.credentials_encrypted is None


def test_the_account_reports_balance_used_available_and_overage(
    client: FlaskClient,
) -> None:
    partner = create_partner(client, plan="paid", starting_credits=1)
    connect_through_flow(client, partner)
    short = connect_through_flow(client, partner)
    assert get_connection(client, partner, short)["status"] == "inactive"
    reactivated = client.post(
        f"/api/v1/connections/{short}/reactivate", headers=partner.headers
    )
    assert reactivated.status_code == 200

    account = get_account(client, partner)

    assert account["credits"] == {"balance": 1, "used": 1, "available": 0}
    assert account["overage_connections"] == 1
    assert account["plan"] == "paid"


def test_concurrent_completions_never_spend_more_than_the_balance(
    app: Flask,
) -> None:
    client = app.test_client()
    partner = create_partner(client, starting_credits=2)
    links = [make_link(client, partner, name=f"Line {n}") for n in range(5)]
    sessions = [open_flow(client, link) for link in links]

    answers = all_at_once(
        app,
        [
            lambda local, session=session: submit_credentials(local, session)
            for session in sessions
        ],
    )

    assert [a.status_code for a in answers] == [200] * 5
    outcomes = sorted(
        (c["status"], c["status_reason"], c["credits"])
        for c in (
            get_connection(client, partner, link["connection"]["id"]) for link in links
        )
    )
    assert outcomes == [
        ("inactive", "insufficient_credits", 0),
        ("inactive", "insufficient_credits", 0),
        ("inactive", "insufficient_credits", 0),
        ("synchronizing", None, 1),
        ("synchronizing", None, 1),
    ]
    assert get_account(client, partner)["credits"] == {
        "balance": 2,
        "used": 2,
        "available": 0,
    }


def test_concurrent_reactivations_of_one_connection_take_credits_once(
    app: Flask,
) -> None:
    client = app.test_client()
    partner = create_partner(client, plan="paid", starting_credits=0)
    connection_id = connect_through_flow(client, partner)
    with app.app_context():
        add_credits(partner.account_id, 5)
    url = f"/api/v1/connections/{connection_id}/reactivate"

    answers = all_at_once(
        app, [lambda local: local.post(url, headers=partner.headers)] * 4
    )

    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert get_account(client, partner)["credits"]["used"] == 1
    assert get_connection(client, partner, connection_id)["credits"] == 1


def test_concurrent_disconnects_return_the_credits_once(app: Flask) -> None:
    client = app.test_client()
    partner = create_partner(client, starting_credits=2)
    kept = connect_through_flow(client, partner)
    dropped = connect_through_flow(client, partner)
    url = f"/api/v1/connections/{dropped}"

    answers = all_at_once(
        app, [lambda local: local.delete(url, headers=partner.headers)] * 4
    )

    assert [a.status_code for a in answers] == [200] * 4
    assert get_account(client, partner)["credits"] == {
        "balance": 2,
        "used": 1,
        "available": 1,
    }
    assert get_connection(client, partner, kept)["credits"] == 1
    events = timeline(client, partner, dropped)
    assert [e["type"] for e in events].count("disconnected") == 1


def test_the_partner_and_the_customer_are_told_what_the_account_cannot_afford(
    sqlite_app: Flask, fake_plc: FakePlc
) -> None:
    client = sqlite_app.test_client()
    trial = create_partner(client, plan="trial", starting_credits=None)
    fake_plc.register("plc_big", tier=2, deployment="on_prem")

    link = make_link(client, trial, systems=["sandbox", "plc_big"])
    session = open_flow(client, link)

    assert link["credits"] == {"available": 1, "unaffordable_systems": ["plc_big"]}
    offered = {s["key"]: (s["credits"], s["affordable"]) for s in session["systems"]}
    assert offered == {"sandbox": (1, True), "plc_big": (4, False)}
    assert session["credits_available"] == 1


def test_an_overage_connection_stops_counting_once_disconnected(
    client: FlaskClient,
) -> None:
    partner = create_partner(client, plan="paid", starting_credits=0)
    connection_id = connect_through_flow(client, partner)
    client.post(
        f"/api/v1/connections/{connection_id}/reactivate", headers=partner.headers
    )
    assert get_account(client, partner)["overage_connections"] == 1

    client.delete(f"/api/v1/connections/{connection_id}", headers=partner.headers)

    account = get_account(client, partner)
    assert account["overage_connections"] == 0
    assert account["credits"] == {"balance": 0, "used": 0, "available": 0}
    assert get_connection(client, partner, connection_id)["overage"] is False
