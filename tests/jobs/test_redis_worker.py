"""With LINK_FLOW_REDIS_URL set, `link-flow worker` processes run the jobs."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from flask import Flask

from link_flow.jobs.queue import huey
from tests.conftest import SECRET_KEY, close_app, create_partner, make_test_app
from tests.lifecycle.steps import connect_through_flow, get_connection, wait_for

# A database number of its own: the tests flush it, and only it.
REDIS_URL = "redis://127.0.0.1:6379/7"

pytestmark = pytest.mark.redis


# Test runs started at once on one machine (two checkouts, or a developer
# and an editor plugin) would take each other's jobs from the shared queue,
# so they take turns on the database number through a file lock.
LOCK_FILE = Path(tempfile.gettempdir()) / "link-flow-tests-redis-db7.lock"


@contextmanager
def exclusive_redis_db(timeout: float = 300.0) -> Iterator[None]:
    with LOCK_FILE.open("w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test run held {LOCK_FILE} too long")
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    with exclusive_redis_db():
        connection = redis.Redis.from_url(REDIS_URL)
        connection.flushdb()
        try:
            yield connection
        finally:
            connection.flushdb()
            connection.close()


def make_redis_app(tmp_path: Path) -> Flask:
    return make_test_app(
        tmp_path, f"sqlite:///{tmp_path / 'link-flow.sqlite3'}", REDIS_URL=REDIS_URL
    )


def close_redis_app(app: Flask) -> None:
    close_app(app)
    huey.storage.conn.connection_pool.disconnect()


@pytest.fixture
def redis_app(tmp_path: Path, redis_db: redis.Redis) -> Iterator[Flask]:
    """The web side: an app on a SQLite file whose queue is in Redis."""
    app = make_redis_app(tmp_path)
    yield app
    close_redis_app(app)


class WorkerProcess:
    """A `link-flow worker` subprocess sharing the app's database and keys."""

    def __init__(self, tmp_path: Path, name: str) -> None:
        self.log_path = tmp_path / f"{name}.log"
        self.env = {
            **os.environ,
            "LINK_FLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'link-flow.sqlite3'}",
            "LINK_FLOW_INSTANCE_PATH": str(tmp_path / "instance"),
            "LINK_FLOW_SECRET_KEY": SECRET_KEY,
            "LINK_FLOW_ALLOW_PRIVATE_TARGETS": "1",
            "LINK_FLOW_REDIS_URL": REDIS_URL,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        command = [str(Path(sys.executable).parent / "link-flow"), "worker"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--workers", "1"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def stop(self) -> None:
        """Stop the process this object started, by its pid, gracefully first."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[str], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(name: str = "worker") -> WorkerProcess:
        worker = WorkerProcess(tmp_path, name).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_the_initial_sync_runs_on_a_worker_process_through_redis(
    redis_app: Flask,
    redis_db: redis.Redis,
    start_worker: Callable[[str], WorkerProcess],
) -> None:
    client = redis_app.test_client()
    partner = create_partner(client)
    worker = start_worker("worker")

    connection_id = connect_through_flow(client, partner)

    def active() -> dict | None:
        connection = get_connection(client, partner, connection_id)
        return connection if connection["status"] == "active" else None

    try:
        connection = wait_for(active, timeout=60, interval=0.1)
    except AssertionError:
        pytest.fail(f"no sync ran; worker log:\n{worker.log()}")
    assert connection["last_sync"] is not None
    # The worker stored the job's result next to the queue, in Redis.
    assert redis_db.hlen(huey.storage.result_key) >= 1


def test_a_job_queued_while_no_worker_runs_waits_in_redis_for_one(
    tmp_path: Path,
    redis_app: Flask,
    redis_db: redis.Redis,
    start_worker: Callable[[str], WorkerProcess],
) -> None:
    client = redis_app.test_client()
    partner = create_partner(client)
    first = start_worker("first")
    first.stop()
    assert first.process is not None and first.process.returncode is not None

    connection_id = connect_through_flow(client, partner)
    assert redis_db.llen(huey.storage.queue_key) == 1
    # The web process that queued the job goes away.
    close_redis_app(redis_app)
    restarted = make_redis_app(tmp_path)
    try:
        assert huey.pending_count() == 1, "the job is still in Redis"
        second = start_worker("second")
        client = restarted.test_client()

        def active() -> bool:
            return get_connection(client, partner, connection_id)["status"] == (
                "active"
            )

        try:
            wait_for(active, timeout=60, interval=0.1)
        except AssertionError:
            pytest.fail(f"the queued sync never ran; log:\n{second.log()}")
        # The worker's periodic sweeps may be queued at a minute's turn;
        # what matters is that the sync itself is no longer waiting.
        waiting = [task.name for task in huey.pending()]
        assert not [name for name in waiting if name.endswith("sync_connection")]
    finally:
        close_redis_app(restarted)
