"""The demo account ``make run`` prepares, and what it prints."""

from __future__ import annotations

import secrets
import textwrap

from flask import current_app
from sqlalchemy import select

from link_flow.dashboard.users import reset_demo_user
from link_flow.extensions import db
from link_flow.models import Account
from link_flow.services import accounts, magic_links

DEMO_ACCOUNT_NAME = "Demo Partner"
DEMO_CREDITS = 20


def prepare_demo() -> str:
    """Create or reuse the demo account; return its secrets and a fresh link."""
    account = db.session.scalar(
        select(Account).where(Account.name == DEMO_ACCOUNT_NAME)
    )
    if account is None:
        account, secret = accounts.create_account(
            DEMO_ACCOUNT_NAME, plan="paid", starting_credits=DEMO_CREDITS
        )
    else:
        # Only a hash is kept, so each start shows a new secret.
        secret = accounts.rotate_client_secret(account)

    dashboard_line = _dashboard_user(account)
    link = magic_links.create_link(
        account,
        name="Plant 4 maintenance",
        email=None,
        metadata={"customer_id": "C-1001", "source": "make run"},
        systems=None,
        expires_in=magic_links.DEFAULT_EXPIRES_IN,
        redirect_url=None,
    )
    base = current_app.config["PUBLIC_URL"]

    return textwrap.dedent(
        f"""
        link-flow demo account: {account.name} ({account.id})
          client_id:     {account.client_id}
          client_secret: {secret}
        {dashboard_line}
        Admin API token:
          curl -s -u '{account.client_id}:{secret}' \\
            -d grant_type=client_credentials {base}/oauth/token
        Then, with the access_token:
          curl -s -H 'Authorization: Bearer <access_token>' {base}/api/v1/connections

        A fresh magic link (Sandbox CMMS: demo / demo-password):
          {magic_links.link_url(link)}
        """
    )


def _dashboard_user(account: Account) -> str:
    email, password = reset_demo_user(account, secrets.token_urlsafe(12))
    base = current_app.config["PUBLIC_URL"]
    return f"  dashboard:     {base}/dashboard  {email} / {password}\n"
