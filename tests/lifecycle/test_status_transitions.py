"""Which status may follow which, checked on the service every change goes through."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from flask import Flask

from link_flow.extensions import db
from link_flow.models import Connection, ConnectionEvent, WebhookDelivery
from link_flow.services import connections
from link_flow.services.accounts import create_account
from tests.conftest import close_app, make_test_app

STATUSES = ("pending", "synchronizing", "in_progress", "active", "inactive")

# The life the contract describes: pending until the flow ends, then
# synchronizing -> in_progress -> active, inactive from anywhere, and back
# out of inactive only through a new sync.
ALLOWED = {
    ("pending", "synchronizing"),
    ("pending", "inactive"),
    ("synchronizing", "in_progress"),
    ("synchronizing", "active"),
    ("synchronizing", "inactive"),
    ("in_progress", "active"),
    ("in_progress", "synchronizing"),
    ("in_progress", "inactive"),
    ("active", "synchronizing"),
    ("active", "inactive"),
    ("inactive", "synchronizing"),
    ("inactive", "inactive"),
}
FORBIDDEN = sorted(set(itertools.product(STATUSES, STATUSES)) - ALLOWED)


@pytest.fixture(scope="module")
def transitions_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the module: each test makes its own account and connection."""
    path = tmp_path_factory.mktemp("transitions")
    app = make_test_app(path, f"sqlite:///{path / 'link-flow.sqlite3'}")
    yield app
    close_app(app)


@pytest.fixture
def app_context(transitions_app: Flask) -> Iterator[None]:
    with transitions_app.app_context():
        yield
        db.session.remove()


def connection_in(status: str, reason: str | None = None) -> Connection:
    account, _ = create_account("Transitions Ltd", plan="paid", starting_credits=5)
    account.webhook_url = "https://hooks.example.com/link-flow"
    connection = connections.create_pending(
        account, name="Line 1", email=None, metadata={}
    )
    connection.status = status
    connection.status_reason = reason
    db.session.commit()

    return connection


def events_of(connection: Connection, event_type: str) -> list[ConnectionEvent]:
    return [
        e
        for e in db.session.query(ConnectionEvent).filter_by(
            connection_id=connection.id
        )
        if e.type == event_type
    ]


def status_webhooks(connection: Connection) -> list[WebhookDelivery]:
    return list(
        db.session.query(WebhookDelivery).filter_by(
            connection_id=connection.id, event_type="connection.status_changed"
        )
    )


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize(("before", "after"), sorted(ALLOWED))
def test_an_allowed_transition_is_applied_recorded_and_announced(
    before: str, after: str
) -> None:
    reason = "insufficient_credits" if before == "inactive" else None
    new_reason = "reauthorization_required" if after == "inactive" else None
    connection = connection_in(before, reason)

    connections.set_status(connection, after, new_reason)
    db.session.commit()

    db.session.refresh(connection)
    assert (connection.status, connection.status_reason) == (after, new_reason)
    [event] = events_of(connection, "status_changed")
    assert event.detail == {"from": before, "to": after, "reason": new_reason}
    [webhook] = status_webhooks(connection)
    assert webhook.payload["data"]["connection"]["status"] == after


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize(("before", "after"), FORBIDDEN)
def test_a_forbidden_transition_is_refused_and_changes_nothing(
    before: str, after: str
) -> None:
    connection = connection_in(before)

    with pytest.raises(connections.InvalidTransition) as refused:
        connections.set_status(connection, after)

    assert refused.value.status == 409
    assert before in refused.value.message and after in refused.value.message
    db.session.rollback()
    db.session.refresh(connection)
    assert connection.status == before
    assert events_of(connection, "status_changed") == []
    assert status_webhooks(connection) == []


@pytest.mark.usefixtures("app_context")
def test_repeating_the_same_inactive_reason_records_nothing() -> None:
    connection = connection_in("inactive", "insufficient_credits")

    connections.set_status(connection, "inactive", "insufficient_credits")
    db.session.commit()

    assert events_of(connection, "status_changed") == []
    assert status_webhooks(connection) == []
