"""Job definitions. Each runs inside the worker's app context."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from huey import crontab

from link_flow.extensions import db
from link_flow.jobs.queue import enqueue_after_commit, huey, worker_app

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

SYNC_RETRIES = 8
SYNC_RETRY_DELAY = 60
# 45 s doubling eleven times spreads webhook attempts over about a day.
WEBHOOK_RETRIES = 11
WEBHOOK_RETRY_DELAY = 45


def in_app_context(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with worker_app().app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper  # type: ignore[return-value]


@huey.task(
    retries=SYNC_RETRIES, retry_delay=SYNC_RETRY_DELAY, retry_backoff=2, context=True
)
@in_app_context
def sync_connection(connection_id: str, task: Any = None) -> str:
    from link_flow.services.sync import run_sync

    # No queue lock around the sync: one left by a killed worker is never
    # released, and would stop this connection's syncs for good. Two syncs
    # at once are safe, as each write locks the row and checks what changed.
    final = task is None or not task.retries
    return run_sync(connection_id, final=final)


@huey.task(
    retries=WEBHOOK_RETRIES,
    retry_delay=WEBHOOK_RETRY_DELAY,
    retry_backoff=2,
    context=True,
)
@in_app_context
def deliver_webhook(delivery_id: str, task: Any = None) -> str:
    from link_flow.services.webhook_delivery import attempt_delivery

    final = task is None or not task.retries
    return attempt_delivery(delivery_id, final=final)


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def queue_due_syncs() -> int:
    from link_flow.services.sync import due_connection_ids, postpone_next_sync

    due = due_connection_ids()
    for connection_id in due:
        postpone_next_sync(connection_id)
        enqueue_after_commit(sync_connection, connection_id)
    db.session.commit()

    return len(due)


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def announce_expired_links() -> int:
    from link_flow.services.magic_links import announce_expired_links as announce

    return announce()


def queue_sync(connection_id: str) -> None:
    """Queue a sync of ``connection_id`` for when the transaction commits."""
    enqueue_after_commit(sync_connection, connection_id)


def queue_webhook(delivery_id: str) -> None:
    """Queue a webhook delivery for when the transaction commits."""
    enqueue_after_commit(deliver_webhook, delivery_id)


@huey.periodic_task(crontab(minute="*/15"))
@in_app_context
def prune_credential_attempts() -> int:
    from link_flow.services.attempts import prune

    return prune()
