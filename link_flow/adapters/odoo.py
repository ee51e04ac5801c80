"""Odoo: signs in and reads through Odoo's external JSON-RPC API.

Every call is a JSON-RPC 2.0 ``call`` POSTed to ``{url}/jsonrpc`` with
``params = {"service": ..., "method": ..., "args": [...]}``. The services used:

- ``common.version``: recognises an Odoo server (``server_version``);
- ``db.list``: the database names, when the server lists them;
- ``common.authenticate``: ``[db, login, password, {}]`` gives a user id, or
  ``false`` when the login or password (or API key) is wrong;
- ``object.execute_kw``: ``[db, uid, password, model, method, args, kwargs]``.

Odoo answers HTTP 200 for application errors and puts them in ``error``, with
the exception's class in ``error.data.name``.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import requests

from link_flow.adapters.base import (
    AccountLocked,
    AdapterContext,
    CredentialField,
    InvalidCredentials,
    InvalidInput,
    NotThatSystem,
    System,
    SystemFailure,
)
from link_flow.adapters.net import (
    guarded_session,
    normalise_base_url,
    translate_request_error,
)

logger = logging.getLogger(__name__)

WHAT = "the Odoo server"

# Models counted in the first summary, with the key each count is shown under.
# Maintenance models exist only when the Maintenance app is installed.
SUMMARY_MODELS = (
    ("res.partner", "contacts"),
    ("maintenance.equipment", "equipment"),
    ("maintenance.request", "maintenance_requests"),
)

# The answers read here are small; a huge one is not from an Odoo RPC call.
MAX_BODY_BYTES = 2_000_000

# Paths of Odoo's web client that customers often paste with the address.
_UI_PATH_PREFIXES = ("/web", "/odoo")


class _TooLarge(Exception):
    """An answer far bigger than any Odoo RPC answer read here."""


def _read_limited(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge()
        chunks.append(chunk)

    return b"".join(chunks)


class OdooRpcError(Exception):
    """An ``error`` member in a JSON-RPC answer from Odoo."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class OdooAdapter:
    """Talks to one Odoo database with a user's login and password or API key."""

    def __init__(self, context: AdapterContext) -> None:
        self.context = context
        self._ids = itertools.count(1)

    def check_credentials(self, credentials: dict[str, str]) -> None:
        """Sign in once; raise an ``AdapterError`` when Odoo refuses."""
        with guarded_session(allow_private=self.context.allow_private_targets) as s:
            self._sign_in(s, credentials)

    def fetch_summary(self, credentials: dict[str, str]) -> dict[str, Any]:
        """Sign in and return the server version and a few record counts."""
        with guarded_session(allow_private=self.context.allow_private_targets) as s:
            base, db, uid, version = self._sign_in(s, credentials)
            password = credentials.get("password", "")
            summary: dict[str, Any] = {"server_version": version, "database": db}

            for model, key in SUMMARY_MODELS:
                summary[key] = self._count(s, base, db, uid, password, model)

        return summary

    def _sign_in(
        self, session: requests.Session, credentials: dict[str, str]
    ) -> tuple[str, str, int, str]:
        """Return ``(base_url, database, uid, server_version)`` once signed in."""
        base = self._base_url(credentials.get("url", ""))
        username = credentials.get("username", "").strip()
        password = credentials.get("password", "")
        if not username:
            raise InvalidInput("Enter your Odoo username.", field="username")
        if not password:
            raise InvalidInput("Enter your password or API key.", field="password")

        version = self._server_version(session, base)

        db = credentials.get("database", "").strip() or self._only_database(
            session, base
        )

        uid = self._authenticate(session, base, db, username, password)

        return base, db, uid, version

    @staticmethod
    def _base_url(value: str) -> str:
        base = normalise_base_url(value, field="url")
        parts = urlsplit(base)
        # The RPC endpoint sits at the server root, not under the web client.
        if any(
            parts.path == prefix or parts.path.startswith(f"{prefix}/")
            for prefix in _UI_PATH_PREFIXES
        ):
            base = f"{parts.scheme}://{parts.netloc}"

        return base

    def _server_version(self, session: requests.Session, base: str) -> str:
        not_odoo = NotThatSystem(
            "That address did not answer like an Odoo server. Enter the address "
            "you open Odoo at, such as https://mycompany.odoo.com.",
            field="url",
        )
        try:
            result = self._call(session, base, "common", "version", [])
        except OdooRpcError as exc:
            raise not_odoo from exc
        if not isinstance(result, dict) or "server_version" not in result:
            raise not_odoo

        return str(result["server_version"])

    def _only_database(self, session: requests.Session, base: str) -> str:
        """Return the server's database when it lists exactly one."""
        try:
            names = self._call(session, base, "db", "list", [])
        except OdooRpcError:
            # Listing is often switched off (list_db = False); fall through.
            names = None
        if isinstance(names, list) and len(names) == 1:
            return str(names[0])
        if isinstance(names, list) and len(names) > 1:
            shown = ", ".join(str(n) for n in names[:5])
            raise InvalidInput(
                f"This Odoo server has several databases ({shown}). Enter the "
                "one to connect.",
                field="database",
            )
        # Odoo Online names each instance's database after its subdomain.
        host = urlsplit(base).hostname or ""
        if host.endswith(".odoo.com") and host.count(".") == 2:
            return host.split(".", 1)[0]

        raise InvalidInput(
            "Enter the name of your Odoo database; this server does not list it.",
            field="database",
        )

    def _authenticate(
        self,
        session: requests.Session,
        base: str,
        db: str,
        username: str,
        password: str,
    ) -> int:
        try:
            uid = self._call(
                session, base, "common", "authenticate", [db, username, password, {}]
            )
        except OdooRpcError as exc:
            raise self._sign_in_error(exc, db) from exc
        if isinstance(uid, bool) or not isinstance(uid, int):
            logger.info("odoo sign-in refused for database %s", db)
            raise InvalidCredentials(
                "Odoo did not accept that username and password. Check them, or "
                "use an API key from your Odoo preferences.",
                field="password",
            )

        return uid

    @staticmethod
    def _sign_in_error(exc: OdooRpcError, db: str) -> Exception:
        text = f"{exc.name} {exc.message}".lower()
        if "too many login failures" in text:
            return AccountLocked(
                "Odoo paused sign-ins for this user after too many failed "
                "attempts. Wait a few minutes and try again.",
                field="username",
            )
        if "accessdenied" in text or "access denied" in text:
            return InvalidCredentials(
                "Odoo did not accept that username and password.", field="password"
            )
        if "does not exist" in text:
            return InvalidInput(
                f"Odoo has no database named {db!r}. Check the database name.",
                field="database",
            )

        return SystemFailure(
            "Odoo answered with an error while signing in. Try again later.",
            field="url",
        )

    def _count(
        self,
        session: requests.Session,
        base: str,
        db: str,
        uid: int,
        password: str,
        model: str,
    ) -> int | None:
        """Return the number of ``model`` records, or None when it cannot be read."""
        try:
            result = self._call(
                session,
                base,
                "object",
                "execute_kw",
                [db, uid, password, model, "search_count", [[]], {}],
            )
        except OdooRpcError as exc:
            # A model of an app that is not installed, or one the user may
            # not read: the summary just leaves it out.
            logger.info("odoo count of %s unavailable: %s", model, exc.name)
            return None

        return result if isinstance(result, int) else None

    def _call(
        self,
        session: requests.Session,
        base: str,
        service: str,
        method: str,
        args: list[Any],
    ) -> Any:
        """POST one JSON-RPC call and return its ``result``."""
        payload: dict[str, Any] = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(self._ids),
        }
        not_odoo = NotThatSystem(
            "That address did not answer like an Odoo server. Check the address.",
            field="url",
        )
        try:
            with session.post(
                f"{base}/jsonrpc",
                json=payload,
                timeout=self.context.timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                status = response.status_code
                raw = _read_limited(response)
        except requests.RequestException as exc:
            raise translate_request_error(exc, field="url", what=WHAT) from exc
        except _TooLarge as exc:
            raise not_odoo from exc

        if status != 200:
            raise not_odoo
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise not_odoo from exc
        if not isinstance(body, dict) or body.get("jsonrpc") != "2.0":
            raise not_odoo
        if "error" in body:
            error = body["error"] if isinstance(body["error"], dict) else {}
            data = error.get("data")
            data = data if isinstance(data, dict) else {}
            raise OdooRpcError(
                str(data.get("name") or error.get("code") or "error"),
                str(data.get("message") or error.get("message") or ""),
            )
        if "result" not in body:
            raise not_odoo

        return body["result"]


ODOO = System(
    key="odoo",
    name="Odoo",
    tier=2,
    deployment="cloud",
    description="Odoo ERP, including its Maintenance app, through Odoo's external API.",
    fields=(
        CredentialField(
            "url",
            "Instance URL",
            type="url",
            help="The address you open Odoo at, such as https://mycompany.odoo.com.",
        ),
        CredentialField(
            "database",
            "Database",
            required=False,
            help="Leave empty when your server has a single database.",
        ),
        CredentialField(
            "username", "Username", help="Your Odoo login, often your email address."
        ),
        CredentialField(
            "password",
            "Password",
            type="password",
            help="Your Odoo password. An API key from your Odoo preferences works too.",
        ),
    ),
    adapter=OdooAdapter,
    keywords=("erp", "cmms", "maintenance", "openerp"),
)
