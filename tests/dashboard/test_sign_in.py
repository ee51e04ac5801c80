"""Signing in and out: cookies, sessions, throttling, CSRF and framing."""

from __future__ import annotations

import json
import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from link_flow.cli import main
from link_flow.dashboard.auth import PARALLEL_LIMIT
from link_flow.dashboard.models import SignInThrottle
from link_flow.dashboard.sessions import COOKIE_NAME
from link_flow.extensions import db
from link_flow.models import DashboardSession
from tests.dashboard.conftest import (
    PASSWORD,
    Owner,
    csrf_token,
    form_token,
    make_owner,
    sign_in,
)


def session_count(app: Flask) -> int:
    with app.app_context():
        query = select(func.count()).select_from(DashboardSession)
        return db.session.scalar(query) or 0


def test_sign_in_sets_an_httponly_lax_cookie_scoped_to_the_dashboard(
    app: Flask, owner: Owner
) -> None:
    client = app.test_client()
    response = sign_in(client, owner.email, owner.password)

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/connections"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/dashboard" in cookie
    assert "Secure" not in cookie
    assert client.get("/dashboard/connections").status_code == 200


def test_the_cookie_is_secure_when_served_over_https(app: Flask, owner: Owner) -> None:
    client = app.test_client()
    response = sign_in(
        client,
        owner.email,
        owner.password,
        base_url="https://dash.example",
        headers={"Referer": "https://dash.example/dashboard"},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_sessions_are_stored_hashed_and_a_new_one_is_made_at_sign_in(
    app: Flask, owner: Owner
) -> None:
    client = app.test_client()
    sign_in(client, owner.email, owner.password)
    first = client.get_cookie(COOKIE_NAME, path="/dashboard")
    assert first is not None
    with app.app_context():
        assert db.session.scalar(select(DashboardSession.id_hash)) != first.value

    sign_in(client, owner.email, owner.password)
    second = client.get_cookie(COOKIE_NAME, path="/dashboard")
    assert second is not None and second.value != first.value
    # The id presented at the second sign-in was ended, not kept alongside.
    assert session_count(app) == 1


def test_a_planted_session_id_is_not_adopted(app: Flask, owner: Owner) -> None:
    client = app.test_client()
    client.set_cookie(COOKIE_NAME, "chosen-by-an-attacker", path="/dashboard")
    sign_in(client, owner.email, owner.password)
    cookie = client.get_cookie(COOKIE_NAME, path="/dashboard")
    assert cookie is not None and cookie.value != "chosen-by-an-attacker"


def test_signed_out_pages_send_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/dashboard/connections")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dashboard?next=")
    assert client.get("/dashboard/connections/live.json").status_code == 401


def test_sign_out_ends_the_session_on_the_server(
    app: Flask, signed_in: FlaskClient
) -> None:
    stolen = signed_in.get_cookie(COOKIE_NAME, path="/dashboard")
    assert stolen is not None
    token = form_token(signed_in, "/dashboard/connections")
    assert (
        signed_in.post("/dashboard/sign-out", data={"csrf_token": token}).status_code
        == 302
    )

    replay = app.test_client()
    replay.set_cookie(COOKIE_NAME, stolen.value, path="/dashboard")
    assert replay.get("/dashboard/connections").status_code == 302
    assert session_count(app) == 0


