"""The ``link-flow`` command group: Flask's commands plus our own."""

from __future__ import annotations

import json
import logging
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from link_flow import create_app
from link_flow.errors import ApiError
from link_flow.extensions import db
from link_flow.models import Account

log = logging.getLogger(__name__)


def _make_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
def main() -> None:
    """Run and manage a link-flow server."""


def _fail(message: str) -> None:
    raise click.ClickException(message)


@main.group()
def accounts() -> None:
    """Partner accounts."""


@accounts.command("create")
@click.option("--name", required=True)
@click.option("--plan", type=click.Choice(["trial", "paid"]), default="trial")
@click.option("--credits", "starting_credits", type=int, default=None)
@click.option("--origin", "origins", multiple=True, help="Allowed embed origin.")
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@with_appcontext
def create_account_command(
    name: str,
    plan: str,
    starting_credits: int | None,
    origins: tuple[str, ...],
    redirect_uris: tuple[str, ...],
) -> None:
    """Create an account and print its id and client credentials as JSON."""
    from link_flow.services.accounts import create_account

    try:
        account, secret = create_account(
            name,
            plan=plan,
            starting_credits=starting_credits,
            origins=list(origins),
            redirect_uris=list(redirect_uris),
        )
    except ApiError as error:
        _fail(error.message)
        return
    click.echo(
        json.dumps(
            {
                "account_id": account.id,
                "name": account.name,
                "plan": account.plan,
                "credits": account.credits_balance,
                "client_id": account.client_id,
                "client_secret": secret,
            }
        )
    )


@accounts.command("add-credits")
@click.argument("account_id")
@click.argument("amount", type=int)
@with_appcontext
def add_credits_command(account_id: str, amount: int) -> None:
    """Grow an account's credit balance by AMOUNT."""
    from link_flow.services.credits import add_credits, credits_summary

    if amount <= 0:
        _fail("AMOUNT must be a positive whole number.")
    if db.session.get(Account, account_id) is None:
        _fail(f"No account {account_id}.")
    account = add_credits(account_id, amount)
    click.echo(
        json.dumps({"account_id": account.id, "credits": credits_summary(account)})
    )


@main.group()
def users() -> None:
    """People who sign in to an account's dashboard."""


@users.command("create")
@click.option("--account-id", required=True)
@click.option("--email", required=True)
@click.password_option("--password", confirmation_prompt=False)
@with_appcontext
def create_user_command(account_id: str, email: str, password: str) -> None:
    """Create a dashboard user and print it as JSON."""
    from link_flow.dashboard.users import create_user

    account = db.session.get(Account, account_id)
    if account is None:
        _fail(f"No account {account_id}.")
        return
    try:
        user = create_user(account, email, password)
    except ApiError as error:
        _fail(error.message)
        return
    click.echo(
        json.dumps({"user_id": user.id, "account_id": account.id, "email": user.email})
    )


@main.group()
def sandbox() -> None:
    """The built-in Sandbox CMMS system."""


@sandbox.command("set-password")
@click.argument("username")
@click.password_option("--password", confirmation_prompt=False)
@with_appcontext
def sandbox_set_password(username: str, password: str) -> None:
    """Change a Sandbox CMMS user's password (to try re-authorisation)."""
    from link_flow.adapters.sandbox import set_password

    set_password(username, password)
    click.echo(f"Sandbox user {username} has a new password.")


@main.command("worker")
@click.option("--workers", type=int, default=2, show_default=True)
@with_appcontext
def worker_command(workers: int) -> None:
    """Run background jobs (syncs, webhooks) until stopped."""
    from link_flow.jobs.queue import huey

    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    log.info("worker.start workers=%s", workers)
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True
    )
    with app.app_context():
        consumer.run()


@main.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create (or reuse) the demo account and print credentials and a magic link."""
    from link_flow.services.demo import prepare_demo

    click.echo(prepare_demo())
