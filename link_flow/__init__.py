"""link-flow: a self-hostable onboarding widget for industrial systems."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

FRONTEND_DIR = Path(__file__).resolve().parent.parent / "frontend"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _static_version() -> str:
    """Return a short digest of the frontend files, to bust caches on deploy."""
    digest = hashlib.sha256()
    for path in sorted(FRONTEND_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def create_app(
    overrides: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Build the application; ``overrides`` wins over the environment (tests)."""
    from link_flow import api, dashboard, embed, flow
    from link_flow.config import load_config
    from link_flow.errors import register_error_handlers
    from link_flow.extensions import csrf, db, migrate
    from link_flow.guards import install_guards
    from link_flow.headers import apply_default_headers
    from link_flow.jobs.queue import configure_queue
    from link_flow.logs import configure_logging
    from link_flow.oauth.authorize_views import bp as oauth_flow_bp
    from link_flow.oauth.server import init_oauth
    from link_flow.oauth.views import bp as oauth_bp

    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path or os.environ.get("LINK_FLOW_INSTANCE_PATH"),
        static_folder=str(FRONTEND_DIR),
        static_url_path="/static",
        template_folder=str(FRONTEND_DIR),
    )
    load_config(app, overrides)
    app.config.setdefault("STATIC_VERSION", _static_version())
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # Flask's own cookie carries the dashboard's CSRF token and messages.
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault(
        "SESSION_COOKIE_SECURE", app.config["PUBLIC_URL"].startswith("https://")
    )
    if app.config["TRUST_PROXY"]:
        # Behind one reverse proxy: trust its X-Forwarded-For/Proto/Host.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=1, x_proto=1, x_host=1
        )

    configure_logging(app)
    install_guards(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    configure_queue(app)
    init_oauth(app)

    app.register_blueprint(api.bp)
    app.register_blueprint(flow.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(oauth_bp)
    app.register_blueprint(oauth_flow_bp)
    app.register_blueprint(embed.bp)
    register_error_handlers(app)
    app.after_request(apply_default_headers)

    import link_flow.adapters.sandbox  # noqa: F401  (its table is in the metadata)
    import link_flow.jobs.tasks  # noqa: F401  (registers the jobs with Huey)

    return app
