"""The Odoo adapter against a local fake speaking Odoo's JSON-RPC API."""

from __future__ import annotations

import json
import logging

import pytest

from link_flow.adapters.base import (
    AdapterContext,
    InvalidCredentials,
    InvalidInput,
    NotThatSystem,
)
from link_flow.adapters.odoo import OdooAdapter
from tests.adapters.conftest import ODOO_LOGIN, ODOO_PASSWORD
from tests.fakes.odoo import FakeOdoo, OdooDatabase
from tests.fakes.server import PlainWebsite


def _credentials(url: str, **overrides: str) -> dict[str, str]:
    values = {
        "url": url,
        "database": "plant",
        "username": ODOO_LOGIN,
        "password": ODOO_PASSWORD,
    }
    values.update(overrides)
    return values


def _calls(fake: FakeOdoo) -> list[tuple[str, str]]:
    calls = []
    for request in fake.requests:
        params = json.loads(request.body)["params"]
        calls.append((params["service"], params["method"]))
    return calls


def test_odoo_adapter_against_local_jsonrpc_fake_signs_in_with_right_password(
    odoo_fake: FakeOdoo, local_context: AdapterContext
) -> None:
    OdooAdapter(local_context).check_credentials(_credentials(odoo_fake.url))

    assert _calls(odoo_fake) == [("common", "version"), ("common", "authenticate")]
    assert all(r.path == "/jsonrpc" and r.method == "POST" for r in odoo_fake.requests)


def test_odoo_adapter_against_local_jsonrpc_fake_refuses_wrong_password(
    odoo_fake: FakeOdoo,
    local_context: AdapterContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    with pytest.raises(InvalidCredentials) as caught:
        OdooAdapter(local_context).check_credentials(
            _credentials(odoo_fake.url, password="not-it")
        )

    assert caught.value.field == "password"
    assert "not-it" not in caught.value.message
    assert "not-it" not in caplog.text


def test_odoo_adapter_against_local_jsonrpc_fake_reports_unknown_database(
    odoo_fake: FakeOdoo, local_context: AdapterContext
) -> None:
    with pytest.raises(InvalidInput) as caught:
        OdooAdapter(local_context).check_credentials(
            _credentials(odoo_fake.url, database="nope")
        )

    assert caught.value.field == "database"


def test_odoo_adapter_against_local_jsonrpc_fake_uses_the_only_listed_database(
    odoo_fake: FakeOdoo, local_context: AdapterContext
) -> None:
    summary = OdooAdapter(local_context).fetch_summary(
        _credentials(odoo_fake.url, database="")
    )

    assert summary["database"] == "plant"
    assert ("db", "list") in _calls(odoo_fake)


def test_odoo_adapter_against_local_jsonrpc_fake_asks_for_database_among_several(
    local_context: AdapterContext,
) -> None:
    users = {ODOO_LOGIN: (ODOO_PASSWORD, 2)}
    databases = {"plant": OdooDatabase(users), "plant-test": OdooDatabase(users)}
    with FakeOdoo(databases) as fake:
        with pytest.raises(InvalidInput) as caught:
            OdooAdapter(local_context).check_credentials(
                _credentials(fake.url, database="")
            )

    assert caught.value.field == "database"
    assert "plant-test" in caught.value.message


def test_odoo_adapter_against_local_jsonrpc_fake_asks_for_database_when_unlisted(
    local_context: AdapterContext,
) -> None:
    databases = {"plant": OdooDatabase({ODOO_LOGIN: (ODOO_PASSWORD, 2)})}
    with FakeOdoo(databases, list_db=False) as fake:
        with pytest.raises(InvalidInput) as caught:
            OdooAdapter(local_context).check_credentials(
                _credentials(fake.url, database="")
            )

    assert caught.value.field == "database"


def test_odoo_adapter_against_local_jsonrpc_fake_summarises_tolerating_missing_apps(
    odoo_fake: FakeOdoo, local_context: AdapterContext
) -> None:
    summary = OdooAdapter(local_context).fetch_summary(_credentials(odoo_fake.url))

    # maintenance.request is not "installed" in the fake: it reads as None.
    assert summary == {
        "server_version": "17.0",
        "database": "plant",
        "contacts": 25,
        "equipment": 9,
        "maintenance_requests": None,
    }


def test_odoo_adapter_against_local_jsonrpc_fake_accepts_pasted_web_client_url(
    odoo_fake: FakeOdoo, local_context: AdapterContext
) -> None:
    OdooAdapter(local_context).check_credentials(
        _credentials(f"{odoo_fake.url}/odoo/discuss")
    )

    assert {r.path for r in odoo_fake.requests} == {"/jsonrpc"}


def test_odoo_adapter_against_local_plain_http_site_is_not_that_system(
    plain_website: PlainWebsite, local_context: AdapterContext
) -> None:
    with pytest.raises(NotThatSystem) as caught:
        OdooAdapter(local_context).check_credentials(_credentials(plain_website.url))

    assert caught.value.field == "url"
    assert [r.path for r in plain_website.requests] == ["/jsonrpc"]


def test_odoo_adapter_refuses_a_missing_url_before_sending_anything(
    local_context: AdapterContext,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        OdooAdapter(local_context).check_credentials(_credentials(""))

    assert caught.value.field == "url"
