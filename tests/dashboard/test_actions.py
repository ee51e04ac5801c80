"""Reactivation and webhook redelivery from the dashboard, via the services."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from link_flow.extensions import db
from link_flow.models import Account, Connection, WebhookDelivery
from tests.dashboard.conftest import form_token, make_owner, sign_in
from tests.dashboard.test_connections_pages import add_link


def finish_with_sandbox(app: Flask, connection_id: str) -> None:
    """Finish the connection's link as the customer's flow would."""
    from link_flow.models import MagicLink
    from link_flow.services import flow

    with app.app_context():
        link = db.session.query(MagicLink).filter_by(connection_id=connection_id).one()
        flow.finish(
            link,
            system_key="sandbox",
            credentials={"username": "demo", "password": "demo-password"},
            email="ops@example.com",
        )


def signed_in_as(app: Flask, plan: str) -> tuple[FlaskClient, str]:
    owner = make_owner(app, plan=plan, starting_credits=0)
    client = app.test_client()
    assert sign_in(client, owner.email, owner.password).status_code == 302
    connection_id = add_link(app, owner.account_id, "Broke plant")
    finish_with_sandbox(app, connection_id)
    return client, connection_id


def test_a_paid_account_reactivates_as_overage(app: Flask) -> None:
    client, connection_id = signed_in_as(app, "paid")
    path = f"/dashboard/connections/{connection_id}"
    page = client.get(path).get_data(as_text=True)
    assert "Inactive (not enough credits)" in page
    assert "runs as overage" in page

    response = client.post(
        f"{path}/reactivate", data={"csrf_token": form_token(client, path)}
    )
    assert response.status_code == 302
    assert "reactivated as overage" in client.get(path).get_data(as_text=True)
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        assert connection.overage is True
        assert connection.status == "synchronizing"


def test_a_trial_account_without_credits_is_told_why_not(app: Flask) -> None:
    client, connection_id = signed_in_as(app, "trial")
    path = f"/dashboard/connections/{connection_id}"
    response = client.post(
        f"{path}/reactivate",
        data={"csrf_token": form_token(client, path)},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "Add credits" in html
    with app.app_context():
        assert db.session.get(Connection, connection_id).status == "inactive"


def test_recent_deliveries_are_listed_and_can_be_sent_again(app: Flask) -> None:
    owner = make_owner(app)
    with app.app_context():
        account = db.session.get(Account, owner.account_id)
        account.webhook_url = "http://127.0.0.1:9/hooks"
        db.session.commit()
    add_link(app, owner.account_id, "Plant")
    client = app.test_client()
    sign_in(client, owner.email, owner.password)

    html = client.get("/dashboard/settings").get_data(as_text=True)
    assert "connection.created" in html
    with app.app_context():
        delivery = db.session.query(WebhookDelivery).one()
        delivery.status = "failing"
        db.session.commit()
        delivery_id = delivery.id

    response = client.post(
        f"/dashboard/settings/deliveries/{delivery_id}/redeliver",
        data={"csrf_token": form_token(client, "/dashboard/settings")},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(WebhookDelivery, delivery_id).status == "pending"


def test_another_accounts_delivery_cannot_be_redelivered(
    app: Flask, signed_in: FlaskClient
) -> None:
    stranger = make_owner(app, name="Stranger", email="boss@stranger.example")
    with app.app_context():
        account = db.session.get(Account, stranger.account_id)
        account.webhook_url = "http://127.0.0.1:9/hooks"
        db.session.commit()
    add_link(app, stranger.account_id, "Their plant")
    with app.app_context():
        delivery_id = db.session.query(WebhookDelivery).one().id

    response = signed_in.post(
        f"/dashboard/settings/deliveries/{delivery_id}/redeliver",
        data={"csrf_token": form_token(signed_in, "/dashboard/settings")},
    )
    assert response.status_code == 404
