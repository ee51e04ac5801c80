"""PostgreSQL: signs in to a customer's database with psycopg (libpq).

The host name is resolved and checked here, and libpq is handed the checked
address as ``hostaddr`` (with the name as ``host``, used for TLS), so the DNS
answer that was checked is the one dialled. libpq reports failed connections
only as text, without a SQLSTATE, so errors are told apart by libpq's and the
server's (English) messages.
"""

from __future__ import annotations

import logging
import math
import os
import re
import socket
from typing import Any

import psycopg

from link_flow.adapters.base import (
    AdapterContext,
    AdapterError,
    CredentialField,
    InvalidCredentials,
    InvalidInput,
    NotThatSystem,
    System,
    SystemFailure,
    TargetNotAllowed,
    TimedOut,
    TlsFailure,
    Unreachable,
)
from link_flow.adapters.net import ForbiddenAddress, resolve_checked

logger = logging.getLogger(__name__)

SSL_MODES = ("prefer", "require", "verify-full", "disable")
DEFAULT_PORT = 5432

# A DNS name or an IP literal; anything else (a comma, a slash, a space) would
# mean several hosts or a Unix socket to libpq.
_HOST_PATTERN = re.compile(r"[A-Za-z0-9.\-]+|\[?[0-9A-Fa-f:.]+\]?")

# libpq messages that mean nothing answered, so the next address may do.
_NETWORK_PHRASES = (
    "connection refused",
    "no route to host",
    "network is unreachable",
    "could not connect",
)


class PostgresAdapter:
    """Connects to one PostgreSQL database with a role's name and password."""

    def __init__(self, context: AdapterContext) -> None:
        self.context = context

    def check_credentials(self, credentials: dict[str, str]) -> None:
        """Open a connection once; raise an ``AdapterError`` when it fails."""
        with self._connect(credentials):
            pass

    def fetch_summary(self, credentials: dict[str, str]) -> dict[str, Any]:
        """Return the server version, table count and size of the database."""
        with self._connect(credentials) as conn:
            timeout_ms = int(self.context.timeout * 1000)
            conn.execute(f"SET statement_timeout = {timeout_ms}")

            version = conn.execute("SHOW server_version").fetchone()
            tables = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_class c"
                " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            ).fetchone()
            size = conn.execute(
                "SELECT pg_database_size(current_database()),"
                " pg_size_pretty(pg_database_size(current_database()))"
            ).fetchone()

        return {
            "server_version": version[0] if version else None,
            "public_tables": tables[0] if tables else None,
            "database_size_bytes": size[0] if size else None,
            "database_size": size[1] if size else None,
        }

    def _connect(self, credentials: dict[str, str]) -> psycopg.Connection[Any]:
        host = _host(credentials.get("host", ""))
        port = _port(credentials.get("port", ""))
        database = credentials.get("database", "").strip()
        username = credentials.get("username", "").strip()
        password = credentials.get("password", "")
        sslmode = (credentials.get("sslmode") or "prefer").strip()
        if not database:
            raise InvalidInput("Enter the database name.", field="database")
        if not username:
            raise InvalidInput("Enter the username.", field="username")
        if sslmode not in SSL_MODES:
            raise InvalidInput("Pick a TLS mode from the list.", field="sslmode")

        addresses = self._resolve(host, port)

        options: dict[str, Any] = {
            "host": host,
            "port": port,
            "dbname": database,
            "user": username,
            "password": password,
            "sslmode": sslmode,
            "connect_timeout": max(2, math.ceil(self.context.timeout)),
            "application_name": "link-flow",
            # The server's own files must not lend us a password, and GSSAPI
            # negotiation only slows down a connection that will not use it.
            "passfile": os.devnull,
            "gssencmode": "disable",
        }
        if sslmode == "verify-full":
            # Verify against the operating system's trusted authorities.
            options["sslrootcert"] = "system"

        last: AdapterError | None = None
        for _family, address in addresses:
            try:
                conn = psycopg.connect(hostaddr=str(address), **options)
            except psycopg.OperationalError as exc:
                last = _translate(str(exc))
                if not isinstance(last, Unreachable):
                    raise last from exc
                continue
            conn.read_only = True
            return conn

        raise last or Unreachable("Could not reach the database server.", field="host")

    def _resolve(self, host: str, port: int) -> list[tuple[int, Any]]:
        try:
            return resolve_checked(
                host, port, allow_private=self.context.allow_private_targets
            )
        except ForbiddenAddress as exc:
            raise TargetNotAllowed(
                "That host points to a private or internal network, which is not "
                "allowed. Use the public address of your database server.",
                field="host",
            ) from exc
        except (socket.gaierror, UnicodeError) as exc:
            raise Unreachable(
                "That host name could not be found. Check it and try again.",
                field="host",
            ) from exc


