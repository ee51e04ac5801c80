"""A fake SAP Gateway serving OData v2 services under ``/sap/opu/odata/``.

Every call needs HTTP Basic credentials (401 with a ``WWW-Authenticate:
Basic`` challenge otherwise) and, when the fake has a client, a matching
``sap-client``. A service root answers an Atom service document; an entity
set read with ``$inlinecount=allpages`` and ``$format=json`` answers
``{"d": {"__count": "N", "results": [...]}}``.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from tests.fakes.server import FakeServer, Reply, Request

REALM = 'Basic realm="SAP NetWeaver Application Server [FAK/100]"'


class FakeSapGateway(FakeServer):
    """Serve some OData services, each a map of entity set -> record count."""

    def __init__(
        self,
        services: dict[str, dict[str, int]],
        *,
        users: dict[str, str],
        client: str | None = None,
        forbidden: frozenset[str] = frozenset(),
        redirect_to_sign_in: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.users = users
        self.client = client
        self.forbidden = forbidden
        self.redirect_to_sign_in = redirect_to_sign_in

    def handle(self, request: Request) -> Reply:
        if self.redirect_to_sign_in:
            # What SAP's cloud front end does for interactive users.
            return Reply(
                302, b"", {"Location": "https://accounts.example.invalid/saml"}
            )
        if not self._authorised(request):
            return Reply(
                401,
                b"<html><body>Logon failed</body></html>",
                {"WWW-Authenticate": REALM, "Content-Type": "text/html"},
            )

        for service, entity_sets in self.services.items():
            if request.path.rstrip("/") == service:
                if service in self.forbidden:
                    return self._error(403, "No authorization to access this service")
                return self._service_document(request, service, entity_sets)
            prefix = f"{service}/"
            if request.path.startswith(prefix):
                if service in self.forbidden:
                    return self._error(403, "No authorization to access this service")
                name = request.path[len(prefix) :]
                if name in entity_sets:
                    return self._collection(request, entity_sets[name])

        return self._error(404, "Resource not found")

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if self.users.get(user) != password:
            return False
        if self.client is not None:
            return request.query.get("sap-client", [""])[0] == self.client
        return True

    def _service_document(
        self, request: Request, service: str, entity_sets: dict[str, int]
    ) -> Reply:
        base = quoteattr(f"http://{request.headers.get('host', '')}{service}/")
        collections = "".join(
            f'<app:collection href={quoteattr(name)}><atom:title type="text">'
            f"{escape(name)}</atom:title></app:collection>"
            for name in entity_sets
        )
        xml = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<app:service xml:lang="en" xml:base={base} '
            'xmlns:app="http://www.w3.org/2007/app" '
            'xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:sap="http://www.sap.com/Protocols/SAPData">'
            '<app:workspace><atom:title type="text">Data</atom:title>'
            f"{collections}</app:workspace></app:service>"
        )
        return Reply(
            200,
            xml.encode(),
            {
                "Content-Type": "application/xml;charset=utf-8",
                "dataserviceversion": "2.0",
            },
        )

    def _collection(self, request: Request, count: int) -> Reply:
        if request.query.get("$format") != ["json"]:
            return self._error(406, "Only $format=json is served by this fake")
        top = int(request.query.get("$top", ["0"])[0])
        data: dict[str, Any] = {"results": [{"__metadata": {}} for _ in range(top)]}
        if request.query.get("$inlinecount") == ["allpages"]:
            data["__count"] = str(count)
        return Reply(
            200,
            json.dumps({"d": data}).encode(),
            {"Content-Type": "application/json; charset=utf-8"},
        )

    @staticmethod
    def _error(status: int, message: str) -> Reply:
        body = {
            "error": {"code": str(status), "message": {"lang": "en", "value": message}}
        }
        return Reply(
            status, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
