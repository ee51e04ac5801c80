"""The partner dashboard: server-rendered pages signed in with a session."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from link_flow.dashboard import models  # noqa: E402, F401  (its table is in the metadata)

__all__ = ["bp"]
