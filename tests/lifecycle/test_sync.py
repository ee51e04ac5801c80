"""Syncs: the status steps, passing failures retried, refused credentials."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from huey.utils import utcnow as huey_now

from link_flow.adapters.sandbox import set_password
from link_flow.extensions import db
from link_flow.jobs.queue import huey
from link_flow.jobs.tasks import (
    SYNC_RETRIES,
    SYNC_RETRY_DELAY,
    queue_due_syncs,
    sync_connection,
)
from link_flow.models import Connection
from link_flow.models.base import utcnow
from tests.conftest import Partner
from tests.lifecycle.fake_system import FakePlc, FakeSystemServer
from tests.lifecycle.steps import (
    connect_through_flow,
    get_account,
    get_connection,
    run_jobs,
    run_jobs_due_within,
    run_jobs_in_a_thread,
    status_steps,
    timeline,
    wait_for,
)


def make_sync_due(app: Flask, connection_id: str) -> None:
    """Move the connection's next periodic sync into the past."""
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        assert connection is not None
        connection.next_sync_at = utcnow() - timedelta(seconds=5)
        db.session.commit()


def sweep(app: Flask) -> int:
    """Run the per-minute sweep once, as the worker's scheduler would."""
    return queue_due_syncs.call_local()  # type: ignore[no-any-return]


def row(app: Flask, connection_id: str) -> Connection:
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        assert connection is not None
        db.session.expunge(connection)
        return connection


