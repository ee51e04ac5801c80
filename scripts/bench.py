"""Measure link-flow's speed and memory against its targets.

Starts gunicorn on a loopback port with a fresh SQLite database, creates an
account and links, then times the hot paths with bounded request loops and
reads the server's resident memory. Exits non-zero when a target is missed.

    .venv/bin/python scripts/bench.py [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# Targets on the 2-core reference machine, one gunicorn worker.
TARGETS_MS = {
    "GET /link/<id>": 25.0,
    "POST /flow/api/session": 40.0,
    "GET /api/v1/connections?limit=100": 80.0,
    "GET /sdk/link-flow.js": 15.0,
}
MAX_RSS_MB = 160.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Return the resident memory of the gunicorn worker (the master's child)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    worker = int(children[0]) if children else pid
    for line in Path(f"/proc/{worker}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(
    session: requests.Session, method: str, url: str, count: int, **kw
) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = session.request(method, url, timeout=10, **kw)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {url} answered {response.status_code}")
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="link-flow-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "LINK_FLOW_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "LINK_FLOW_INSTANCE_PATH": str(workdir / "instance"),
        "LINK_FLOW_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    subprocess.run(
        [VENV_BIN / "link-flow", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    created = subprocess.run(
        [
            VENV_BIN / "link-flow",
            "accounts",
            "create",
            "--name",
            "Bench",
            "--plan",
            "paid",
            "--credits",
            "1000",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    account = json.loads(created.stdout.strip().splitlines()[-1])
    server = subprocess.Popen(
        [VENV_BIN / "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        http = requests.Session()
        for _ in range(100):
            try:
                http.get(base + "/link/none", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        token = http.post(
            base + "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(account["client_id"], account["client_secret"]),
            timeout=10,
        ).json()["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        links = [
            http.post(
                base + "/api/v1/magic-links",
                headers=admin,
                timeout=10,
                json={"name": f"Site {i}", "user_metadata": {"i": i}},
            ).json()
            for i in range(150)
        ]
        link = links[0]
        fragment = link["url"].split("#", 1)[1]
        results = {
            "GET /link/<id>": timed(
                http, "GET", f"{base}/link/{link['id']}", args.requests
            ),
            "POST /flow/api/session": timed(
                http,
                "POST",
                f"{base}/flow/api/session",
                args.requests,
                json={"link_id": link["id"], "token": fragment},
            ),
            "GET /api/v1/connections?limit=100": timed(
                http,
                "GET",
                f"{base}/api/v1/connections?limit=100",
                max(args.requests // 5, 20),
                headers=admin,
            ),
            "GET /sdk/link-flow.js": timed(
                http, "GET", f"{base}/sdk/link-flow.js", args.requests
            ),
        }
        memory = rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)

    failed = False
    for name, samples in results.items():
        p95 = statistics.quantiles(samples, n=20)[18]
        ok = p95 <= TARGETS_MS[name]
        failed |= not ok
        p50 = statistics.median(samples)
        print(
            f"{'ok  ' if ok else 'MISS'} {name:38} p50 {p50:6.1f} ms"
            f"  p95 {p95:6.1f} ms  (target p95 <= {TARGETS_MS[name]:.0f} ms)"
        )
    ok = memory <= MAX_RSS_MB
    failed |= not ok
    print(
        f"{'ok  ' if ok else 'MISS'} {'server RSS':38} {memory:6.1f} MB"
        f"  (target <= {MAX_RSS_MB:.0f} MB)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
