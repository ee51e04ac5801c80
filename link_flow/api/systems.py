"""``GET /api/v1/systems``: the catalog."""

from __future__ import annotations

from flask import Response, jsonify

from link_flow.adapters.catalog import all_systems
from link_flow.api import bp
from link_flow.api.auth import require_admin


@bp.get("/systems")
@require_admin
def list_systems() -> Response:
    return jsonify({"data": [system.as_json() for system in all_systems()]})
