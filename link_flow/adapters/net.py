"""Outbound connections to customer-supplied hosts, guarded against SSRF.

Every address a hostname resolves to is checked at connect time, on the very
answer used to open the socket, so a DNS answer that changes between a check
and the connect cannot slip a private address through.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from link_flow.adapters.base import (
    InvalidInput,
    NotThatSystem,
    TargetNotAllowed,
    TimedOut,
    TlsFailure,
    Unreachable,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenAddress(OSError):
    """Raised inside the socket layer when a resolved address is refused."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to a non-public address")
        self.host = host
        self.address = address


# NAT64 prefixes: the well-known one embeds an IPv4 address in its last 32
# bits; the local-use one (RFC 8215) may reach anything and is refused.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")


def is_public_address(address: IPAddress) -> bool:
    """Tell whether ``address`` is a globally routable unicast address.

    IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64) are judged by
    the IPv4 address inside them.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64_WELL_KNOWN:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            return is_public_address(embedded)
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public_address(mapped)
        if address.teredo is not None or address in NAT64_LOCAL_USE:
            return False
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
    )


def resolve_checked(
    host: str, port: int, *, allow_private: bool
) -> list[tuple[int, IPAddress]]:
    """Resolve ``host`` and return ``(family, address)`` pairs safe to dial.

    Raises :class:`ForbiddenAddress` when any answer is not public (unless
    ``allow_private``), and ``socket.gaierror`` when the name does not resolve.
    """
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    checked: list[tuple[int, IPAddress]] = []
    for family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not allow_private and not is_public_address(address):
            raise ForbiddenAddress(host, str(address))
        checked.append((family, address))

    return checked


def open_checked_socket(
    host: str, port: int, timeout: float | None, *, allow_private: bool
) -> socket.socket:
    """Return a socket connected to a checked address of ``host``."""
    last_error: OSError | None = None
    for family, address in resolve_checked(host, port, allow_private=allow_private):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((str(address), port))
            return sock
        except OSError as exc:
            last_error = exc
            sock.close()

    raise last_error or OSError(f"no address for {host}")


class _GuardMixin:
    allow_private = False

    def _new_conn(self) -> socket.socket:
        try:
            return open_checked_socket(
                self._dns_host,  # type: ignore[attr-defined]
                self.port,  # type: ignore[attr-defined]
                self.timeout,  # type: ignore[attr-defined]
                allow_private=self.allow_private,
            )
        except ForbiddenAddress:
            raise
        except TimeoutError as exc:
            raise TimeoutError(str(exc)) from exc
        except OSError as exc:
            raise NewConnectionError(self, str(exc)) from exc  # type: ignore[arg-type]


def _session_class(allow_private: bool) -> type[HTTPAdapter]:
    guarded_http = type(
        "GuardedHTTPConnection",
        (_GuardMixin, HTTPConnection),
        {"allow_private": allow_private},
    )
    guarded_https = type(
        "GuardedHTTPSConnection",
        (_GuardMixin, HTTPSConnection),
        {"allow_private": allow_private},
    )
    http_pool = type(
        "GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": guarded_http}
    )
    https_pool = type(
        "GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": guarded_https}
    )

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": http_pool,
                "https": https_pool,
            }

    return GuardedAdapter


def guarded_session(*, allow_private: bool) -> requests.Session:
    """Return a ``requests`` session that only dials permitted addresses.

    Environment proxies are ignored: a proxy would make the check moot.
    Redirects are not followed, so a reply cannot bounce us elsewhere.
    """
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = 0
    adapter = _session_class(allow_private)(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    return session


def normalise_base_url(value: str, *, field: str, default_scheme: str = "https") -> str:
    """Return ``value`` as ``scheme://host[:port][/path]`` without a trailing slash.

    Raises :class:`InvalidInput` naming ``field`` when it is not an HTTP(S) URL.
    """
    text = (value or "").strip()
    if not text:
        raise InvalidInput("Enter the address of your system.", field=field)
    if "://" not in text:
        text = f"{default_scheme}://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput("That address is not a valid URL.", field=field) from exc
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(
            "The address must start with https:// or http://.", field=field
        )
    if not parts.hostname:
        raise InvalidInput("The address has no host name.", field=field)
    if parts.username or parts.password:
        raise InvalidInput(
            "Put the user name and password in their own fields, not in the address.",
            field=field,
        )
    host = parts.hostname.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidInput("The host name is not valid.", field=field) from exc
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    path = parts.path.rstrip("/")

    return urlunsplit((parts.scheme, netloc, path, "", ""))


def translate_request_error(exc: Exception, *, field: str, what: str) -> Exception:
    """Map a ``requests``/socket failure onto the adapter error to show."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ForbiddenAddress):
            return TargetNotAllowed(
                "That address points to a private or internal network, "
                "which is not allowed. Use the public address of your system.",
                field=field,
            )
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, requests.exceptions.SSLError):
        return TlsFailure(
            f"The secure connection to {what} failed: its TLS certificate could "
            "not be verified. Check the address, or ask your IT team about the "
            "certificate.",
            field=field,
        )
    if isinstance(exc, requests.exceptions.Timeout | socket.timeout | TimeoutError):
        return TimedOut(
            f"{what} did not answer in time. Check the address and try again.",
            field=field,
        )
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return NotThatSystem(
            f"The address redirects elsewhere; enter the final address of {what}.",
            field=field,
        )
    return Unreachable(
        f"Could not reach {what} at that address. Check it and try again.",
        field=field,
    )
