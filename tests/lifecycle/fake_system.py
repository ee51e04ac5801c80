"""A test-only system in the catalog whose adapter talks to a loopback server.

The server is a real HTTP endpoint that answers as scripted (fail, then
succeed), so syncs go through the same adapter path as a real system's,
including the network guard.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from link_flow.adapters import catalog
from link_flow.adapters.base import (
    AdapterContext,
    CredentialField,
    InvalidCredentials,
    System,
    SystemFailure,
)
from link_flow.adapters.net import guarded_session, translate_request_error


class FakeSystemServer:
    """Answers ``/api/summary`` from ``summary_answers`` in turn, then 200."""

    def __init__(self, api_key: str = "plc-key-123", port: int = 0) -> None:
        self.api_key = api_key
        self.summary_answers: list[int] = []
        self.summary_calls: list[float] = []
        # When set, a summary request waits until the test opens the gate.
        self.gate: threading.Event | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    self._answer(401, {"error": "bad key"})
                elif self.path == "/api/me":
                    self._answer(200, {"name": "PLC gateway"})
                elif self.path == "/api/summary":
                    self._answer(fake._next_summary_status(), {"tags": 42})
                else:
                    self._answer(404, {})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _next_summary_status(self) -> int:
        with self._lock:
            self.summary_calls.append(time.monotonic())
            status = self.summary_answers.pop(0) if self.summary_answers else 200
            gate = self.gate
        if gate is not None:
            gate.wait(timeout=30)
        return status

    def start(self) -> FakeSystemServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class FakePlcAdapter:
    def __init__(self, context: AdapterContext) -> None:
        self.context = context

    def _get(self, credentials: dict[str, str], path: str) -> dict[str, Any]:
        session = guarded_session(allow_private=self.context.allow_private_targets)
        try:
            response = session.get(
                credentials["instance_url"] + path,
                headers={"Authorization": f"Bearer {credentials['api_key']}"},
                timeout=self.context.timeout,
            )
        except requests.RequestException as exc:
            raise translate_request_error(
                exc, field="instance_url", what="the PLC gateway"
            ) from exc
        finally:
            session.close()
        if response.status_code == 401:
            raise InvalidCredentials("The API key was refused.", field="api_key")
        if response.status_code >= 500:
            raise SystemFailure(f"The PLC gateway answered {response.status_code}.")
        return response.json()  # type: ignore[no-any-return]

    def check_credentials(self, credentials: dict[str, str]) -> None:
        self._get(credentials, "/api/me")

    def fetch_summary(self, credentials: dict[str, str]) -> dict[str, Any]:
        return self._get(credentials, "/api/summary")


def make_fake_system(key: str, tier: int, deployment: str) -> System:
    return System(
        key=key,
        name=f"Test PLC {key}",
        tier=tier,
        deployment=deployment,
        fields=(
            CredentialField("instance_url", "Instance URL", type="url"),
            CredentialField("api_key", "API key", type="password"),
        ),
        adapter=FakePlcAdapter,
    )


class FakePlc:
    """The running fake gateway and the test systems listed in the catalog."""

    def __init__(self, server: FakeSystemServer, monkeypatch: pytest.MonkeyPatch):
        self.server = server
        self._monkeypatch = monkeypatch

    @property
    def credentials(self) -> dict[str, str]:
        return {"instance_url": self.server.url, "api_key": self.server.api_key}

    def register(
        self, key: str = "test_plc", tier: int = 1, deployment: str = "cloud"
    ) -> System:
        """List a system backed by this gateway in the catalog, for this test."""
        system = make_fake_system(key, tier, deployment)
        self._monkeypatch.setitem(catalog._BY_KEY, key, system)
        self._monkeypatch.setattr(catalog, "SYSTEMS", (*catalog.SYSTEMS, system))
        return system


@pytest.fixture
def fake_plc(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlc]:
    """A running fake gateway, listed in the catalog as ``test_plc`` (tier I)."""
    server = FakeSystemServer().start()
    plc = FakePlc(server, monkeypatch)
    plc.register()
    try:
        yield plc
    finally:
        server.stop()
