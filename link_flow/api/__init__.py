"""The Admin API (partner, admin token) and the Connection API."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from link_flow.api import (  # noqa: E402, F401  (views register on bp)
    account,
    connections,
    magic_links,
    openapi,
    systems,
)

__all__ = ["bp"]
