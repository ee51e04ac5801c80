"""The SAP adapters against a local fake SAP Gateway serving OData v2."""

from __future__ import annotations

import base64
import logging

import pytest

from link_flow.adapters.base import (
    AdapterContext,
    InvalidCredentials,
    InvalidInput,
    NotThatSystem,
)
from link_flow.adapters.sap import S4HanaCloudAdapter, SapEccAdapter
from tests.adapters.conftest import S4_SERVICES, SAP_PASSWORD, SAP_USER
from tests.fakes.sap import FakeSapGateway
from tests.fakes.server import PlainWebsite


def _s4(url: str, **overrides: str) -> dict[str, str]:
    return {"url": url, "username": SAP_USER, "password": SAP_PASSWORD, **overrides}


def _ecc(url: str, **overrides: str) -> dict[str, str]:
    return {"client": "10", **_s4(url), **overrides}


def test_s4hana_adapter_against_local_odata_fake_signs_in_with_basic_auth(
    s4_fake: FakeSapGateway, local_context: AdapterContext
) -> None:
    S4HanaCloudAdapter(local_context).check_credentials(_s4(s4_fake.url))

    [request] = s4_fake.requests
    assert request.path == "/sap/opu/odata/sap/API_MAINTNOTIFICATION/"
    expected = base64.b64encode(f"{SAP_USER}:{SAP_PASSWORD}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"


def test_s4hana_adapter_against_local_odata_fake_refuses_wrong_password(
    s4_fake: FakeSapGateway,
    local_context: AdapterContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    with pytest.raises(InvalidCredentials) as caught:
        S4HanaCloudAdapter(local_context).check_credentials(
            _s4(s4_fake.url, password="Wrong-1")
        )

    assert caught.value.field == "password"
    assert "Wrong-1" not in caught.value.message
    assert "Wrong-1" not in caplog.text


def test_s4hana_adapter_against_local_odata_fake_counts_entity_sets(
    s4_fake: FakeSapGateway, local_context: AdapterContext
) -> None:
    summary = S4HanaCloudAdapter(local_context).fetch_summary(_s4(s4_fake.url))

    assert summary == {
        "maintenance_notifications": 42,
        "maintenance_orders": 17,
        "equipment": 230,
    }
    counted = [r for r in s4_fake.requests if not r.path.endswith("/")]
    assert len(counted) == 3
    assert all(r.query["$inlinecount"] == ["allpages"] for r in counted)
    assert all("$top=0" in r.raw_query for r in counted)


def test_s4hana_adapter_against_local_odata_fake_tolerates_ungranted_apis(
    local_context: AdapterContext,
) -> None:
    forbidden = frozenset({"/sap/opu/odata/sap/API_MAINTNOTIFICATION"})
    with FakeSapGateway(
        S4_SERVICES, users={SAP_USER: SAP_PASSWORD}, forbidden=forbidden
    ) as fake:
        summary = S4HanaCloudAdapter(local_context).fetch_summary(_s4(fake.url))

    assert summary["maintenance_notifications"] is None
    assert summary["maintenance_orders"] == 17


def test_s4hana_adapter_against_local_odata_fake_names_user_when_nothing_granted(
    local_context: AdapterContext,
) -> None:
    with FakeSapGateway(
        S4_SERVICES, users={SAP_USER: SAP_PASSWORD}, forbidden=frozenset(S4_SERVICES)
    ) as fake:
        with pytest.raises(InvalidCredentials) as caught:
            S4HanaCloudAdapter(local_context).check_credentials(_s4(fake.url))

    assert caught.value.field == "username"


def test_s4hana_adapter_against_local_odata_fake_reports_sign_in_page_redirect(
    local_context: AdapterContext,
) -> None:
    with FakeSapGateway(
        S4_SERVICES, users={SAP_USER: SAP_PASSWORD}, redirect_to_sign_in=True
    ) as fake:
        with pytest.raises(NotThatSystem) as caught:
            S4HanaCloudAdapter(local_context).check_credentials(_s4(fake.url))

        # The redirect was not followed to the sign-in host.
        assert len(fake.requests) == 1

    assert caught.value.field == "url"


def test_s4hana_adapter_against_local_plain_http_site_is_not_that_system(
    plain_website: PlainWebsite, local_context: AdapterContext
) -> None:
    with pytest.raises(NotThatSystem) as caught:
        S4HanaCloudAdapter(local_context).check_credentials(_s4(plain_website.url))

    assert caught.value.field == "url"


def test_s4hana_adapter_against_local_odata_fake_accepts_a_pasted_service_url(
    s4_fake: FakeSapGateway, local_context: AdapterContext
) -> None:
    pasted = f"{s4_fake.url}/sap/opu/odata/sap/API_EQUIPMENT/Equipment"

    S4HanaCloudAdapter(local_context).check_credentials(_s4(pasted))

    assert s4_fake.requests[0].path == "/sap/opu/odata/sap/API_MAINTNOTIFICATION/"


def test_ecc_adapter_against_local_odata_fake_sends_padded_sap_client(
    ecc_fake: FakeSapGateway, local_context: AdapterContext
) -> None:
    summary = SapEccAdapter(local_context).fetch_summary(_ecc(ecc_fake.url))

    assert summary == {"odata_services": 12}
    assert ecc_fake.requests[0].path == "/sap/opu/odata/IWFND/CATALOGSERVICE;v=2/"
    assert all(r.query["sap-client"] == ["010"] for r in ecc_fake.requests)


def test_ecc_adapter_against_local_odata_fake_refuses_wrong_password(
    ecc_fake: FakeSapGateway, local_context: AdapterContext
) -> None:
    with pytest.raises(InvalidCredentials) as caught:
        SapEccAdapter(local_context).check_credentials(
            _ecc(ecc_fake.url, password="Wrong-2")
        )

    assert caught.value.field == "password"


def test_ecc_adapter_refuses_a_malformed_client_before_sending_anything(
    ecc_fake: FakeSapGateway, local_context: AdapterContext
) -> None:
    with pytest.raises(InvalidInput) as caught:
        SapEccAdapter(local_context).check_credentials(
            _ecc(ecc_fake.url, client="1000")
        )

    assert caught.value.field == "client"
    assert ecc_fake.requests == []