def _host(value: str) -> str:
    host = (value or "").strip().rstrip(".")
    if not host:
        raise InvalidInput("Enter the database server's host name.", field="host")
    if not _HOST_PATTERN.fullmatch(host):
        raise InvalidInput(
            "Enter only the host name or IP address, without a port or path.",
            field="host",
        )

    return host.strip("[]")


def _port(value: str) -> int:
    text = str(value or "").strip() or str(DEFAULT_PORT)
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise InvalidInput("Enter a port number between 1 and 65535.", field="port")

    return int(text)


def _translate(message: str) -> AdapterError:
    """Map a libpq connection error message onto the error to show."""
    text = message.lower()
    logger.info("postgresql connection failed: %s", _last_line(message))
    if "password authentication failed" in text or "authentication failed" in text:
        return InvalidCredentials(
            "PostgreSQL did not accept that username and password.", field="password"
        )
    if re.search(r'fatal:\s+role "', text) and "does not exist" in text:
        return InvalidCredentials(
            "PostgreSQL has no user with that name.", field="username"
        )
    if re.search(r'fatal:\s+database "', text) and "does not exist" in text:
        return InvalidInput(
            "There is no database with that name on this server.", field="database"
        )
    if "no pg_hba.conf entry" in text:
        return InvalidInput(
            "The database server does not accept connections from link-flow with "
            "these settings. Ask your database administrator to allow them, or "
            "try another TLS mode.",
            field="host",
        )
    if (
        "invalid response to ssl negotiation" in text
        or "expected authentication request" in text
        or "server closed the connection unexpectedly" in text
    ):
        return NotThatSystem(
            "Something answered at that host and port, but not PostgreSQL. "
            "Check the port.",
            field="port",
        )
    if "does not support ssl" in text:
        return TlsFailure(
            "This server does not offer TLS. Pick another TLS mode only if the "
            "network to it is trusted.",
            field="sslmode",
        )
    if "certificate" in text or "ssl" in text or "tls" in text:
        return TlsFailure(
            "The secure connection to the database failed: its TLS certificate "
            "could not be verified for this host name.",
            field="sslmode",
        )
    if "timeout expired" in text or "timed out" in text:
        return TimedOut(
            "The database server did not answer in time. Check the host and port.",
            field="host",
        )
    if "fatal" in text:
        return SystemFailure(
            "The database server refused the connection. Try again later.",
            field="host",
        )
    if any(phrase in text for phrase in _NETWORK_PHRASES):
        return Unreachable(
            "Could not reach the database server at that host and port.",
            field="host",
        )

    return Unreachable(
        "Could not reach the database server at that host and port.", field="host"
    )


def _last_line(message: str) -> str:
    # libpq's messages never hold the password; the last line is the reason.
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


POSTGRESQL = System(
    key="postgresql",
    name="PostgreSQL database",
    tier=1,
    deployment="on_prem",
    description="A PostgreSQL database, read with a database user's credentials.",
    fields=(
        CredentialField(
            "host", "Host", help="The database server's host name or IP address."
        ),
        CredentialField("port", "Port", type="number", default="5432"),
        CredentialField("database", "Database"),
        CredentialField("username", "Username", help="A user that can read the data."),
        CredentialField("password", "Password", type="password"),
        CredentialField(
            "sslmode",
            "TLS mode",
            type="select",
            options=SSL_MODES,
            default="prefer",
            help="Use verify-full when the server has a certificate from a "
            "trusted authority.",
        ),
    ),
    adapter=PostgresAdapter,
    keywords=("postgres", "postgresql", "sql", "database", "db"),
)
