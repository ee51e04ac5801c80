"""Fixtures for the adapter tests: local protocol fakes and a throwaway PostgreSQL.

Everything listens on 127.0.0.1 only. The PostgreSQL cluster is made fresh
for the test session with password (SCRAM) authentication, because the
shared server on 127.0.0.1:5432 trusts every connection and so cannot show a
wrong password being refused.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from link_flow.adapters.base import AdapterContext
from tests.fakes.odoo import FakeOdoo, OdooDatabase
from tests.fakes.sap import FakeSapGateway
from tests.fakes.server import PlainWebsite, SilentServer, self_signed_tls_context
from tests.fakes.upkeep import FakeUpKeep

ODOO_LOGIN = "maintenance@example.com"
ODOO_PASSWORD = "odoo-secret-1"
UPKEEP_EMAIL = "planner@example.com"
UPKEEP_PASSWORD = "upkeep-secret-1"
SAP_USER = "COMM_USER"
SAP_PASSWORD = "sap-Secret-1"

S4_SERVICES = {
    "/sap/opu/odata/sap/API_MAINTNOTIFICATION": {"MaintenanceNotification": 42},
    "/sap/opu/odata/sap/API_MAINTENANCEORDER": {"MaintenanceOrder": 17},
    "/sap/opu/odata/sap/API_EQUIPMENT": {"Equipment": 230},
}
ECC_SERVICES = {
    "/sap/opu/odata/IWFND/CATALOGSERVICE;v=2": {"ServiceCollection": 12},
}


@pytest.fixture
def local_context() -> AdapterContext:
    """Return a context that may reach the loopback fakes."""
    return AdapterContext(allow_private_targets=True, timeout=5.0)


@pytest.fixture
def guarded_context() -> AdapterContext:
    """Return the production default: private and loopback targets refused."""
    return AdapterContext(allow_private_targets=False, timeout=5.0)


@pytest.fixture
def odoo_fake() -> Iterator[FakeOdoo]:
    databases = {
        "plant": OdooDatabase(
            users={ODOO_LOGIN: (ODOO_PASSWORD, 7)},
            counts={"res.partner": 25, "maintenance.equipment": 9},
        )
    }
    with FakeOdoo(databases) as fake:
        yield fake


@pytest.fixture
def plain_website() -> Iterator[PlainWebsite]:
    with PlainWebsite() as fake:
        yield fake


@pytest.fixture
def upkeep_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUpKeep]:
    from link_flow.adapters.upkeep import UpKeepAdapter

    with FakeUpKeep({UPKEEP_EMAIL: UPKEEP_PASSWORD}, assets=250, work_orders=3) as fake:
        monkeypatch.setattr(UpKeepAdapter, "base_url", fake.base_url)
        yield fake


@pytest.fixture
def s4_fake() -> Iterator[FakeSapGateway]:
    with FakeSapGateway(S4_SERVICES, users={SAP_USER: SAP_PASSWORD}) as fake:
        yield fake


@pytest.fixture
def ecc_fake() -> Iterator[FakeSapGateway]:
    with FakeSapGateway(
        ECC_SERVICES, users={SAP_USER: SAP_PASSWORD}, client="010"
    ) as fake:
        yield fake


@pytest.fixture
def tls_context(tmp_path: Path) -> ssl.SSLContext:
    """Return a server TLS context whose certificate no client trusts."""
    return self_signed_tls_context(tmp_path)


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


# --- the throwaway PostgreSQL cluster ---------------------------------------


@dataclass(frozen=True)
class PostgresCluster:
    """Where the throwaway cluster listens and the role made for the tests."""

    host: str
    port: int
    database: str
    username: str
    password: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str]) -> None:
    # Show the tool's own words when it fails; a bare exit status says little.
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command[0]} failed: {done.stderr or done.stdout}"


def _as_postgres(*command: str) -> list[str]:
    # initdb refuses to run as root; tests run as root in CI and here.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """Start a private PostgreSQL cluster with SCRAM auth; remove it afterwards."""
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    assert bindirs, "PostgreSQL server binaries are not installed"
    bindir = Path(bindirs[-1])
    root = Path(tempfile.mkdtemp(prefix="link-flow-pg-"))
    data = root / "data"
    started = False
    superuser_password = secrets.token_urlsafe(16)
    try:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        pwfile = root / "pwfile"
        pwfile.write_text(superuser_password + "\n")
        if os.geteuid() == 0:
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        pwfile.chmod(0o600)

        _run(
            _as_postgres(
                str(bindir / "initdb"),
                "-D",
                str(data),
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            )
        )
        port = _free_port()
        # Set first: a start that fails late may still leave a server to stop.
        started = True
        _run(
            _as_postgres(
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "server.log"),
                "-w",
                "-o",
                f"-c listen_addresses=127.0.0.1 -p {port} "
                f"-c unix_socket_directories={root} -c fsync=off",
                "start",
            )
        )

        cluster = PostgresCluster(
            host="127.0.0.1",
            port=port,
            database="plant_data",
            username="plant_reader",
            password=secrets.token_urlsafe(12),
        )
        _populate(cluster, superuser_password)

        yield cluster
    finally:
        if started:
            subprocess.run(
                _as_postgres(
                    str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"
                ),
                check=False,
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)


def _populate(cluster: PostgresCluster, superuser_password: str) -> None:
    admin = {
        "host": cluster.host,
        "port": cluster.port,
        "user": "postgres",
        "password": superuser_password,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(cluster.username),
                sql.Literal(cluster.password),
            )
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(cluster.database),
                sql.Identifier(cluster.username),
            )
        )
    with psycopg.connect(
        host=cluster.host,
        port=cluster.port,
        dbname=cluster.database,
        user=cluster.username,
        password=cluster.password,
    ) as conn:
        conn.execute("CREATE TABLE assets (id serial PRIMARY KEY, name text NOT NULL)")
        conn.execute(
            "CREATE TABLE work_orders (id serial PRIMARY KEY,"
            " asset_id integer REFERENCES assets (id), title text NOT NULL)"
        )
        conn.execute("INSERT INTO assets (name) VALUES ('Pump 1'), ('Press 2')")
