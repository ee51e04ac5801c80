"""The UpKeep adapter against a local fake of the UpKeep API v2."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import pytest

from link_flow.adapters.base import AdapterContext, InvalidCredentials, InvalidInput
from link_flow.adapters.upkeep import UPKEEP, UpKeepAdapter
from tests.adapters.conftest import UPKEEP_EMAIL, UPKEEP_PASSWORD
from tests.fakes.upkeep import FakeUpKeep

CREDENTIALS = {"username": UPKEEP_EMAIL, "password": UPKEEP_PASSWORD}


def test_upkeep_catalog_entry_targets_the_production_api_by_default() -> None:
    assert UPKEEP.adapter is UpKeepAdapter
    # Read from the class as shipped, not through a test override.
    assert UpKeepAdapter.__dict__["base_url"] == "https://api.onupkeep.com/api/v2"


def test_upkeep_adapter_against_local_v2_fake_signs_in_and_out(
    upkeep_fake: FakeUpKeep, local_context: AdapterContext
) -> None:
    UpKeepAdapter(local_context).check_credentials(CREDENTIALS)

    sign_in = upkeep_fake.requests[0]
    assert (sign_in.method, sign_in.path) == ("POST", "/api/v2/auth/")
    assert parse_qs(sign_in.body.decode()) == {
        "email": [UPKEEP_EMAIL],
        "password": [UPKEEP_PASSWORD],
    }
    listing = upkeep_fake.requests[1]
    assert listing.headers["session-token"].startswith("r:")
    assert (upkeep_fake.requests[-1].method, upkeep_fake.requests[-1].path) == (
        "DELETE",
        "/api/v2/auth/",
    )
    assert upkeep_fake.sessions == set()


def test_upkeep_adapter_against_local_v2_fake_refuses_wrong_password(
    upkeep_fake: FakeUpKeep,
    local_context: AdapterContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    with pytest.raises(InvalidCredentials) as caught:
        UpKeepAdapter(local_context).check_credentials(
            {"username": UPKEEP_EMAIL, "password": "wrong-one"}
        )

    assert caught.value.field == "password"
    assert "wrong-one" not in caught.value.message
    assert "wrong-one" not in caplog.text


def test_upkeep_adapter_against_local_v2_fake_reports_plan_without_api(
    local_context: AdapterContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeUpKeep({UPKEEP_EMAIL: UPKEEP_PASSWORD}, api_enabled=False) as fake:
        monkeypatch.setattr(UpKeepAdapter, "base_url", fake.base_url)
        with pytest.raises(InvalidCredentials) as caught:
            UpKeepAdapter(local_context).check_credentials(CREDENTIALS)

        assert fake.sessions == set()

    assert caught.value.field == "username"


def test_upkeep_adapter_against_local_v2_fake_counts_across_pages(
    upkeep_fake: FakeUpKeep, local_context: AdapterContext
) -> None:
    summary = UpKeepAdapter(local_context).fetch_summary(CREDENTIALS)

    assert summary == {"assets": 250, "work_orders": 3, "capped": False}
    asset_pages = [r for r in upkeep_fake.requests if r.path == "/api/v2/assets/"]
    assert [r.query["offset"] for r in asset_pages] == [["0"], ["100"], ["200"]]


def test_upkeep_adapter_against_local_v2_fake_caps_long_lists(
    upkeep_fake: FakeUpKeep,
    local_context: AdapterContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(UpKeepAdapter, "max_pages", 2)

    summary = UpKeepAdapter(local_context).fetch_summary(CREDENTIALS)

    assert summary == {"assets": 200, "work_orders": 3, "capped": True}


def test_upkeep_adapter_asks_for_the_email_before_sending_anything(
    upkeep_fake: FakeUpKeep, local_context: AdapterContext
) -> None:
    with pytest.raises(InvalidInput) as caught:
        UpKeepAdapter(local_context).check_credentials({"password": "x"})

    assert caught.value.field == "username"
    assert upkeep_fake.requests == []
