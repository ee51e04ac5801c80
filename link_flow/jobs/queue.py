"""The job queue: Huey, stored where the deployment already keeps state.

* ``LINK_FLOW_REDIS_URL`` set: Redis.
* otherwise, a PostgreSQL database: Huey's SQL storage in that database, so
  every web process and worker on every machine shares one queue;
* otherwise SQLite: a queue file next to the database in the instance folder.

Tasks are declared against the module-level ``huey`` object; ``configure_queue``
gives it its storage when an app is created, so importing stays free of work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from link_flow.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "link-flow"
_AFTER_COMMIT_KEY = "link_flow_after_commit"

huey = Huey(QUEUE_NAME, storage_class=MemoryStorage, utc=True)
_thread_role = threading.local()
_worker_app: Flask | None = None


def configure_queue(app: Flask) -> None:
    """Give the shared ``huey`` object the storage the app's settings call for."""
    global _worker_app
    immediate = bool(app.config.get("JOBS_IMMEDIATE"))
    # Huey swaps in memory storage itself when immediate mode is turned on.
    huey.immediate = immediate
    if not immediate:
        huey.storage = _make_storage(app)
    _worker_app = app
    app.extensions["huey"] = huey


def _make_storage(app: Flask) -> Any:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        return RedisStorage(name=QUEUE_NAME, url=redis_url)

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        # Imported here: peewee is only needed for this deployment shape.
        from huey.contrib.sql_huey import SqlStorage

        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return SqlStorage(name=QUEUE_NAME, database=plain)
    if url.get_backend_name() == "sqlite" and url.database not in (
        None,
        "",
        ":memory:",
    ):
        path = Path(str(url.database))
        queue_file = path.with_name(path.stem + "-jobs.sqlite3")
        return SqliteStorage(name=QUEUE_NAME, filename=str(queue_file))

    raise RuntimeError(
        "An in-memory SQLite database cannot share jobs with a worker; "
        "set LINK_FLOW_DATABASE_URL to a file or server, or LINK_FLOW_REDIS_URL."
    )


def worker_app() -> Flask:
    """Return the app whose context tasks run in; mark the thread as a worker."""
    if _worker_app is None:
        raise RuntimeError("configure_queue() has not been called in this process")
    _thread_role.worker = True
    return _worker_app


def enqueue_after_commit(task: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` once the current database transaction commits.

    A job queued before commit could run before its rows exist, or for rows a
    rollback then erases; this keeps the queue and the database in step.
    """
    pending = db.session.info.setdefault(_AFTER_COMMIT_KEY, [])
    pending.append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    pending = session.info.pop(_AFTER_COMMIT_KEY, [])
    if not pending:
        return
    for task, args, kwargs in pending:
        try:
            task(*args, **kwargs)
        except Exception:
            # The rows are committed; the periodic sweep picks the work up.
            log.exception("job.enqueue_failed task=%s", getattr(task, "name", task))
    _release_thread_connection()


def _release_thread_connection() -> None:
    """Close the queue's per-thread SQL connection held by a web thread.

    Huey's SQL storage keeps one connection per thread; web servers start and
    end threads freely, and a connection left behind would leak until garbage
    collection. Worker threads are long-lived and keep theirs.
    """
    database = getattr(huey.storage, "database", None)
    if database is not None and not getattr(_thread_role, "worker", False):
        database.close()


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT_KEY, None)
