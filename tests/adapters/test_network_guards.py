"""Every HTTP adapter against local fakes: SSRF guard, TLS, timeouts, DNS changes.

Each case points one adapter at a local server and checks the failure it
reports, and, where the guard must stop a request, that the server never
saw one.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from link_flow.adapters.base import (
    AdapterContext,
    TargetNotAllowed,
    TimedOut,
    TlsFailure,
)
from link_flow.adapters.net import is_public_address, resolve_checked
from link_flow.adapters.odoo import OdooAdapter
from link_flow.adapters.sap import S4HanaCloudAdapter, SapEccAdapter
from link_flow.adapters.upkeep import UpKeepAdapter
from tests.adapters.conftest import (
    ECC_SERVICES,
    ODOO_LOGIN,
    ODOO_PASSWORD,
    S4_SERVICES,
    SAP_PASSWORD,
    SAP_USER,
    UPKEEP_EMAIL,
    UPKEEP_PASSWORD,
)
from tests.fakes.odoo import FakeOdoo, OdooDatabase
from tests.fakes.sap import FakeSapGateway
from tests.fakes.server import FakeServer, SilentServer
from tests.fakes.upkeep import FakeUpKeep


@dataclass(frozen=True)
class Case:
    """How to aim one adapter at a base URL, and which fake speaks its protocol."""

    adapter: type
    make_fake: Callable[..., FakeServer]
    url_field: str | None

    def credentials(self, url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
        if self.adapter is UpKeepAdapter:
            monkeypatch.setattr(UpKeepAdapter, "base_url", f"{url}/api/v2")
            return {"username": UPKEEP_EMAIL, "password": UPKEEP_PASSWORD}
        if self.adapter is OdooAdapter:
            return {
                "url": url,
                "database": "plant",
                "username": ODOO_LOGIN,
                "password": ODOO_PASSWORD,
            }
        return {
            "url": url,
            "client": "100",
            "username": SAP_USER,
            "password": SAP_PASSWORD,
        }


def _odoo(**kwargs: Any) -> FakeServer:
    users = {ODOO_LOGIN: (ODOO_PASSWORD, 2)}
    return FakeOdoo({"plant": OdooDatabase(users)}, **kwargs)


def _upkeep(**kwargs: Any) -> FakeServer:
    return FakeUpKeep({UPKEEP_EMAIL: UPKEEP_PASSWORD}, **kwargs)


def _s4(**kwargs: Any) -> FakeServer:
    return FakeSapGateway(S4_SERVICES, users={SAP_USER: SAP_PASSWORD}, **kwargs)


def _ecc(**kwargs: Any) -> FakeServer:
    return FakeSapGateway(
        ECC_SERVICES, users={SAP_USER: SAP_PASSWORD}, client="100", **kwargs
    )


CASES = {
    "odoo": Case(OdooAdapter, _odoo, "url"),
    "upkeep": Case(UpKeepAdapter, _upkeep, None),
    "sap_s4hana_cloud": Case(S4HanaCloudAdapter, _s4, "url"),
    "sap_ecc": Case(SapEccAdapter, _ecc, "url"),
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


@pytest.fixture
def no_dialling(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Fail any outbound connect, so a test can never reach a real address."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"a connection to {address!r} was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_http_adapter_against_local_fake_works_when_private_targets_allowed(
    case: Case, local_context: AdapterContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    with case.make_fake() as fake:
        credentials = case.credentials(fake.url, monkeypatch)

        case.adapter(local_context).check_credentials(credentials)

        assert fake.requests


def test_http_adapter_refuses_loopback_fake_before_any_request_reaches_it(
    case: Case, guarded_context: AdapterContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    with case.make_fake() as fake:
        credentials = case.credentials(fake.url, monkeypatch)

        with pytest.raises(TargetNotAllowed) as caught:
            case.adapter(guarded_context).check_credentials(credentials)

        assert fake.requests == []

    assert caught.value.field == case.url_field


@pytest.mark.parametrize(
    "address",
    [
        "http://[::1]:8069",
        "http://169.254.169.254",
        "http://10.1.2.3",
        "http://0.0.0.0",
    ],
)
def test_http_adapter_refuses_internal_addresses_without_dialling(
    case: Case,
    address: str,
    guarded_context: AdapterContext,
    monkeypatch: pytest.MonkeyPatch,
    no_dialling: list[Any],
) -> None:
    credentials = case.credentials(address, monkeypatch)

    with pytest.raises(TargetNotAllowed):
        case.adapter(guarded_context).check_credentials(credentials)

    assert no_dialling == []


def test_http_adapter_against_local_self_signed_tls_fake_reports_tls_failure(
    case: Case,
    local_context: AdapterContext,
    tls_context: ssl.SSLContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with case.make_fake(tls_context=tls_context) as fake:
        assert fake.url.startswith("https://")
        credentials = case.credentials(fake.url, monkeypatch)

        with pytest.raises(TlsFailure) as caught:
            case.adapter(local_context).check_credentials(credentials)

        # The handshake failed, so no HTTP request was ever read.
        assert fake.requests == []

    assert caught.value.field == case.url_field


def test_http_adapter_against_local_silent_server_times_out(
    case: Case, silent_server: SilentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = AdapterContext(allow_private_targets=True, timeout=0.5)
    credentials = case.credentials(silent_server.url, monkeypatch)

    with pytest.raises(TimedOut) as caught:
        case.adapter(context).check_credentials(credentials)

    assert caught.value.field == case.url_field


def test_http_adapter_refuses_a_name_whose_dns_answer_turns_to_loopback(
    case: Case,
    guarded_context: AdapterContext,
    monkeypatch: pytest.MonkeyPatch,
    no_dialling: list[Any],
) -> None:
    """A check that passed earlier does not let a later, changed answer through."""
    name = "customer-system.example.com"
    answers = ["93.184.215.14", "127.0.0.1"]
    asked: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def changing_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = answers[min(len(asked), len(answers) - 1)]
        asked.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]

    monkeypatch.setattr(socket, "getaddrinfo", changing_getaddrinfo)

    with case.make_fake() as fake:
        # An earlier validation step sees the public answer and passes it.
        assert resolve_checked(name, fake.port, allow_private=False)
        credentials = case.credentials(f"http://{name}:{fake.port}", monkeypatch)

        # By connect time the name points at the loopback fake.
        with pytest.raises(TargetNotAllowed):
            case.adapter(guarded_context).check_credentials(credentials)

        assert fake.requests == []

    assert asked == ["93.184.215.14", "127.0.0.1"]
    assert no_dialling == []


def test_http_adapter_dials_the_address_it_checked_for_a_name(
    case: Case, local_context: AdapterContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that resolves to the fake works when private targets are allowed."""
    name = "plant-system.example.test"
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)

    with case.make_fake() as fake:
        credentials = case.credentials(f"http://{name}:{fake.port}", monkeypatch)

        case.adapter(local_context).check_credentials(credentials)

        assert fake.requests[0].headers["host"] == f"{name}:{fake.port}"


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::1",  # local-use NAT64
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:0:127.0.0.1",  # IPv4-translated
        "::ffff:10.0.0.1",
        "fd00:ec2::254",
        "::",
        "100.64.0.1",
    ],
)
def test_ipv6_forms_carrying_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "64:ff9b::808:808", "2606:4700::1111"])
def test_public_addresses_stay_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))
