"""Steps every lifecycle test takes: make a link, finish it, run the queue.

Jobs run on the app's real Huey storage (a SQLite queue file, or the SQL
storage in PostgreSQL); ``run_jobs`` plays the worker in this thread, and
``run_jobs_due_within`` lets scheduled retries come due without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask
from flask.testing import FlaskClient
from huey.utils import utcnow as huey_now

from link_flow.jobs.queue import huey
from tests.conftest import Partner

T = TypeVar("T")

DEMO_LOGIN = {"username": "demo", "password": "demo-password"}


def make_link(client: FlaskClient, partner: Partner, **body: Any) -> dict[str, Any]:
    """Create a magic link through the Admin API and return its JSON."""
    payload: dict[str, Any] = {
        "name": "Plant 4 maintenance",
        "email": "ops@example.com",
        "user_metadata": {"customer_id": "C-1001"},
    }
    payload.update(body)
    response = client.post("/api/v1/magic-links", json=payload, headers=partner.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def open_flow(client: FlaskClient, link: dict[str, Any]) -> dict[str, Any]:
    """Present the link's fragment token as the flow page does; return the session."""
    token = link["url"].split("#", 1)[1]
    response = client.post(
        "/flow/api/session", json={"link_id": link["id"], "token": token}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def submit_credentials(
    client: FlaskClient,
    session: dict[str, Any],
    credentials: dict[str, str] | None = None,
    system: str = "sandbox",
) -> Any:
    """Post the credentials step of the flow and return the raw response."""
    return client.post(
        "/flow/api/connect",
        json={"system": system, "credentials": credentials or DEMO_LOGIN},
        headers={"X-Link-Flow-Token": session["flow_token"]},
    )


def connect_through_flow(
    client: FlaskClient,
    partner: Partner,
    credentials: dict[str, str] | None = None,
    system: str = "sandbox",
    **link_body: Any,
) -> str:
    """Make a link, finish it with ``credentials``; return the connection id."""
    link = make_link(client, partner, **link_body)
    session = open_flow(client, link)
    response = submit_credentials(client, session, credentials, system)
    assert response.status_code == 200, response.get_data(as_text=True)
    return link["connection"]["id"]  # type: ignore[no-any-return]


def get_connection(
    client: FlaskClient, partner: Partner, connection_id: str
) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/connections/{connection_id}", headers=partner.headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def get_account(client: FlaskClient, partner: Partner) -> dict[str, Any]:
    response = client.get("/api/v1/account", headers=partner.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def timeline(
    client: FlaskClient, partner: Partner, connection_id: str
) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/connections/{connection_id}/events", headers=partner.headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]  # type: ignore[no-any-return]


def status_steps(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return the ``(from, to)`` pairs of the timeline's status changes."""
    return [
        (e["detail"]["from"], e["detail"]["to"])
        for e in events
        if e["type"] == "status_changed"
    ]


def all_at_once(app: Flask, requests: list[Callable[[FlaskClient], T]]) -> list[T]:
    """Make ``requests`` from as many threads, released together; return answers.

    Each thread has its own test client, so each request gets its own
    database session, as concurrent web requests would.
    """
    barrier = threading.Barrier(len(requests))
    answers: list[T] = []
    failures: list[BaseException] = []

    def send(request: Callable[[FlaskClient], T]) -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=30)
            answers.append(request(client))
        except BaseException as exc:  # re-raised in the test's own thread
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if failures:
        raise failures[0]

    return answers


def run_jobs(app: Flask, limit: int = 200) -> int:
    """Run every job waiting in the queue, as a worker would; return how many.

    Jobs queued by the jobs themselves run too. Failed jobs with retries left
    go to Huey's schedule, as they would under a real consumer.
    """
    assert app.extensions["huey"] is huey
    done = 0
    while done < limit:
        task = huey.dequeue()
        if task is None:
            return done
        huey.execute(task)
        done += 1
    raise AssertionError(f"more than {limit} jobs: a job keeps queueing itself")


def run_jobs_in_a_thread(app: Flask) -> threading.Thread:
    """Start a thread that runs the waiting jobs, like a second worker."""

    def work() -> None:
        try:
            run_jobs(app)
        finally:
            # The SQL queue storage keeps one connection per thread.
            database = getattr(huey.storage, "database", None)
            if database is not None:
                database.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def run_jobs_due_within(app: Flask, seconds: float) -> list[Any]:
    """Run the scheduled jobs (retries) due in the next ``seconds``; return them."""
    due = huey.read_schedule(huey_now() + timedelta(seconds=seconds))
    for task in due:
        huey.execute(task, timestamp=task.eta)
    run_jobs(app)

    return due


def wait_for(
    predicate: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.05
) -> T:
    """Poll ``predicate`` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
