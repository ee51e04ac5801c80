"""SAP S/4HANA Cloud and SAP ECC: sign in and read through SAP Gateway OData v2.

Both expose OData v2 services under ``/sap/opu/odata/`` with HTTP Basic
authentication (a communication user on S/4HANA Cloud, a system or dialog
user on ECC; ``sap-client`` picks the client on ECC). A service's root answers
its service document, an Atom ``<service>`` in the ``http://www.w3.org/2007/app``
namespace (or ``{"d": {"EntitySets": [...]}}`` with ``$format=json``); a wrong
password answers 401. An entity set read with ``$top=0&$inlinecount=allpages``
and ``$format=json`` carries its size in ``d.__count``.

S/4HANA Cloud publishes the maintenance APIs API_MAINTNOTIFICATION
(``MaintenanceNotification``), API_MAINTENANCEORDER (``MaintenanceOrder``) and
API_EQUIPMENT (``Equipment``), each usable once a communication arrangement
grants it. ECC has no such standard APIs; every SAP Gateway has the catalog
service /IWFND/CATALOGSERVICE;v=2, whose ``ServiceCollection`` lists the
OData services published there.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, ClassVar
from urllib.parse import urlencode
from xml.etree import ElementTree

import requests
from requests.auth import HTTPBasicAuth

from link_flow.adapters.base import (
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

APP_NAMESPACE = "{http://www.w3.org/2007/app}"
ODATA_ROOT = "/sap/opu/odata"

# Answers bigger than this are not a service document or a count.
MAX_BODY_BYTES = 2_000_000


class _NotOData(Exception):
    """The answer was not the OData document asked for."""


class SapODataAdapter:
    """Checks SAP Basic credentials against OData services and counts records.

    Subclasses name the services tried to sign in (``SIGN_IN_SERVICES``, in
    order) and the entity sets counted in the summary (``COUNTS``).
    """

    WHAT: ClassVar[str] = "the SAP system"
    SIGN_IN_SERVICES: ClassVar[tuple[str, ...]] = ()
    COUNTS: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    URL_HINT: ClassVar[str] = "Check the address."
    AUTH_HINT: ClassVar[str] = "Check them and try again."

    def __init__(self, context: AdapterContext) -> None:
        self.context = context

    def check_credentials(self, credentials: dict[str, str]) -> None:
        """Sign in by reading a service document; raise when SAP refuses."""
        with guarded_session(allow_private=self.context.allow_private_targets) as s:
            self._sign_in(s, credentials)

    def fetch_summary(self, credentials: dict[str, str]) -> dict[str, Any]:
        """Sign in and return the record counts of a few entity sets."""
        with guarded_session(allow_private=self.context.allow_private_targets) as s:
            base, auth, params = self._sign_in(s, credentials)
            summary: dict[str, Any] = {}

            for service, entity_set, key in self.COUNTS:
                summary[key] = self._count(s, base, auth, params, service, entity_set)

        return summary

    def _sign_in(
        self, session: requests.Session, credentials: dict[str, str]
    ) -> tuple[str, HTTPBasicAuth, dict[str, str]]:
        """Return what later calls need once a service document has been read."""
        base = self._base_url(credentials.get("url", ""))
        username = credentials.get("username", "").strip()
        password = credentials.get("password", "")
        if not username:
            raise InvalidInput("Enter your SAP username.", field="username")
        if not password:
            raise InvalidInput("Enter your SAP password.", field="password")
        params = self._client_params(credentials)
        # SAP accepts UTF-8 in Basic credentials; requests alone would
        # encode str as Latin-1 and fail on other characters.
        auth = HTTPBasicAuth(username.encode(), password.encode())

        forbidden = False
        for service in self.SIGN_IN_SERVICES:
            status = self._read_service_document(session, base, auth, params, service)
            if status == 200:
                return base, auth, params
            forbidden = forbidden or status == 403

        if forbidden:
            raise InvalidCredentials(
                "SAP accepted the sign-in, but this user may not use the needed "
                f"OData services ({self._service_names()}). Ask your SAP "
                "administrator to grant them to this user.",
                field="username",
            )
        raise NotThatSystem(
            f"No SAP OData service answered at that address. {self.URL_HINT}",
            field="url",
        )

    def _service_names(self) -> str:
        return ", ".join(s.rsplit("/", 1)[-1] for s in self.SIGN_IN_SERVICES)

    def _read_service_document(
        self,
        session: requests.Session,
        base: str,
        auth: HTTPBasicAuth,
        params: dict[str, str],
        service: str,
    ) -> int:
        """Return the HTTP status of a service's root, raising on clear failures."""
        status, body, content_type = self._get(
            session,
            f"{base}{service}/",
            auth,
            params,
            accept="application/atomsvc+xml, application/xml;q=0.9, "
            "application/json;q=0.8",
        )
        if status == 401:
            logger.info("sap sign-in refused by %s", service)
            raise InvalidCredentials(
                f"SAP did not accept that username and password. {self.AUTH_HINT}",
                field="password",
            )
        if 300 <= status < 400:
            # SAP's cloud front end redirects to an interactive sign-in page
            # when it is given a user interface host or a non-technical user.
            raise NotThatSystem(
                f"That address sends us to a sign-in page. {self.URL_HINT}",
                field="url",
            )
        if status in (403, 404):
            return status
        if status >= 500:
            raise SystemFailure(
                "The SAP system answered with an error. Try again later.", field="url"
            )
        if status != 200 or not _is_service_document(body, content_type):
            raise NotThatSystem(
                f"That address did not answer like an SAP OData service. "
                f"{self.URL_HINT}",
                field="url",
            )

        return status

    def _count(
        self,
        session: requests.Session,
        base: str,
        auth: HTTPBasicAuth,
        params: dict[str, str],
        service: str,
        entity_set: str,
    ) -> int | None:
        """Return an entity set's size, or None when it cannot be read."""
        query = {**params, "$top": "0", "$inlinecount": "allpages", "$format": "json"}
        status, body, _ = self._get(
            session, f"{base}{service}/{entity_set}", auth, query, "application/json"
        )
        if status != 200:
            # Not granted to this user, or not there: the summary leaves it out.
            logger.info("sap count of %s unavailable: HTTP %s", entity_set, status)
            return None
        try:
            count = json.loads(body)["d"]["__count"]
            return int(count)
        except (ValueError, KeyError, TypeError):
            return None

    def _get(
        self,
        session: requests.Session,
        url: str,
        auth: HTTPBasicAuth,
        params: dict[str, str],
        accept: str,
    ) -> tuple[int, bytes, str]:
        """GET ``url`` and return ``(status, body, content type)``."""
        try:
            with session.get(
                url,
                auth=auth,
                # OData's system options are written with a literal "$".
                params=urlencode(params, safe="$"),
                headers={"Accept": accept},
                timeout=self.context.timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                body = _read_limited(response)
                return (
                    response.status_code,
                    body,
                    response.headers.get("Content-Type", ""),
                )
        except requests.RequestException as exc:
            raise translate_request_error(exc, field="url", what=self.WHAT) from exc
        except _NotOData as exc:
            raise NotThatSystem(
                "That address answered with far more data than an SAP OData "
                "service would. Check the address.",
                field="url",
            ) from exc

    @staticmethod
    def _base_url(value: str) -> str:
        base = normalise_base_url(value, field="url")
        # Customers often paste a full service URL; keep only the host part.
        marker = base.lower().find(ODATA_ROOT)
        if marker != -1:
            base = base[:marker]

        return base.rstrip("/")

    def _client_params(self, credentials: dict[str, str]) -> dict[str, str]:
        return {}


def _read_limited(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _NotOData()
        chunks.append(chunk)

    return b"".join(chunks)


def _is_service_document(body: bytes, content_type: str) -> bool:
    """Tell whether ``body`` is an OData v2 service document (Atom or JSON)."""
    if "json" in content_type.lower():
        try:
            data = json.loads(body)
        except ValueError:
            return False
        inner = data.get("d") if isinstance(data, dict) else None
        return isinstance(inner, dict) and isinstance(inner.get("EntitySets"), list)

    # A service document never declares a DTD; refusing one keeps entity
    # expansion tricks away from the XML parser.
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        return False
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return False

    return root.tag == f"{APP_NAMESPACE}service"


class S4HanaCloudAdapter(SapODataAdapter):
    """SAP S/4HANA Cloud, public edition, with a communication user."""

    WHAT = "SAP S/4HANA Cloud"
    SIGN_IN_SERVICES = (
        f"{ODATA_ROOT}/sap/API_MAINTNOTIFICATION",
        f"{ODATA_ROOT}/sap/API_MAINTENANCEORDER",
        f"{ODATA_ROOT}/sap/API_EQUIPMENT",
    )
    COUNTS = (
        (
            f"{ODATA_ROOT}/sap/API_MAINTNOTIFICATION",
            "MaintenanceNotification",
            "maintenance_notifications",
        ),
        (
            f"{ODATA_ROOT}/sap/API_MAINTENANCEORDER",
            "MaintenanceOrder",
            "maintenance_orders",
        ),
        (f"{ODATA_ROOT}/sap/API_EQUIPMENT", "Equipment", "equipment"),
    )
    URL_HINT = (
        "Use your system's API host, such as https://my000000-api.s4hana.cloud.sap."
    )
    AUTH_HINT = "Use a communication user, not your own sign-in."


class SapEccAdapter(SapODataAdapter):
    """SAP ECC (or any ABAP system) through its SAP Gateway."""

    WHAT = "the SAP Gateway"
    CATALOG = f"{ODATA_ROOT}/IWFND/CATALOGSERVICE;v=2"
    SIGN_IN_SERVICES = (CATALOG,)
    COUNTS = ((CATALOG, "ServiceCollection", "odata_services"),)
    URL_HINT = (
        "Enter the address of your SAP Gateway, such as https://sap.example.com:44300."
    )
    AUTH_HINT = "Check the SAP client number too."

    def _client_params(self, credentials: dict[str, str]) -> dict[str, str]:
        client = credentials.get("client", "").strip()
        if not re.fullmatch(r"\d{1,3}", client):
            raise InvalidInput(
                "Enter the SAP client: a number of up to three digits, such as 100.",
                field="client",
            )

        # Number inputs drop leading zeros; SAP clients are three digits.
        return {"sap-client": client.zfill(3)}


SAP_S4HANA_CLOUD = System(
    key="sap_s4hana_cloud",
    name="SAP S/4HANA Cloud",
    tier=3,
    deployment="cloud",
    description=(
        "SAP S/4HANA Cloud maintenance notifications, orders and equipment, "
        "through its OData APIs."
    ),
    fields=(
        CredentialField(
            "url",
            "Instance URL",
            type="url",
            help="Your API host, such as https://my000000-api.s4hana.cloud.sap.",
        ),
        CredentialField(
            "username",
            "Username",
            help="A communication user with access to the maintenance APIs.",
        ),
        CredentialField("password", "Password", type="password"),
    ),
    adapter=S4HanaCloudAdapter,
    keywords=("sap", "s4", "s/4hana", "erp", "plant maintenance", "pm", "eam"),
)

SAP_ECC = System(
    key="sap_ecc",
    name="SAP ECC",
    tier=3,
    deployment="on_prem",
    description="SAP ECC through its SAP Gateway OData services.",
    fields=(
        CredentialField(
            "url",
            "Instance URL",
            type="url",
            help="The address of your SAP Gateway, such as https://sap.example.com:44300.",
        ),
        CredentialField(
            "client",
            "SAP client",
            type="number",
            help="The client number you sign in to, such as 100.",
        ),
        CredentialField("username", "Username"),
        CredentialField("password", "Password", type="password"),
    ),
    adapter=SapEccAdapter,
    keywords=("sap", "ecc", "r/3", "erp", "plant maintenance", "pm", "gateway"),
)
