"""A fake Odoo server speaking Odoo's external JSON-RPC API at ``/jsonrpc``.

It implements the services the adapter uses: ``common.version``,
``common.authenticate``, ``db.list`` and ``object.execute_kw`` (only
``search_count``), with Odoo's shapes: a JSON-RPC 2.0 envelope, HTTP 200 for
application errors, and the exception class in ``error.data.name``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request


@dataclass
class OdooDatabase:
    """One database: its users (login -> (password, uid)) and record counts."""

    users: dict[str, tuple[str, int]]
    counts: dict[str, int] = field(default_factory=dict)


class OdooRpcFault(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class FakeOdoo(FakeServer):
    """Serve Odoo's JSON-RPC endpoint over some in-memory databases."""

    def __init__(
        self,
        databases: dict[str, OdooDatabase],
        *,
        list_db: bool = True,
        version: str = "17.0",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.databases = databases
        self.list_db = list_db
        self.version = version

    def handle(self, request: Request) -> Reply:
        if request.path != "/jsonrpc":
            return Reply(404, b"<html><body>404: Not Found</body></html>")
        if request.method != "POST":
            return Reply(405, b"Method Not Allowed")
        if "application/json" not in request.headers.get("content-type", ""):
            # Odoo's JSON routes refuse other content types.
            return Reply(400, b"Bad Request")

        call = json.loads(request.body)
        params = call.get("params", {})
        envelope: dict[str, Any] = {"jsonrpc": "2.0", "id": call.get("id")}
        try:
            envelope["result"] = self._dispatch(
                params["service"], params["method"], params.get("args", [])
            )
        except OdooRpcFault as fault:
            envelope["error"] = {
                "code": 200,
                "message": "Odoo Server Error",
                "data": {
                    "name": fault.name,
                    "debug": "Traceback (most recent call last): ...",
                    "message": fault.message,
                    "arguments": [fault.message],
                    "context": {},
                },
            }

        return Reply(
            200, json.dumps(envelope).encode(), {"Content-Type": "application/json"}
        )

    def _dispatch(self, service: str, method: str, args: list[Any]) -> Any:
        if (service, method) == ("common", "version"):
            major, minor = (int(p) for p in self.version.split(".")[:2])
            return {
                "server_version": self.version,
                "server_version_info": [major, minor, 0, "final", 0, ""],
                "server_serie": self.version,
                "protocol_version": 1,
            }
        if (service, method) == ("db", "list"):
            if not self.list_db:
                raise OdooRpcFault("odoo.exceptions.AccessDenied", "Access Denied")
            return sorted(self.databases)
        if (service, method) == ("common", "authenticate"):
            db, login, password, _env = args
            return self._uid(db, login, password) or False
        if (service, method) == ("object", "execute_kw"):
            db, uid, password, model, model_method, model_args, _kw = args
            database = self._database(db)
            known = {u: p for p, u in database.users.values()}
            if known.get(uid) != password:
                raise OdooRpcFault("odoo.exceptions.AccessDenied", "Access Denied")
            if model not in database.counts:
                raise OdooRpcFault("builtins.KeyError", repr(model))
            if model_method != "search_count" or model_args != [[]]:
                raise OdooRpcFault("builtins.NotImplementedError", model_method)
            return database.counts[model]

        raise OdooRpcFault(
            "builtins.NameError", f"Method not available {method} in {service}"
        )

    def _database(self, name: str) -> OdooDatabase:
        if name not in self.databases:
            raise OdooRpcFault(
                "psycopg2.OperationalError",
                f'connection to server failed: FATAL:  database "{name}" does not '
                "exist",
            )
        return self.databases[name]

    def _uid(self, db: str, login: str, password: str) -> int | None:
        user = self._database(db).users.get(login)
        if user is None or user[0] != password:
            return None
        return user[1]