def test_a_sync_steps_through_synchronizing_and_in_progress_to_active(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    assert get_connection(client, partner, connection_id)["status"] == "synchronizing"

    assert run_jobs(app) >= 1

    connection = get_connection(client, partner, connection_id)
    assert connection["status"] == "active"
    assert connection["last_sync"] >= connection["connected_at"]
    events = timeline(client, partner, connection_id)
    assert status_steps(events) == [
        ("pending", "synchronizing"),
        ("synchronizing", "in_progress"),
        ("in_progress", "active"),
    ]
    [completed] = [e for e in events if e["type"] == "sync_completed"]
    assert completed["detail"]["summary"]["assets"] == 12
    stored = row(app, connection_id)
    assert stored.last_sync is not None and stored.next_sync_at is not None
    assert stored.next_sync_at - stored.last_sync == timedelta(seconds=3600)


def test_a_passing_failure_is_recorded_and_retried_with_growing_delays(
    app: Flask, client: FlaskClient, partner: Partner, fake_plc: FakePlc
) -> None:
    connection_id = connect_through_flow(
        client, partner, fake_plc.credentials, system="test_plc"
    )
    fake_plc.server.summary_answers = [503, 503]

    run_jobs(app)

    failed = [
        e
        for e in timeline(client, partner, connection_id)
        if e["type"] == "sync_failed"
    ]
    assert [e["detail"] for e in failed] == [{"code": "SYSTEM_ERROR", "attempt": 1}]
    assert get_connection(client, partner, connection_id)["status"] == "synchronizing"
    [retry] = huey.scheduled()
    first_delay = (retry.eta - huey_now()).total_seconds()
    assert SYNC_RETRY_DELAY - 5 < first_delay <= SYNC_RETRY_DELAY

    assert run_jobs_due_within(app, SYNC_RETRY_DELAY / 2) == []
    assert len(run_jobs_due_within(app, SYNC_RETRY_DELAY)) == 1
    [second_retry] = huey.scheduled()
    second_delay = (second_retry.eta - huey_now()).total_seconds()
    assert 2 * SYNC_RETRY_DELAY - 5 < second_delay <= 2 * SYNC_RETRY_DELAY

    run_jobs_due_within(app, 2 * SYNC_RETRY_DELAY)

    assert len(fake_plc.server.summary_calls) == 3
    connection = get_connection(client, partner, connection_id)
    assert connection["status"] == "active"
    assert row(app, connection_id).sync_failures == 0
    types = [e["type"] for e in timeline(client, partner, connection_id)]
    assert types.count("sync_failed") == 2 and types[-1] == "sync_completed"
    assert huey.scheduled_count() == 0


def test_an_active_connection_stays_active_while_a_sync_fails_for_a_passing_reason(
    app: Flask, client: FlaskClient, partner: Partner, fake_plc: FakePlc
) -> None:
    connection_id = connect_through_flow(
        client, partner, fake_plc.credentials, system="test_plc"
    )
    run_jobs(app)
    pair = client.post(
        f"/api/v1/connections/{connection_id}/tokens", headers=partner.headers
    ).get_json()
    fake_plc.server.summary_answers = [502]
    make_sync_due(app, connection_id)

    assert sweep(app) == 1
    run_jobs(app)

    connection = get_connection(client, partner, connection_id)
    assert (connection["status"], connection["status_reason"]) == ("active", None)
    own_view = client.get(
        "/api/v1/connection",
        headers={"Authorization": f"Bearer {pair['access_token']}"},
    )
    assert own_view.status_code == 200
    assert own_view.get_json()["status"] == "active"
    assert row(app, connection_id).last_sync_error == "SYSTEM_ERROR"
    assert huey.scheduled_count() == 1
    run_jobs_due_within(app, SYNC_RETRY_DELAY)
    assert row(app, connection_id).sync_failures == 0


def test_refused_credentials_make_the_next_sync_ask_for_reauthorization(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    run_jobs(app)
    with app.app_context():
        set_password("demo", "a-new-password")
    make_sync_due(app, connection_id)

    sweep(app)
    run_jobs(app)

    connection = get_connection(client, partner, connection_id)
    assert (connection["status"], connection["status_reason"]) == (
        "inactive",
        "reauthorization_required",
    )
    assert huey.scheduled_count() == 0, "refused credentials are not retried"
    assert row(app, connection_id).next_sync_at is None
    make_sync_due(app, connection_id)
    assert sweep(app) == 0, "an inactive connection is not synced"
    failed = [
        e
        for e in timeline(client, partner, connection_id)
        if e["type"] == "sync_failed"
    ]
    assert failed[-1]["detail"]["code"] == "INVALID_CREDENTIALS"
    assert connection["credits"] == 1, "credits stay with the connection"
    assert get_account(client, partner)["credits"]["used"] == 1


def test_the_sweep_queues_only_due_active_connections_and_each_once(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    due = connect_through_flow(client, partner)
    not_due = connect_through_flow(client, partner)
    run_jobs(app)
    first_sync = get_connection(client, partner, due)["last_sync"]
    untouched = row(app, not_due).next_sync_at
    make_sync_due(app, due)

    assert sweep(app) == 1
    assert sweep(app) == 0, "the first sweep pushed the due time forward"
    assert run_jobs(app) == 1

    assert row(app, not_due).next_sync_at == untouched
    synced = row(app, due)
    assert synced.last_sync is not None and synced.next_sync_at is not None
    assert synced.next_sync_at > utcnow() + timedelta(seconds=3000)
    events = timeline(client, partner, due)
    assert [e["type"] for e in events].count("sync_completed") == 2
    assert get_connection(client, partner, due)["last_sync"] >= first_sync


def test_the_sweep_is_scheduled_every_minute() -> None:
    task = queue_due_syncs.task_class()
    minutes = [huey_now().replace(minute=m, second=0) for m in (0, 1, 17, 59)]

    assert all(task.validate_datetime(moment) for moment in minutes)


def test_a_disconnect_during_a_sync_is_not_undone_when_the_sync_ends(
    app: Flask, client: FlaskClient, partner: Partner, fake_plc: FakePlc
) -> None:
    connection_id = connect_through_flow(
        client, partner, fake_plc.credentials, system="test_plc"
    )
    gate = threading.Event()
    fake_plc.server.gate = gate
    worker = run_jobs_in_a_thread(app)
    try:
        wait_for(lambda: fake_plc.server.summary_calls)
        deleted = client.delete(
            f"/api/v1/connections/{connection_id}", headers=partner.headers
        )
        assert deleted.status_code == 200
    finally:
        gate.set()
        worker.join(timeout=30)

    connection = get_connection(client, partner, connection_id)
    assert (connection["status"], connection["status_reason"]) == (
        "inactive",
        "disconnected_by_partner",
    )
    assert connection["last_sync"] is None
    assert get_account(client, partner)["credits"]["used"] == 0
    types = [e["type"] for e in timeline(client, partner, connection_id)]
    assert "sync_completed" not in types


def test_a_key_revoked_at_the_system_asks_for_reauthorization_without_retry(
    app: Flask, client: FlaskClient, partner: Partner, fake_plc: FakePlc
) -> None:
    connection_id = connect_through_flow(
        client, partner, fake_plc.credentials, system="test_plc"
    )
    fake_plc.server.api_key = "rotated-at-the-customer"

    run_jobs(app)

    connection = get_connection(client, partner, connection_id)
    assert (connection["status"], connection["status_reason"]) == (
        "inactive",
        "reauthorization_required",
    )
    assert huey.scheduled_count() == 0


def test_a_first_sync_the_queue_gives_up_on_is_tried_again_by_the_sweep(
    app: Flask, client: FlaskClient, partner: Partner, fake_plc: FakePlc
) -> None:
    connection_id = connect_through_flow(
        client, partner, fake_plc.credentials, system="test_plc"
    )
    fake_plc.server.summary_answers = [503] * (SYNC_RETRIES + 1)
    run_jobs(app)
    while huey.scheduled_count():
        run_jobs_due_within(app, 2**SYNC_RETRIES * SYNC_RETRY_DELAY)

    assert len(fake_plc.server.summary_calls) == SYNC_RETRIES + 1
    stuck = row(app, connection_id)
    assert stuck.status == "synchronizing"
    assert stuck.sync_failures == SYNC_RETRIES + 1
    assert stuck.next_sync_at is not None
    assert stuck.next_sync_at > utcnow() + timedelta(seconds=3000)
    make_sync_due(app, connection_id)
    assert sweep(app) == 1
    run_jobs(app)
    assert get_connection(client, partner, connection_id)["status"] == "active"


def test_the_account_s_sync_interval_sets_the_next_periodic_sync(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    changed = client.patch(
        "/api/v1/account", json={"sync_interval_seconds": 900}, headers=partner.headers
    )
    too_short = client.patch(
        "/api/v1/account", json={"sync_interval_seconds": 60}, headers=partner.headers
    )
    connection_id = connect_through_flow(client, partner)

    run_jobs(app)

    assert changed.get_json()["sync_interval_seconds"] == 900
    assert too_short.status_code == 400
    assert too_short.get_json()["error"]["field"] == "sync_interval_seconds"
    synced = row(app, connection_id)
    assert synced.last_sync is not None and synced.next_sync_at is not None
    assert synced.next_sync_at - synced.last_sync == timedelta(seconds=900)


def test_an_unreachable_system_is_retried_until_it_answers_again(
    app: Flask, client: FlaskClient, partner: Partner, fake_plc: FakePlc
) -> None:
    connection_id = connect_through_flow(
        client, partner, fake_plc.credentials, system="test_plc"
    )
    port = int(fake_plc.server.url.rsplit(":", 1)[1])
    fake_plc.server.stop()

    run_jobs(app)

    assert row(app, connection_id).last_sync_error == "UNREACHABLE"
    assert huey.scheduled_count() == 1
    back = FakeSystemServer(fake_plc.server.api_key, port=port).start()
    try:
        run_jobs_due_within(app, SYNC_RETRY_DELAY)
    finally:
        back.stop()
    assert get_connection(client, partner, connection_id)["status"] == "active"


def test_a_worker_killed_mid_sync_does_not_stop_later_syncs(
    app: Flask, client: FlaskClient, partner: Partner
) -> None:
    connection_id = connect_through_flow(client, partner)
    run_jobs(app)
    # What a worker killed during a sync leaves behind, if anything, in the
    # queue's storage: the sync's lock, never released.
    huey.lock_task(f"sync:{connection_id}").acquire()
    make_sync_due(app, connection_id)

    sweep(app)
    run_jobs(app)

    events = timeline(client, partner, connection_id)
    assert [e["type"] for e in events].count("sync_completed") == 2


def test_two_syncs_at_once_complete_the_connection_once(
    app: Flask, client: FlaskClient, partner: Partner, fake_plc: FakePlc
) -> None:
    connection_id = connect_through_flow(
        client, partner, fake_plc.credentials, system="test_plc"
    )
    sync_connection(connection_id)
    gate = threading.Event()
    fake_plc.server.gate = gate
    workers = []
    try:
        for reads in (1, 2):
            workers.append(run_jobs_in_a_thread(app))
            wait_for(lambda reads=reads: len(fake_plc.server.summary_calls) == reads)
    finally:
        gate.set()
        for worker in workers:
            worker.join(timeout=30)

    assert get_connection(client, partner, connection_id)["status"] == "active"
    events = timeline(client, partner, connection_id)
    assert [e["type"] for e in events].count("sync_completed") == 1
    assert status_steps(events)[-1] == ("in_progress", "active")
