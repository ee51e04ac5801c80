"""The OpenAPI document stays true to the routes and to real answers."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from link_flow.api.openapi import build_document
from tests.conftest import Partner
from tests.flow.test_flow_api import connect, open_flow
from tests.test_magic_link_api import make_link


def assert_matches(document: dict[str, Any], name: str, instance: Any) -> None:
    schema = {
        "components": document["components"],
        "$ref": f"#/components/schemas/{name}",
    }
    Draft202012Validator(schema).validate(instance)


def test_every_api_route_is_documented_and_nothing_else(sqlite_app: Flask) -> None:
    document = build_document()
    routes: set[tuple[str, str]] = set()
    for rule in sqlite_app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule == "/oauth/token"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", "{id}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert routes == documented


def test_real_answers_validate_against_the_document(
    client: FlaskClient, partner: Partner
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    link = make_link(client, partner, systems=["sandbox"], email="a@example.com")
    assert_matches(document, "MagicLink", link)
    assert connect(client, open_flow(client, link)).status_code == 200

    connection_id = link["connection"]["id"]
    connection = client.get(
        f"/api/v1/connections/{connection_id}", headers=partner.headers
    ).get_json()
    assert_matches(document, "Connection", connection)
    account = client.get("/api/v1/account", headers=partner.headers).get_json()
    assert_matches(document, "Account", account)
    for system in client.get("/api/v1/systems", headers=partner.headers).get_json()[
        "data"
    ]:
        assert_matches(document, "System", system)
    events = client.get(
        f"/api/v1/connections/{connection_id}/events", headers=partner.headers
    ).get_json()["data"]
    for event in events:
        assert_matches(document, "Event", event)
    error = client.get("/api/v1/connections/nope", headers=partner.headers).get_json()
    assert_matches(document, "Error", error)
