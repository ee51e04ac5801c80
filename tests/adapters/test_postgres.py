"""The PostgreSQL adapter against a throwaway local cluster with SCRAM auth."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest

from link_flow.adapters.base import (
    AdapterContext,
    InvalidCredentials,
    InvalidInput,
    NotThatSystem,
    TargetNotAllowed,
    TimedOut,
    TlsFailure,
    Unreachable,
)
from link_flow.adapters.postgres import POSTGRESQL, PostgresAdapter
from tests.adapters.conftest import PostgresCluster
from tests.fakes.server import BannerServer, SilentServer


def _credentials(cluster: PostgresCluster, **overrides: str) -> dict[str, str]:
    values = {
        "host": cluster.host,
        "port": str(cluster.port),
        "database": cluster.database,
        "username": cluster.username,
        "password": cluster.password,
        "sslmode": "prefer",
    }
    values.update(overrides)
    return values


def test_postgres_adapter_against_local_scram_cluster_accepts_right_password(
    postgres_cluster: PostgresCluster, local_context: AdapterContext
) -> None:
    PostgresAdapter(local_context).check_credentials(_credentials(postgres_cluster))


def test_postgres_adapter_against_local_scram_cluster_refuses_wrong_password(
    postgres_cluster: PostgresCluster,
    local_context: AdapterContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    with pytest.raises(InvalidCredentials) as caught:
        PostgresAdapter(local_context).check_credentials(
            _credentials(postgres_cluster, password="not-the-password")
        )

    assert caught.value.field == "password"
    assert "not-the-password" not in caught.value.message
    assert "not-the-password" not in caplog.text


def test_postgres_adapter_against_local_scram_cluster_reports_unknown_database(
    postgres_cluster: PostgresCluster, local_context: AdapterContext
) -> None:
    with pytest.raises(InvalidInput) as caught:
        PostgresAdapter(local_context).check_credentials(
            _credentials(postgres_cluster, database="no_such_db")
        )

    assert caught.value.field == "database"


def test_postgres_adapter_against_local_scram_cluster_summarises(
    postgres_cluster: PostgresCluster, local_context: AdapterContext
) -> None:
    summary = PostgresAdapter(local_context).fetch_summary(
        _credentials(postgres_cluster)
    )

    assert summary["server_version"].split(".")[0].isdigit()
    assert summary["public_tables"] == 2
    assert summary["database_size_bytes"] > 0
    assert summary["database_size"].endswith("kB") or "MB" in summary["database_size"]


def test_postgres_adapter_against_local_cluster_without_tls_fails_required_tls(
    postgres_cluster: PostgresCluster, local_context: AdapterContext
) -> None:
    with pytest.raises(TlsFailure) as caught:
        PostgresAdapter(local_context).check_credentials(
            _credentials(postgres_cluster, sslmode="require")
        )

    assert caught.value.field == "sslmode"


def test_postgres_adapter_refuses_loopback_when_private_targets_are_not_allowed(
    postgres_cluster: PostgresCluster, guarded_context: AdapterContext
) -> None:
    with pytest.raises(TargetNotAllowed) as caught:
        PostgresAdapter(guarded_context).check_credentials(
            _credentials(postgres_cluster)
        )

    assert caught.value.field == "host"


def test_postgres_adapter_dials_the_checked_address_not_a_fresh_lookup(
    postgres_cluster: PostgresCluster,
    local_context: AdapterContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """libpq gets the checked IP as hostaddr; the name itself never resolves."""
    name = "plant-db.example.test"
    asked: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real_getaddrinfo(host, port, *args, **kwargs)
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)

    # ".test" names never resolve in real DNS (RFC 6761), so success shows
    # libpq dialled the address checked here rather than looking it up.
    PostgresAdapter(local_context).check_credentials(
        _credentials(postgres_cluster, host=name)
    )

    assert asked == [name]


def test_postgres_adapter_refuses_name_resolving_to_loopback_when_guarded(
    postgres_cluster: PostgresCluster,
    guarded_context: AdapterContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = "plant-db.example.com"
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)

    with pytest.raises(TargetNotAllowed):
        PostgresAdapter(guarded_context).check_credentials(
            _credentials(postgres_cluster, host=name)
        )


def test_postgres_adapter_against_closed_local_port_is_unreachable(
    local_context: AdapterContext,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port now.

    with pytest.raises(Unreachable) as caught:
        PostgresAdapter(local_context).check_credentials(
            {
                "host": "127.0.0.1",
                "port": str(port),
                "database": "x",
                "username": "y",
                "password": "z",
            }
        )

    assert caught.value.field == "host"


def test_postgres_adapter_against_local_silent_server_times_out(
    silent_server: SilentServer,
) -> None:
    context = AdapterContext(allow_private_targets=True, timeout=1.0)

    with pytest.raises(TimedOut) as caught:
        PostgresAdapter(context).check_credentials(
            {
                "host": "127.0.0.1",
                "port": str(silent_server.port),
                "database": "x",
                "username": "y",
                "password": "z",
            }
        )

    assert caught.value.field == "host"


@pytest.mark.parametrize("sslmode", ["prefer", "disable"])
def test_postgres_adapter_against_local_banner_service_is_not_that_system(
    sslmode: str, local_context: AdapterContext
) -> None:
    server = BannerServer()
    try:
        with pytest.raises(NotThatSystem) as caught:
            PostgresAdapter(local_context).check_credentials(
                {
                    "host": "127.0.0.1",
                    "port": str(server.port),
                    "database": "x",
                    "username": "y",
                    "password": "z",
                    "sslmode": sslmode,
                }
            )
    finally:
        server.close()

    assert caught.value.field == "port"
    assert server.connections == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "db.example.com,10.0.0.1"),
        ("host", "/var/run/postgresql"),
        ("port", "70000"),
        ("sslmode", "allow"),
        ("database", ""),
    ],
)
def test_postgres_adapter_refuses_malformed_input_before_connecting(
    field: str, value: str, local_context: AdapterContext
) -> None:
    credentials = {
        "host": "db.example.com",
        "port": "5432",
        "database": "plant",
        "username": "reader",
        "password": "pw",
        field: value,
    }

    with pytest.raises(InvalidInput) as caught:
        PostgresAdapter(local_context).check_credentials(credentials)

    assert caught.value.field == field


def test_postgresql_catalog_entry_defaults() -> None:
    fields = {f.name: f for f in POSTGRESQL.fields}

    assert fields["port"].default == "5432"
    assert fields["sslmode"].options == ("prefer", "require", "verify-full", "disable")
    assert POSTGRESQL.credits == 2
