"""The OAuth 2.0 authorization server, built on Authlib's grant classes."""

from __future__ import annotations

import hmac
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import select

from link_flow.extensions import db
from link_flow.models import Account, Connection, OAuthToken
from link_flow.models.oauth import KIND_ADMIN, KIND_CONNECTION
from link_flow.oauth import codes
from link_flow.services import tokens
from link_flow.services.crypto import hash_secret, new_secret

TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
# A client that sends only its client_id to exchange a code is public: the
# code must then carry an S256 challenge (see S256CodeChallenge). Only the
# authorization code grant accepts that; every other grant needs the secret.
CODE_AUTH_METHODS = [*TOKEN_AUTH_METHODS, "none"]


class PartnerClient(ClientMixin):  # type: ignore[misc]
    """An account seen as an OAuth client (a confidential one)."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_client_id(self) -> str:
        return self.account.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.account.redirect_uris or []
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        return ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.account.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(
            hash_secret(client_secret), self.account.client_secret_hash
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method in CODE_AUTH_METHODS
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (
            "client_credentials",
            "refresh_token",
            "authorization_code",
        )


class StoredToken(TokenMixin):  # type: ignore[misc]
    """A stored token row, as Authlib's refresh grant wants to see it."""

    def __init__(self, row: OAuthToken) -> None:
        self.row = row

    def check_client(self, client: PartnerClient) -> bool:
        return bool(self.row.account_id == client.account.id)

    def get_scope(self) -> str:
        return ""

    def get_expires_in(self) -> int:
        return int(tokens.ACCESS_TOKEN_LIFETIME.total_seconds())

    def is_expired(self) -> bool:
        return False  # claim_refresh_token already checked the refresh expiry

    def is_revoked(self) -> bool:
        return False  # claimed (and so revoked) by this very request


class AdminClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """Client credentials that, as the contract asks, also give a refresh token."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def create_token_response(self) -> tuple[int, dict[str, Any], list[Any]]:
        token = self.generate_token(scope="", include_refresh_token=True)
        self.save_token(token)
        self.execute_hook("process_token", token=token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class RotatingRefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> StoredToken | None:
        row = tokens.claim_refresh_token(refresh_token)
        return StoredToken(row) if row else None

    def authenticate_user(self, credential: StoredToken) -> Any:
        row = credential.row
        if row.kind == KIND_CONNECTION and row.connection_id:
            return db.session.get(Connection, row.connection_id)
        return db.session.get(Account, row.account_id)

    def revoke_old_credential(self, credential: StoredToken) -> None:
        db.session.commit()  # the claim already revoked it; make that durable

    def create_token_response(self) -> tuple[int, dict[str, Any], list[Any]]:
        # The new pair descends from the same code, so a replay of that code
        # later revokes it too.
        stored: StoredToken = self.request.refresh_token
        self.request.authorization_code_id = stored.row.authorization_code_id
        return super().create_token_response()  # type: ignore[no-any-return]


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 only; required whenever the client is public.

    ``plain`` gives no protection against a code seen on the way back, so a
    challenge must name S256 explicitly.
    """

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.")


class ConnectionCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    """The authorization code grant: a finished flow's code for a connection pair."""

    TOKEN_ENDPOINT_AUTH_METHODS = CODE_AUTH_METHODS

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        codes.store(
            code_id=request.code_id,
            code=code,
            account_id=request.client.account.id,
            connection_id=request.user.id,
            redirect_uri=request.payload.redirect_uri,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(
        self, code: str, client: PartnerClient
    ) -> codes.IssuedCode | None:
        issued = codes.redeem(code, client.account.id)
        if issued is not None:
            self.request.authorization_code_id = issued.row.id
        return issued

    def delete_authorization_code(self, authorization_code: codes.IssuedCode) -> None:
        pass  # redeem() already marked it used, before any token was made

    def authenticate_user(self, authorization_code: codes.IssuedCode) -> Any:
        connection = db.session.get(Connection, authorization_code.row.connection_id)
        if connection is None or connection.disconnected_at is not None:
            return None
        return connection


def query_client(client_id: str) -> PartnerClient | None:
    account = db.session.scalar(select(Account).where(Account.client_id == client_id))
    return PartnerClient(account) if account else None


def save_token(token: dict[str, Any], request: Any) -> None:
    """Store the issued pair hashed; the kind follows whom it was issued for."""
    client: PartnerClient = request.client
    user = request.user
    if isinstance(user, Connection):
        kind, connection_id = KIND_CONNECTION, user.id
    else:
        kind, connection_id = KIND_ADMIN, None
    if kind == KIND_CONNECTION:
        token["connection_id"] = connection_id
    tokens.store_pair(
        kind=kind,
        account_id=client.account.id,
        connection_id=connection_id,
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        authorization_code_id=getattr(request, "authorization_code_id", None),
    )
    db.session.commit()


def _access_token(client: Any, grant_type: str, user: Any, scope: str) -> str:
    kind = KIND_CONNECTION if isinstance(user, Connection) else KIND_ADMIN
    return new_secret(tokens.ACCESS_PREFIX[kind])


def _refresh_token(client: Any, grant_type: str, user: Any, scope: str) -> str:
    kind = KIND_CONNECTION if isinstance(user, Connection) else KIND_ADMIN
    return new_secret(tokens.REFRESH_PREFIX[kind])


def _expires_in(client: Any, grant_type: str) -> int:
    return int(tokens.ACCESS_TOKEN_LIFETIME.total_seconds())


authorization = AuthorizationServer()


def init_oauth(app: Any) -> None:
    """Bind the authorization server to ``app`` and register the grants."""
    authorization.init_app(app, query_client=query_client, save_token=save_token)
    authorization.register_token_generator(
        "default", BearerTokenGenerator(_access_token, _refresh_token, _expires_in)
    )
    authorization.register_grant(AdminClientCredentialsGrant)
    authorization.register_grant(RotatingRefreshTokenGrant)
    authorization.register_grant(
        ConnectionCodeGrant, [S256CodeChallenge(required=True)]
    )
