"""The ``link-flow`` commands the contract names, run through Click."""

from __future__ import annotations

import json

from flask import Flask

from link_flow.cli import main


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_accounts_create_prints_one_json_object_with_client_credentials(
    sqlite_app: Flask,
) -> None:
    trial = json.loads(run(sqlite_app, "accounts", "create", "--name", "Trial Co"))
    assert trial["account_id"].startswith("acc_")
    assert trial["client_id"] and trial["client_secret"]
    assert trial["plan"] == "trial" and trial["credits"] == 1

    paid = json.loads(
        run(
            sqlite_app,
            "accounts",
            "create",
            "--name",
            "Paid Co",
            "--plan",
            "paid",
            "--origin",
            "https://app.example.com",
            "--redirect-uri",
            "https://app.example.com/done",
        )
    )
    assert paid["credits"] == 0
    token = sqlite_app.test_client().post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(paid["client_id"], paid["client_secret"]),
    )
    assert token.status_code == 200
    account = (
        sqlite_app.test_client()
        .get(
            "/api/v1/account",
            headers={"Authorization": f"Bearer {token.get_json()['access_token']}"},
        )
        .get_json()
    )
    assert account["allowed_origins"] == ["https://app.example.com"]
    assert account["redirect_uris"] == ["https://app.example.com/done"]


def test_accounts_create_refuses_a_bad_origin_clearly(sqlite_app: Flask) -> None:
    result = sqlite_app.test_cli_runner().invoke(
        main, ["accounts", "create", "--name", "X", "--origin", "not-an-origin"]
    )
    assert result.exit_code != 0
    assert "origin" in result.output


def test_demo_prints_credentials_a_curl_and_a_usable_link(sqlite_app: Flask) -> None:
    output = run(sqlite_app, "demo")
    assert "client_secret:" in output
    assert "grant_type=client_credentials" in output
    url = next(line.strip() for line in output.splitlines() if "/link/ml_" in line)
    path = "/" + url.split("/", 3)[3].split("#", 1)[0]
    assert sqlite_app.test_client().get(path).status_code == 200
    again = run(sqlite_app, "demo")
    assert again.count("Demo Partner") == 1
