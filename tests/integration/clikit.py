"""Helpers for the command-line and crash tests: small district rosters cut from the demo
files (every ID number unique across the district), a database of one's own on the
PostgreSQL test server, and running ``placement`` in-process."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from servicekit import DEMO, PG_ENV, fresh_postgres
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from web.cli import main

PRIMARY_ROSTERS = (
    DEMO / "taobei-2024-primary-school.csv",
    DEMO / "district" / "taobei-2024-yixiao-school.csv",
    DEMO / "district" / "taobei-2024-sanxiao-school.csv",
)
MIDDLE_ROSTERS = (
    DEMO / "taobei-2024-middle-school.csv",
    DEMO / "district" / "taobei-2024-sanzhong-school.csv",
)
TEAMS = {
    "primary": DEMO / "taobei-2024-primary-teams.csv",
    "middle": DEMO / "taobei-2024-middle-teams.csv",
}


@dataclass(frozen=True)
class SmallIntake:
    level: str
    roster: bytes
    teams: bytes


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def small_intakes(level: str, *, pupils: int, classes: int) -> list[SmallIntake]:
    """Rosters of ``pupils`` single children (no twins) cut from the demo files of
    ``level``, each with the first ``classes`` teacher teams; no child is on two."""
    teams_text = TEAMS[level].read_text("utf-8").splitlines()
    teams = "\n".join(teams_text[: classes + 1]).encode() + b"\n"
    found: list[SmallIntake] = []
    for path in PRIMARY_ROSTERS if level == "primary" else MIDDLE_ROSTERS:
        reader = csv.reader(io.StringIO(path.read_text("utf-8"), newline=""))
        header = next(reader)
        twin = header.index("双胞胎组")
        rows = [r for r in reader if not r[twin]]
        found += [
            SmallIntake(level, _csv(header, rows[i : i + pupils]), teams)
            for i in range(0, len(rows) - pupils + 1, pupils)
        ]
    return found


def own_postgres(name: str) -> str:
    """A database of this test file's own on the test server (created when missing,
    emptied each time), so helpers sharing the server's test database are not disturbed."""
    base = make_url(os.environ[PG_ENV])
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{name}_{worker}" if worker else name  # one per pytest-xdist worker
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as c:
        exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    fresh_postgres(url)
    return url


def database_url(kind: str, tmp: Path, name: str) -> str:
    if kind == "postgresql":
        return own_postgres(name)
    return f"sqlite:///{tmp / 'placement.db'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
