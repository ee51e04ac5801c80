"""The embedded queue keeps jobs in the database's own storage across restarts."""

from __future__ import annotations

from pathlib import Path

from link_flow.jobs.queue import huey
from tests.conftest import close_app, create_partner, make_test_app
from tests.lifecycle.steps import connect_through_flow, get_connection, run_jobs


def test_a_job_queued_before_the_web_process_restarts_still_runs(
    tmp_path: Path, database_url: str
) -> None:
    first = make_test_app(tmp_path, database_url)
    partner = create_partner(first.test_client())
    connection_id = connect_through_flow(first.test_client(), partner)
    assert huey.pending_count() == 1
    close_app(first)

    restarted = make_test_app(tmp_path, database_url)
    try:
        assert huey.pending_count() == 1, "the job outlived the process"
        assert run_jobs(restarted) == 1
        connection = get_connection(restarted.test_client(), partner, connection_id)
        assert connection["status"] == "active"
    finally:
        close_app(restarted)
