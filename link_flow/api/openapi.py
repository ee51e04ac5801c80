"""The OpenAPI 3.1 document of the Admin, Connection and OAuth APIs: the paths.

Schemas are JSON Schema written next to the code that builds the objects;
tests check every route is documented and real answers validate.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from link_flow.api import bp
from link_flow.api.openapi_schemas import NULLABLE_STRING, SCHEMAS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _list_of(name: str, cursor: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"data": {"type": "array", "items": _ref(name)}}
    if cursor:
        properties["next_cursor"] = NULLABLE_STRING
    return {"type": "object", "required": list(properties), "properties": properties}


ERRORS = {
    "400": _json(_ref("Error"), "Invalid input; `field` names it"),
    "401": _json(_ref("Error"), "Missing, unknown, expired or revoked token"),
    "404": _json(_ref("Error"), "No such object in this account"),
}


def _op(
    summary: str,
    responses: dict[str, Any],
    body: str | None = None,
    admin: bool = True,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {**responses, **ERRORS},
        "security": [{"adminToken": []}] if admin else [{"connectionToken": []}],
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    if params:
        operation["parameters"] = params
    return operation


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

PATHS: dict[str, Any] = {
    "/api/v1/systems": {"get": _op("The catalog", {"200": _json(_list_of("System"))})},
    "/api/v1/magic-links": {
        "post": _op(
            "Create a magic link and its pending connection",
            {"201": _json(_ref("MagicLink"))},
            "MagicLinkCreate",
        ),
        "get": _op("List magic links", {"200": _json(_list_of("MagicLink"))}),
    },
    "/api/v1/magic-links/{id}": {
        "parameters": [ID],
        "get": _op("One magic link", {"200": _json(_ref("MagicLink"))}),
        "delete": _op("Revoke a magic link", {"200": _json(_ref("MagicLink"))}),
    },
    "/api/v1/connections": {
        "post": _op(
            "Create a connection server-side (credentials validated)",
            {
                "201": _json(_ref("Connection")),
                "422": _json(_ref("Error"), "The system refused the credentials"),
            },
            "ConnectionCreate",
        ),
        "get": _op(
            "List connections",
            {"200": _json(_list_of("Connection", True))},
            params=[
                _query("status", {"type": "string"}),
                _query("system", {"type": "string"}),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                _query("cursor", {"type": "string"}),
            ],
        ),
    },
    "/api/v1/connections/{id}": {
        "parameters": [ID],
        "get": _op("One connection", {"200": _json(_ref("Connection"))}),
        "patch": _op(
            "Change name, email, user_metadata",
            {"200": _json(_ref("Connection"))},
            "ConnectionUpdate",
        ),
        "delete": _op(
            "Disconnect: credentials erased, credits returned",
            {"200": _json(_ref("Connection"))},
        ),
    },
    "/api/v1/connections/{id}/reactivate": {
        "parameters": [ID],
        "post": _op(
            "Leave inactive, with credits or as overage",
            {
                "200": _json(_ref("Connection")),
                "402": _json(_ref("Error"), "Trial account without credits"),
                "409": _json(_ref("Error"), "Not inactive, or needs a reconnect"),
            },
        ),
    },
    "/api/v1/connections/{id}/tokens": {
        "parameters": [ID],
        "post": _op(
            "A new connection token pair",
            {
                "201": _json(_ref("TokenPair")),
                "409": _json(_ref("Error"), "Not connected"),
            },
        ),
    },
    "/api/v1/connections/{id}/magic-link": {
        "parameters": [ID],
        "post": _op(
            "A reconnect link for this connection",
            {
                "201": _json(_ref("MagicLink")),
                "409": _json(_ref("Error"), "Not reconnectable"),
            },
        ),
    },
    "/api/v1/connections/{id}/events": {
        "parameters": [ID],
        "get": _op(
            "The connection's timeline, oldest first", {"200": _json(_list_of("Event"))}
        ),
    },
    "/api/v1/account": {
        "get": _op("The account", {"200": _json(_ref("Account"))}),
        "patch": _op(
            "Change settings", {"200": _json(_ref("Account"))}, "AccountUpdate"
        ),
    },
    "/api/v1/account/webhook-secret": {
        "post": _op(
            "A new webhook signing secret, shown once",
            {
                "201": _json(
                    {
                        "type": "object",
                        "required": ["secret"],
                        "properties": {
                            "secret": {"type": "string", "pattern": "^whsec_"}
                        },
                    }
                )
            },
        ),
    },
    "/api/v1/webhook-deliveries": {
        "get": _op(
            "The webhook delivery log", {"200": _json(_list_of("WebhookDelivery"))}
        ),
    },
    "/api/v1/webhook-deliveries/{id}/redeliver": {
        "parameters": [ID],
        "post": _op("Send a delivery again", {"202": _json(_ref("WebhookDelivery"))}),
    },
    "/api/v1/connection": {
        "get": _op(
            "The connection of this connection token",
            {"200": _json(_ref("Connection"))},
            admin=False,
        ),
    },
    "/api/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1"}},
        },
    },
    "/oauth/token": {
        "post": {
            "summary": "RFC 6749 token endpoint (client_credentials, refresh_token, "
            "authorization_code with PKCE)",
            "security": [{"clientBasic": []}, {}],
            "requestBody": {
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["grant_type"],
                            "properties": {
                                "grant_type": {
                                    "enum": [
                                        "client_credentials",
                                        "refresh_token",
                                        "authorization_code",
                                    ]
                                },
                                "client_id": {"type": "string"},
                                "client_secret": {"type": "string"},
                                "refresh_token": {"type": "string"},
                                "code": {"type": "string"},
                                "redirect_uri": {"type": "string"},
                                "code_verifier": {"type": "string"},
                            },
                        }
                    }
                }
            },
            "responses": {
                "200": _json(_ref("TokenPair")),
                "400": {"description": "RFC 6749 section 5.2 error"},
                "401": {"description": "invalid_client"},
            },
        },
    },
}


def build_document() -> dict[str, Any]:
    """Return the OpenAPI document as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "link-flow API", "version": "1"},
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Admin access token (client credentials)",
                },
                "connectionToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Connection access token",
                },
                "clientBasic": {"type": "http", "scheme": "basic"},
            },
        },
    }


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(build_document())
