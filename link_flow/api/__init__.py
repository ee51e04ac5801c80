"""The Admin API (partner, admin token) and the Connection API."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from link_flow.api import account, connections, magic_links, systems  # noqa: E402, F401  (views register on bp)

__all__ = ["bp"]
