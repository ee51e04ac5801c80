"""Database tables. Each module holds one area's rows."""

from link_flow.models.account import Account, DashboardSession, DashboardUser
from link_flow.models.attempt import CredentialAttempt
from link_flow.models.connection import Connection, ConnectionEvent, ConnectionStatus
from link_flow.models.magic_link import MagicLink
from link_flow.models.oauth import AuthorizationCode, OAuthToken
from link_flow.models.webhook import WebhookDelivery

__all__ = [
    "Account",
    "AuthorizationCode",
    "Connection",
    "CredentialAttempt",
    "ConnectionEvent",
    "ConnectionStatus",
    "DashboardSession",
    "DashboardUser",
    "MagicLink",
    "OAuthToken",
    "WebhookDelivery",
]
