"""Rate limits across workers (issue 11, point 11): two worker processes of one instance
together let no more lookups through than the limit, with the embedded default store (a
SQLite file in the instance folder) and with Redis (Debian's ``redis-server``, started on
a free loopback port for the test; skipped only where it is not installed and not in CI)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servicekit import make_service

from web.app.services import services

LIMIT = 12
ASKS = 20  # per worker: together 40, more than three times the limit

WORKER = f"""
import json, sys
from web.app.factory import create_app
app = create_app(json.loads(sys.argv[1]))
c = app.test_client()
sys.stdin.readline()  # start together
codes = [c.post("/api/lookup", json={{}}).status_code for _ in range({ASKS})]
print(sum(code != 429 for code in codes), codes.count(429))
"""


def _two_workers(tmp_path: Path, extra: dict[str, str]) -> tuple[int, int]:
    svc = make_service(tmp_path, "sqlite")  # the instance: database, keys, accounts
    made = svc.app.config
    services(svc.app).engine.dispose()
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "INSTANCE_PATH": made["INSTANCE_PATH"],
        "DATABASE_URL": made["DATABASE_URL"],
        "KEYS_DIR": made["KEYS_DIR"],
        "LOOKUP_LIMIT": LIMIT,
        "MIGRATE": False,
        **extra,
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0
        outs.append(tuple(map(int, out.split())))
    passed = sum(o[0] for o in outs)
    refused = sum(o[1] for o in outs)
    return passed, refused


def test_two_workers_share_the_embedded_limit(tmp_path: Path) -> None:
    passed, refused = _two_workers(tmp_path, {})
    assert passed == LIMIT  # not 2 × LIMIT, as with a count in each worker
    assert refused == 2 * ASKS - LIMIT
    assert (tmp_path / "instance" / "ratelimit.sqlite").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (./dev installs it)")
        pytest.skip("redis-server is not installed (./dev installs it)")
    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_workers_share_the_redis_limit(tmp_path: Path, redis_url: str) -> None:
    passed, refused = _two_workers(tmp_path, {"RATELIMIT_STORAGE_URL": redis_url})
    assert passed == LIMIT
    assert refused == 2 * ASKS - LIMIT
    assert not (tmp_path / "instance" / "ratelimit.sqlite").exists()
