"""A fake UpKeep API v2: ``/api/v2/auth/`` plus the assets and work-order lists.

Sign-in is ``POST /api/v2/auth/`` with ``email`` and ``password`` (form or JSON
body) and answers ``{"success": true, "result": {"sessionToken", "expiresAt"}}``;
list calls need the ``Session-Token`` header and page with ``limit``/``offset``;
``DELETE /api/v2/auth/`` ends the session.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.server import FakeServer, Reply, Request

PREFIX = "/api/v2"


def _json(status: int, data: dict[str, Any]) -> Reply:
    return Reply(
        status, json.dumps(data).encode(), {"Content-Type": "application/json"}
    )


class FakeUpKeep(FakeServer):
    """Serve UpKeep's v2 auth and list endpoints for some users."""

    def __init__(
        self,
        users: dict[str, str],
        *,
        assets: int = 0,
        work_orders: int = 0,
        api_enabled: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.users = users
        self.records = {
            "assets": [{"id": f"a{i}", "name": f"Asset {i}"} for i in range(assets)],
            "work-orders": [
                {"id": f"w{i}", "title": f"Work order {i}", "status": "open"}
                for i in range(work_orders)
            ],
        }
        self.api_enabled = api_enabled
        self.sessions: set[str] = set()
        self.ended_sessions: list[str] = []

    @property
    def base_url(self) -> str:
        return f"{self.url}{PREFIX}"

    def handle(self, request: Request) -> Reply:
        path = request.path.removeprefix(PREFIX).strip("/")
        if path == "auth" and request.method == "POST":
            return self._sign_in(request)
        if path == "auth" and request.method == "DELETE":
            token = request.headers.get("session-token", "")
            self.sessions.discard(token)
            self.ended_sessions.append(token)
            return _json(200, {"success": True, "message": "session deleted"})
        if request.headers.get("session-token") not in self.sessions:
            return _json(401, {"success": False, "message": "Unauthorized"})
        if path in self.records and request.method == "GET":
            if not self.api_enabled:
                return _json(
                    403, {"success": False, "message": "API access is not enabled"}
                )
            limit = int(request.query.get("limit", ["100"])[0])
            offset = int(request.query.get("offset", ["0"])[0])
            page = self.records[path][offset : offset + limit]
            return _json(200, {"success": True, "results": page})

        return _json(404, {"success": False, "message": "Not found"})

    def _sign_in(self, request: Request) -> Reply:
        if "json" in request.headers.get("content-type", ""):
            fields = json.loads(request.body)
        else:
            form = parse_qs(request.body.decode())
            fields = {key: values[0] for key, values in form.items()}
        email, password = fields.get("email"), fields.get("password")
        if not email or self.users.get(email) != password:
            return _json(
                400, {"success": False, "message": "Invalid email or password."}
            )
        token = f"r:{secrets.token_hex(16)}"
        self.sessions.add(token)
        return _json(
            200,
            {
                "success": True,
                "result": {
                    "sessionToken": token,
                    "expiresAt": "2099-12-31T00:00:00.000Z",
                },
            },
        )
