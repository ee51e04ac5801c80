"""Serve the SDK from ``frontend/sdk``, cacheable, to pages on any origin.

``/sdk/link-flow.js`` is the classic script and ``/sdk/link-flow.mjs`` the
same code with ES module exports appended. Both revalidate by ETag after
five minutes; ``/sdk/<version>/...`` names one release and may be cached
for a year, so the SDK's ``VERSION`` must change whenever its file does.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from flask import Blueprint, Response, abort, request

from link_flow import FRONTEND_DIR

bp = Blueprint("embed", __name__)

SDK_DIR = FRONTEND_DIR / "sdk"
SCRIPT = SDK_DIR / "link-flow.js"
MODULE_EXPORTS = SDK_DIR / "link-flow.esm.js"
VERSION_LINE = re.compile(r'const VERSION = "([0-9A-Za-z.-]+)";')

SHORT_CACHE = "public, max-age=300, must-revalidate"
LONG_CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Bundle:
    body: bytes
    etag: str
    version: str


_loaded: dict[str, tuple[tuple[int, ...], Bundle]] = {}


def load(kind: str) -> Bundle:
    """Return the ``js`` or ``mjs`` bundle, re-read when its files change."""
    files = [SCRIPT] if kind == "js" else [SCRIPT, MODULE_EXPORTS]
    stamp = tuple(path.stat().st_mtime_ns for path in files)
    cached = _loaded.get(kind)
    if cached and cached[0] == stamp:
        return cached[1]

    body = b"\n".join(path.read_bytes() for path in files)
    match = VERSION_LINE.search(body.decode())
    if match is None:
        raise RuntimeError(f"{SCRIPT} has no VERSION line")
    bundle = Bundle(body, hashlib.sha256(body).hexdigest()[:32], match.group(1))
    _loaded[kind] = (stamp, bundle)

    return bundle


@bp.get("/sdk/link-flow.js")
def script() -> Response:
    return _serve(load("js"), SHORT_CACHE)


@bp.get("/sdk/link-flow.mjs")
def module() -> Response:
    return _serve(load("mjs"), SHORT_CACHE)


@bp.get("/sdk/<version>/link-flow.js")
def versioned_script(version: str) -> Response:
    return _serve_version(load("js"), version)


@bp.get("/sdk/<version>/link-flow.mjs")
def versioned_module(version: str) -> Response:
    return _serve_version(load("mjs"), version)


def _serve_version(bundle: Bundle, version: str) -> Response:
    # Only the release this server has; older ones are not kept.
    if version != bundle.version:
        abort(404)
    return _serve(bundle, LONG_CACHE)


def _serve(bundle: Bundle, cache_control: str) -> Response:
    response = Response(bundle.body, mimetype="text/javascript")
    response.headers["Cache-Control"] = cache_control
    # Any page may load it, also as a module (which needs CORS); it is
    # public code and is fetched without credentials.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["X-Link-Flow-SDK-Version"] = bundle.version
    response.set_etag(bundle.etag)
    response.make_conditional(request)
    return response
