"""JSON Schemas of the objects the API answers with and accepts.

Written next to the code that builds each object; ``tests/api`` validates
real answers against them.
"""

from __future__ import annotations

from typing import Any

from link_flow.models.connection import STATUS_REASONS, ConnectionStatus

NULLABLE_STRING = {"type": ["string", "null"]}
TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
METADATA = {
    "type": "object",
    "maxProperties": 50,
    "propertyNames": {"minLength": 1, "maxLength": 40},
    "additionalProperties": {
        "oneOf": [
            {"type": "string", "maxLength": 500},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
        ]
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "request_id"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "request_id": {"type": "string"},
                    "field": {"type": "string"},
                },
            }
        },
    },
    "SystemBrief": {
        "type": "object",
        "required": ["key", "name", "tier", "deployment"],
        "properties": {
            "key": {"type": "string"},
            "name": {"type": "string"},
            "tier": {"type": "integer", "enum": [1, 2, 3]},
            "deployment": {"type": "string", "enum": ["cloud", "on_prem"]},
        },
    },
    "System": {
        "allOf": [{"$ref": "#/components/schemas/SystemBrief"}],
        "type": "object",
        "required": ["credits", "fields"],
        "properties": {
            "credits": {"type": "integer"},
            "description": {"type": "string"},
            "fields": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "label", "type", "required", "help"],
                    "properties": {
                        "name": {"type": "string"},
                        "label": {"type": "string"},
                        "type": {
                            "enum": ["text", "password", "url", "number", "select"]
                        },
                        "required": {"type": "boolean"},
                        "help": {"type": "string"},
                        "options": {"type": "array", "items": {"type": "string"}},
                        "default": {"type": "string"},
                    },
                },
            },
        },
    },
    "Connection": {
        "type": "object",
        "required": [
            "id",
            "name",
            "email",
            "credits",
            "system",
            "status",
            "status_reason",
            "overage",
            "connected_at",
            "last_sync",
            "created_at",
            "user_metadata",
        ],
        "properties": {
            "id": {"type": "string", "pattern": "^conn_"},
            "name": {"type": "string"},
            "email": NULLABLE_STRING,
            "credits": {"type": "integer", "minimum": 0},
            "system": {
                "oneOf": [
                    {"$ref": "#/components/schemas/SystemBrief"},
                    {"type": "null"},
                ]
            },
            "status": {"enum": [s.value for s in ConnectionStatus]},
            "status_reason": {"enum": [None, *STATUS_REASONS]},
            "overage": {"type": "boolean"},
            "connected_at": NULLABLE_TIMESTAMP,
            "last_sync": NULLABLE_TIMESTAMP,
            "created_at": TIMESTAMP,
            "user_metadata": METADATA,
        },
    },
    "MagicLink": {
        "type": "object",
        "required": ["id", "url", "status", "expires_at", "connection"],
        "properties": {
            "id": {"type": "string", "pattern": "^ml_"},
            "url": {"type": ["string", "null"], "format": "uri"},
            "status": {"enum": ["usable", "used", "revoked", "expired"]},
            "purpose": {"enum": ["connect", "reconnect"]},
            "systems": {"type": ["array", "null"], "items": {"type": "string"}},
            "redirect_url": NULLABLE_STRING,
            "expires_at": TIMESTAMP,
            "created_at": TIMESTAMP,
            "used_at": NULLABLE_TIMESTAMP,
            "revoked_at": NULLABLE_TIMESTAMP,
            "connection": {"$ref": "#/components/schemas/Connection"},
            "credits": {
                "type": "object",
                "properties": {
                    "available": {"type": "integer"},
                    "unaffordable_systems": {
                        "type": "array",
                        "items": {"type": "string"},
                    },
                },
            },
        },
    },
    "MagicLinkCreate": {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "email": NULLABLE_STRING,
            "user_metadata": METADATA,
            "systems": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "expires_in": {"type": "integer", "minimum": 60, "maximum": 2592000},
            "redirect_url": {"type": "string", "format": "uri"},
        },
    },
    "ConnectionCreate": {
        "type": "object",
        "required": ["system", "credentials", "name"],
        "additionalProperties": False,
        "properties": {
            "system": {"type": "string"},
            "credentials": {
                "type": "object",
                "additionalProperties": {"type": "string"},
            },
            "name": {"type": "string"},
            "email": NULLABLE_STRING,
            "user_metadata": METADATA,
        },
    },
    "ConnectionUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "email": NULLABLE_STRING,
            "user_metadata": METADATA,
        },
    },
    "Account": {
        "type": "object",
        "required": [
            "id",
            "name",
            "plan",
            "credits",
            "overage_connections",
            "allowed_origins",
            "redirect_uris",
            "webhook_url",
        ],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "plan": {"enum": ["trial", "paid"]},
            "client_id": {"type": "string"},
            "credits": {
                "type": "object",
                "required": ["balance", "used", "available"],
                "properties": {
                    "balance": {"type": "integer"},
                    "used": {"type": "integer"},
                    "available": {"type": "integer"},
                },
            },
            "overage_connections": {"type": "integer"},
            "allowed_origins": {"type": "array", "items": {"type": "string"}},
            "redirect_uris": {"type": "array", "items": {"type": "string"}},
            "webhook_url": NULLABLE_STRING,
            "branding": {"type": "object"},
            "sync_interval_seconds": {"type": "integer"},
        },
    },
    "AccountUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "allowed_origins": {"type": "array", "items": {"type": "string"}},
            "redirect_uris": {"type": "array", "items": {"type": "string"}},
            "webhook_url": NULLABLE_STRING,
            "branding": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                    "logo_url": {"type": "string"},
                },
            },
            "sync_interval_seconds": {"type": "integer", "minimum": 300},
        },
    },
    "TokenPair": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "refresh_token"],
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"const": "Bearer"},
            "expires_in": {"type": "integer"},
            "refresh_token": {"type": "string"},
            "connection_id": {"type": "string"},
        },
    },
    "Event": {
        "type": "object",
        "required": ["id", "type", "detail", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "type": {"type": "string"},
            "magic_link_id": NULLABLE_STRING,
            "detail": {"type": "object"},
            "created_at": TIMESTAMP,
        },
    },
    "WebhookDelivery": {
        "type": "object",
        "required": ["id", "event_type", "status", "attempts"],
        "properties": {
            "id": {"type": "string"},
            "event_type": {"type": "string"},
            "connection_id": NULLABLE_STRING,
            "status": {
                "enum": ["pending", "delivered", "failing", "failed", "cancelled"]
            },
            "attempts": {"type": "integer"},
            "last_status_code": {"type": ["integer", "null"]},
            "last_error": NULLABLE_STRING,
            "created_at": TIMESTAMP,
            "delivered_at": NULLABLE_TIMESTAMP,
            "payload": {"type": "object"},
        },
    },
}
