"""WSGI entry point: ``gunicorn wsgi:app``. Configured by LINK_FLOW_* variables."""

from link_flow import create_app

app = create_app()