def test_changing_the_password_ends_every_other_session(
    app: Flask, owner: Owner, signed_in: FlaskClient
) -> None:
    other_browser = app.test_client()
    sign_in(other_browser, owner.email, owner.password)
    assert other_browser.get("/dashboard/connections").status_code == 200

    response = signed_in.post(
        "/dashboard/password",
        data={
            "csrf_token": form_token(signed_in, "/dashboard/password"),
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )

    assert response.status_code == 302
    assert signed_in.get("/dashboard/connections").status_code == 200
    assert other_browser.get("/dashboard/connections").status_code == 302
    fresh = app.test_client()
    assert sign_in(fresh, owner.email, PASSWORD).status_code == 401
    assert sign_in(fresh, owner.email, "a brand new passphrase").status_code == 302


def test_a_wrong_current_password_changes_nothing(
    app: Flask, signed_in: FlaskClient
) -> None:
    response = signed_in.post(
        "/dashboard/password",
        data={
            "csrf_token": form_token(signed_in, "/dashboard/password"),
            "current_password": "not it at all",
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert session_count(app) == 1


def test_unknown_email_and_wrong_password_read_the_same(
    app: Flask, owner: Owner
) -> None:
    client = app.test_client()
    wrong = sign_in(client, owner.email, "not the password")
    unknown = sign_in(client, "nobody@acme.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "That email and password do not match." in wrong.get_data(as_text=True)
    assert "That email and password do not match." in unknown.get_data(as_text=True)


def test_guessing_slows_down_that_address_but_never_locks_the_owner_out(
    app: Flask, owner: Owner
) -> None:
    attacker = app.test_client()
    attacker_ip = {"environ_base": {"REMOTE_ADDR": "127.0.0.66"}}
    for _ in range(5):
        assert sign_in(attacker, owner.email, "guess", **attacker_ip).status_code == 401

    refused = sign_in(attacker, owner.email, owner.password, **attacker_ip)
    assert refused.status_code == 429
    assert "Wait" in refused.get_data(as_text=True)

    # The count lives in the database, keyed by a hash of email and address.
    with app.app_context():
        row = db.session.scalar(select(SignInThrottle))
        assert row is not None and row.failures == 5
        assert len(row.key_hash) == 64

    owner_browser = app.test_client()
    owner_ip = {"environ_base": {"REMOTE_ADDR": "127.0.0.7"}}
    assert (
        sign_in(owner_browser, owner.email, owner.password, **owner_ip).status_code
        == 302
    )


def test_a_post_without_the_csrf_token_is_refused(signed_in: FlaskClient) -> None:
    response = signed_in.post("/dashboard/magic-links", data={"name": "Forged"})
    assert response.status_code == 400
    assert "Form refused" in response.get_data(as_text=True)
    assert "Forged" not in signed_in.get("/dashboard/connections").get_data(
        as_text=True
    )


def test_sign_in_itself_needs_the_csrf_token(app: Flask, owner: Owner) -> None:
    client = app.test_client()
    response = client.post(
        "/dashboard", data={"email": owner.email, "password": owner.password}
    )
    assert response.status_code == 400


def test_every_dashboard_page_refuses_framing(
    client: FlaskClient, signed_in: FlaskClient
) -> None:
    for response in (
        client.get("/dashboard"),
        signed_in.get("/dashboard/connections"),
        signed_in.get("/dashboard/settings"),
    ):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"


def test_next_only_leads_inside_the_dashboard(app: Flask, owner: Owner) -> None:
    client = app.test_client()
    page = client.get("/dashboard?next=https://evil.example/")
    response = client.post(
        "/dashboard",
        data={
            "email": owner.email,
            "password": owner.password,
            "next": "https://evil.example/",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/dashboard/connections"


def test_users_create_command_makes_a_user_who_can_sign_in(app: Flask) -> None:
    from link_flow.services.accounts import create_account

    with app.app_context():
        account_id = create_account("Beta GmbH")[0].id
    runner = app.test_cli_runner()
    result = runner.invoke(
        main,
        [
            "users",
            "create",
            "--account-id",
            account_id,
            "--email",
            "Ops@Beta.example",
            "--password",
            "long enough password",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["account_id"] == account_id
    assert printed["email"] == "ops@beta.example"
    assert (
        sign_in(
            app.test_client(), "ops@beta.example", "long enough password"
        ).status_code
        == 302
    )

    again = runner.invoke(
        main,
        [
            "users",
            "create",
            "--account-id",
            account_id,
            "--email",
            "ops@beta.example",
            "--password",
            "long enough password",
        ],
    )
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_demo_user_is_reset_with_the_new_password(app: Flask) -> None:
    from link_flow.dashboard.users import reset_demo_user
    from link_flow.services.accounts import create_account

    with app.app_context():
        account, _secret = create_account("Demo Partner", plan="paid")
        assert reset_demo_user(account, "first demo password") == (
            "demo@example.com",
            "first demo password",
        )
        second = reset_demo_user(account, "second demo password")
        assert second[1] == "second demo password"
    client = app.test_client()
    assert sign_in(client, "demo@example.com", "first demo password").status_code == 401
    assert (
        sign_in(client, "demo@example.com", "second demo password").status_code == 302
    )


def test_an_invitation_adds_a_teammate_once(app: Flask, signed_in: FlaskClient) -> None:
    response = signed_in.post(
        "/dashboard/settings/invitations",
        data={
            "csrf_token": form_token(signed_in, "/dashboard/settings"),
            "email": "mate@acme.example",
        },
    )
    html = response.get_data(as_text=True)
    start = html.index("/dashboard/invitation?token=")
    url = html[start : html.index('"', start)].replace("&amp;", "&")

    guest = app.test_client()
    page = guest.get(url)
    assert page.status_code == 200
    accepted = guest.post(
        "/dashboard/invitation",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "token": url.split("token=", 1)[1],
            "new_password": "teammate password",
            "confirm_password": "teammate password",
        },
    )
    assert accepted.status_code == 302
    assert guest.get("/dashboard/connections").status_code == 200
    assert app.test_client().get(url).status_code == 400


def test_a_second_account_owner_sees_only_their_team(app: Flask, owner: Owner) -> None:
    other = make_owner(app, name="Other Co", email="boss@other.example")
    client = app.test_client()
    sign_in(client, other.email, other.password)
    html = client.get("/dashboard/settings").get_data(as_text=True)
    assert other.email in html
    assert owner.email not in html


def test_guesses_sent_all_at_once_cannot_all_be_checked(
    app: Flask, owner: Owner
) -> None:
    clients = [app.test_client() for _ in range(PARALLEL_LIMIT + 8)]
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))

    def guess(client: FlaskClient) -> None:
        barrier.wait()
        response = sign_in(
            client, owner.email, "guess", environ_base={"REMOTE_ADDR": "127.0.0.66"}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses.count(401) <= PARALLEL_LIMIT
    assert set(statuses) <= {401, 429}
