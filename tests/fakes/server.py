"""A small threaded HTTP(S) server on loopback that records what it receives."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"


@dataclass
class Request:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    """What the fake sends back."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """Serve ``handle(request) -> Reply`` on 127.0.0.1 until stopped.

    Subclasses implement :meth:`handle`. Use as a context manager, or call
    :meth:`start` and :meth:`stop`.
    """

    def __init__(self, tls_context: ssl.SSLContext | None = None) -> None:
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._tls_context = tls_context
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start the fake first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self._tls_context else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}"

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def start(self) -> FakeServer:
        """Start serving in a daemon thread and return ``self``."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    raw_query=parts.query,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with fake._lock:
                    fake.requests.append(request)
                reply = fake.handle(request)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                # Keep test output clean; the fake records requests instead.
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def get_request(self) -> tuple[socket.socket, Any]:
                sock, address = super().get_request()
                if fake._tls_context is not None:
                    # The handshake runs on first read, in the request's own
                    # thread, whose error handling closes the socket when a
                    # client refuses the certificate.
                    sock = fake._tls_context.wrap_socket(
                        sock, server_side=True, do_handshake_on_connect=False
                    )
                return sock, address

            def handle_error(self, request: Any, client_address: Any) -> None:
                # Clients that hang up mid-request are expected in these tests.
                pass

        self._server = Server((LOOPBACK, 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()

        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class PlainWebsite(FakeServer):
    """An ordinary web site: HTML for GET, 404 for anything else."""

    def handle(self, request: Request) -> Reply:
        html = b"<!doctype html><html><body><h1>Welcome</h1></body></html>"
        if request.method == "GET":
            return Reply(200, html, {"Content-Type": "text/html"})

        return Reply(
            404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"}
        )


class SilentServer:
    """A TCP listener on loopback that accepts connections and never answers."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        # The kernel completes handshakes up to the backlog without accept().
        self._sock.listen(16)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def close(self) -> None:
        self._sock.close()


class BannerServer:
    """A TCP service that greets every client with a text banner, as SMTP does.

    PostgreSQL clients speak first and wait for a binary answer, so a server
    that talks first is one they can recognise as something else at once.
    """

    def __init__(self, banner: bytes = b"220 mail.example.test ESMTP\r\n") -> None:
        self.banner = banner
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        self._sock.listen(16)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            with client:
                self.connections += 1
                client.sendall(self.banner)

    def close(self) -> None:
        # Shutting down wakes the accept() in the serving thread.
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._thread.join(timeout=5)


def self_signed_tls_context(directory: Path) -> ssl.SSLContext:
    """Return a server TLS context with a fresh self-signed cert for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "link-flow test fake")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "fake-cert.pem"
    key_path = directory / "fake-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)

    return context
