"""UpKeep: signs in and reads through the UpKeep API v2.

``POST {base}/auth/`` with ``email`` and ``password`` answers
``{"success": true, "result": {"sessionToken": ..., "expiresAt": ...}}``;
later calls carry the token in a ``Session-Token`` header, and
``DELETE {base}/auth/`` ends the session. List endpoints such as
``GET {base}/assets/`` and ``GET {base}/work-orders/`` answer
``{"success": true, "results": [...]}`` and page with ``limit`` and ``offset``.
The API is only enabled on some UpKeep plans.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import requests

from link_flow.adapters.base import (
    AdapterContext,
    AdapterError,
    CredentialField,
    InvalidCredentials,
    InvalidInput,
    System,
    SystemFailure,
)
from link_flow.adapters.net import guarded_session, translate_request_error

logger = logging.getLogger(__name__)

WHAT = "UpKeep"

# Record lists counted in the first summary, with the key each count is shown as.
SUMMARY_LISTS = (("assets", "assets"), ("work-orders", "work_orders"))


class UpKeepAdapter:
    """Talks to UpKeep with the email and password of one UpKeep user."""

    # The production API. Tests point this at a local fake with monkeypatch.
    base_url: ClassVar[str] = "https://api.onupkeep.com/api/v2"
    page_size: ClassVar[int] = 100
    # Bounds the first summary's cost; larger lists are reported as capped.
    max_pages: ClassVar[int] = 20

    def __init__(self, context: AdapterContext) -> None:
        self.context = context

    def check_credentials(self, credentials: dict[str, str]) -> None:
        """Sign in, make sure the API is usable, and sign out again."""
        with guarded_session(allow_private=self.context.allow_private_targets) as s:
            token = self._sign_in(s, credentials)
            try:
                self._page(s, token, "work-orders", limit=1, offset=0)
            finally:
                self._sign_out(s, token)

    def fetch_summary(self, credentials: dict[str, str]) -> dict[str, Any]:
        """Sign in and return how many assets and work orders the account has."""
        summary: dict[str, Any] = {"capped": False}
        with guarded_session(allow_private=self.context.allow_private_targets) as s:
            token = self._sign_in(s, credentials)
            try:
                for path, key in SUMMARY_LISTS:
                    count, complete = self._count(s, token, path)
                    summary[key] = count
                    summary["capped"] = summary["capped"] or not complete
            finally:
                self._sign_out(s, token)

        return summary

    def _sign_in(self, session: requests.Session, credentials: dict[str, str]) -> str:
        """Return a session token for the user's email and password."""
        email = credentials.get("username", "").strip()
        password = credentials.get("password", "")
        if not email:
            raise InvalidInput(
                "Enter the email you sign in to UpKeep with.", field="username"
            )
        if not password:
            raise InvalidInput("Enter your UpKeep password.", field="password")

        response = self._send(
            session, "POST", "/auth/", data={"email": email, "password": password}
        )
        body = self._json(response)
        result = body.get("result") if isinstance(body, dict) else None
        token = result.get("sessionToken") if isinstance(result, dict) else None
        if response.status_code == 200 and body.get("success") and token:
            return str(token)
        if response.status_code == 429:
            raise SystemFailure(
                "UpKeep is refusing sign-ins for a moment. Try again in a minute."
            )
        if 400 <= response.status_code < 500 or body.get("success") is False:
            logger.info("upkeep sign-in refused with HTTP %s", response.status_code)
            raise InvalidCredentials(
                "UpKeep did not accept that email and password. Check them and try "
                "again.",
                field="password",
            )

        raise SystemFailure("UpKeep answered with an error. Try again later.")

    def _sign_out(self, session: requests.Session, token: str) -> None:
        # Ending the session is a courtesy; failing to do so changes nothing
        # for the customer, so errors are only noted.
        try:
            self._send(session, "DELETE", "/auth/", token=token)
        except AdapterError as exc:
            logger.info("upkeep sign-out failed: %s", exc.code)

    def _count(
        self, session: requests.Session, token: str, path: str
    ) -> tuple[int, bool]:
        """Return ``(records seen, whether that is all of them)`` for a list."""
        total = 0
        for page in range(self.max_pages):
            results = self._page(
                session,
                token,
                path,
                limit=self.page_size,
                offset=page * self.page_size,
            )
            total += len(results)
            if len(results) < self.page_size:
                return total, True

        return total, False

    def _page(
        self,
        session: requests.Session,
        token: str,
        path: str,
        *,
        limit: int,
        offset: int,
    ) -> list[Any]:
        response = self._send(
            session,
            "GET",
            f"/{path}/",
            token=token,
            params={"limit": limit, "offset": offset},
        )
        body = self._json(response)
        if response.status_code in (401, 403):
            raise InvalidCredentials(
                "UpKeep accepted the sign-in but refused API access. The UpKeep "
                "API is only available on some plans; ask your UpKeep admin.",
                field="username",
            )
        results = body.get("results")
        if response.status_code != 200 or not isinstance(results, list):
            raise SystemFailure("UpKeep answered with an error. Try again later.")

        return results

    def _send(
        self,
        session: requests.Session,
        method: str,
        path: str,
        *,
        token: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Session-Token"] = token
        try:
            return session.request(
                method,
                f"{self.base_url}{path}",
                headers=headers,
                timeout=self.context.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            error = translate_request_error(exc, field="", what=WHAT)
            # No credential field names UpKeep's address: it is fixed.
            if isinstance(error, AdapterError):
                error.field = None
            raise error from exc

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}

        return body if isinstance(body, dict) else {}


UPKEEP = System(
    key="upkeep",
    name="UpKeep",
    tier=1,
    deployment="cloud",
    description="UpKeep CMMS: assets and work orders, through the UpKeep API.",
    fields=(
        CredentialField(
            "username",
            "Username",
            help="The email you sign in to UpKeep with.",
        ),
        CredentialField("password", "Password", type="password"),
    ),
    adapter=UpKeepAdapter,
    keywords=("cmms", "maintenance", "work orders", "assets"),
)
