"""The authorization endpoint's flow: a validated request, its session, its code.

An authorization request stores nothing until the customer finishes: the
validated request travels signed (in the flow page's URL fragment, then in
the flow token), and the connection, its credentials and the code are made
in one transaction at the end. An abandoned authorization leaves no row
behind for the partner to see.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from link_flow.adapters.catalog import all_systems, get_system
from link_flow.errors import ApiError, ValidationError
from link_flow.extensions import db
from link_flow.models import Account
from link_flow.oauth import codes
from link_flow.oauth.server import PartnerClient, authorization, query_client
from link_flow.services import attempts, connections
from link_flow.services import flow as link_flow_service
from link_flow.services.metadata import clean_email, clean_name

log = logging.getLogger(__name__)

REQUEST_SALT = "link-flow.authorize-request.v1"
SESSION_SALT = "link-flow.authorize-session.v1"
PURPOSE_AUTHORIZE = "authorize"

DAMAGED = (
    "This sign-in link is damaged. Go back to the site that sent you and start again."
)
FINISHED = "This sign-in was already finished: the system is connected."


@dataclass(frozen=True)
class AuthorizeRequest:
    """An authorization request Authlib accepted, as the flow carries it."""

    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    # Random per request: the code it ends in gets the id code_<request_id>,
    # so a request can issue one code at most.
    request_id: str

    @property
    def code_id(self) -> str:
        return f"code_{self.request_id}"

    def as_payload(self) -> dict[str, Any]:
        return {
            "c": self.client_id,
            "r": self.redirect_uri,
            "s": self.state,
            "cc": self.code_challenge,
            "m": self.code_challenge_method,
            "n": self.request_id,
        }

    @classmethod
    def from_payload(cls, data: Any) -> AuthorizeRequest:
        if not isinstance(data, dict):
            raise BadSignature("authorize request")
        fields = ("c", "r", "n")
        if not all(isinstance(data.get(key), str) and data[key] for key in fields):
            raise BadSignature("authorize request")
        return cls(
            client_id=data["c"],
            redirect_uri=data["r"],
            state=_optional_text(data.get("s")),
            code_challenge=_optional_text(data.get("cc")),
            code_challenge_method=_optional_text(data.get("m")),
            request_id=data["n"],
        )

    def oauth_params(self) -> dict[str, str]:
        """Return the query parameters of the original request."""
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
        }
        optional = {
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": self.code_challenge_method,
        }
        params.update({key: value for key, value in optional.items() if value})
        return params

    def exit_url(self) -> str:
        """Return where a customer who leaves goes: ``error=access_denied``."""
        params = [("error", "access_denied")]
        if self.state:
            params.append(("state", self.state))
        return str(add_params_to_uri(self.redirect_uri, params))


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _serializer(salt: str) -> URLSafeTimedSerializer:
    config = current_app.config
    # Signs with the current key, verifies with the fallbacks too.
    keys = [*reversed(config["SECRET_KEY_FALLBACKS"]), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=salt)


def _read(token: str, salt: str) -> AuthorizeRequest:
    max_age = current_app.config["FLOW_TOKEN_MAX_AGE"]
    try:
        return AuthorizeRequest.from_payload(
            _serializer(salt).loads(token, max_age=max_age)
        )
    except SignatureExpired as exc:
        raise ApiError(
            410,
            "LINK_EXPIRED",
            "This sign-in page was open too long. Go back to the site that sent "
            "you and start again.",
        ) from exc
    except BadSignature as exc:
        raise ApiError(400, "INVALID_TOKEN", DAMAGED) from exc


def validate_current_request() -> tuple[AuthorizeRequest, Account]:
    """Validate the ``GET /oauth/authorize`` being served, with Authlib.

    Raises Authlib's ``OAuth2Error``; it carries ``redirect_uri`` only once
    the client and its redirect URI were found valid.
    """
    grant = authorization.get_consent_grant()
    data = grant.request.payload.data
    client: PartnerClient = grant.client
    request = AuthorizeRequest(
        client_id=client.get_client_id(),
        redirect_uri=grant.redirect_uri,
        state=_optional_text(data.get("state")),
        code_challenge=_optional_text(data.get("code_challenge")),
        code_challenge_method=_optional_text(data.get("code_challenge_method")),
        request_id=secrets.token_urlsafe(16),
    )
    return request, client.account


def sign_request(request: AuthorizeRequest) -> str:
    """Return the token the flow page presents to open a session."""
    return str(_serializer(REQUEST_SALT).dumps(request.as_payload()))


def request_from_session_token(token: str | None) -> AuthorizeRequest:
    """Return the request behind an authorize flow token; raise a clear 401."""
    if not token:
        raise ApiError(401, "FLOW_TOKEN_MISSING", "Open the sign-in page again.")
    max_age = current_app.config["FLOW_TOKEN_MAX_AGE"]
    try:
        data = _serializer(SESSION_SALT).loads(token, max_age=max_age)
        return AuthorizeRequest.from_payload(data)
    except SignatureExpired as exc:
        raise ApiError(
            401, "FLOW_EXPIRED", "This page was open too long. Start again."
        ) from exc
    except BadSignature as exc:
        raise ApiError(401, "FLOW_INVALID", "Open the sign-in page again.") from exc


def _account(request: AuthorizeRequest) -> Account:
    client = query_client(request.client_id)
    if client is None:
        raise ApiError(400, "INVALID_TOKEN", DAMAGED)
    return client.account


def open_session(client_id: str, token: str) -> dict[str, Any]:
    """Check the page's request token and return the flow's starting state."""
    request = _read(token, REQUEST_SALT)
    if request.client_id != client_id:
        raise ApiError(400, "INVALID_TOKEN", DAMAGED)
    if codes.exists(request.code_id):
        raise ApiError(410, "LINK_USED", FINISHED)
    account = _account(request)

    return {
        "flow_token": _serializer(SESSION_SALT).dumps(request.as_payload()),
        "expires_in": current_app.config["FLOW_TOKEN_MAX_AGE"],
        "partner": {
            "name": account.name,
            "branding": link_flow_service._branding(account),
        },
        "link": {"id": None, "purpose": PURPOSE_AUTHORIZE, "expires_at": None},
        "connection": {"id": None, "name": None, "email": None},
        "ask": {"name": True, "email": True},
        "credits_available": account.credits_available,
        "systems": [
            {
                **system.as_json(),
                "affordable": account.credits_available >= system.credits,
            }
            for system in all_systems()
        ],
        "exit_url": request.exit_url(),
    }


def check_system(system_key: Any) -> Any:
    """Return the catalog system named ``system_key``; raise naming ``system``."""
    system = get_system(system_key) if isinstance(system_key, str) else None
    if system is None:
        raise ValidationError("Choose one of the systems offered.", field="system")
    return system


def finish(
    request: AuthorizeRequest,
    *,
    system_key: Any,
    credentials: Any,
    name: Any,
    email: Any,
    client_address: str | None = None,
) -> dict[str, Any]:
    """Check the credentials, then make the connection and its code. Commits.

    Returns what the flow shows, with ``redirect_url`` carrying the code and
    the state back to the partner's registered redirect URI.
    """
    account = _account(request)
    system = check_system(system_key)
    connection_name = clean_name(name)
    connection_email = clean_email(email, required=True)
    cleaned = link_flow_service.clean_credentials(system.fields, credentials)
    if codes.exists(request.code_id):
        raise ApiError(409, "LINK_USED", FINISHED)
    # Anyone can start an authorization, so there is no link to count per:
    # refusals are counted per client address instead.
    limits = attempts.address_limits(client_address)
    try:
        link_flow_service.check_within_limits(limits, system, cleaned)
    except ApiError as error:
        log.info(
            "oauth.credentials_refused client_id=%s system=%s code=%s",
            request.client_id,
            system.key,
            error.code,
        )
        raise

    grant = _grant_for(request)
    try:
        connection = connections.create_pending(
            account, name=connection_name, email=connection_email, metadata={}
        )
        grant.request.code_id = request.code_id
        _, _, headers = grant.create_authorization_response(
            grant.redirect_uri, connection
        )
        connections.establish(connection, system, cleaned)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ApiError(409, "LINK_USED", FINISHED) from exc
    log.info(
        "oauth.authorized account_id=%s connection_id=%s system=%s pkce=%s",
        account.id,
        connection.id,
        system.key,
        bool(request.code_challenge),
    )

    return {
        "connection_id": connection.id,
        "system": {"key": system.key, "name": system.name},
        "status": connection.status,
        "redirect_url": dict(headers)["Location"],
    }


def _grant_for(request: AuthorizeRequest) -> Any:
    """Rebuild the authorization grant from ``request`` and validate it again.

    The partner may have removed the redirect URI while the customer was
    signing in; Authlib checks the client and the URI once more.
    """
    uri = current_app.config["PUBLIC_URL"] + "/oauth/authorize"
    oauth_request = OAuth2Request("GET", uri)
    oauth_request.payload = BasicOAuth2Payload(request.oauth_params())
    try:
        grant = authorization.get_authorization_grant(oauth_request)
        grant.validate_consent_request()
    except OAuth2Error as exc:
        raise ApiError(
            400,
            "AUTHORIZATION_INVALID",
            "The site that sent you here changed its settings. Go back to it "
            "and start again.",
        ) from exc
    return grant
