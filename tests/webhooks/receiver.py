"""A partner's webhook endpoint on loopback that answers as each test scripts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class ReceivedWebhook:
    headers: dict[str, str]
    body: str
    received_at: float

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]


class WebhookReceiver:
    """Records every POST; answers from ``answers`` in turn, then 200."""

    def __init__(self) -> None:
        self.received: list[ReceivedWebhook] = []
        self.answers: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                status = receiver._record(
                    {k.lower(): v for k, v in self.headers.items()}, body
                )
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url + "/moved")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _record(self, headers: dict[str, str], body: str) -> int:
        with self._lock:
            self.received.append(ReceivedWebhook(headers, body, time.monotonic()))
            return self.answers.pop(0) if self.answers else 200

    def of_type(self, event_type: str) -> list[ReceivedWebhook]:
        return [r for r in list(self.received) if r.json["type"] == event_type]

    def types(self) -> list[str]:
        return [r.json["type"] for r in list(self.received)]

    def wait_for(
        self, check: Callable[[], bool], timeout: float = 30.0
    ) -> list[ReceivedWebhook]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"webhooks received: {self.types()}")

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
