"""Benchmark of the lookup endpoint (学位锁定查询, ``POST /api/lookup``) against a bare
Flask JSON endpoint under the same gunicorn settings.

    python bench/bench_lookup.py             # print the table
    python bench/bench_lookup.py --write     # the same, then update docs/benchmarks.md
    python bench/bench_lookup.py --rounds 6  # more alternations (default 4)

Both apps run at once under gunicorn (2 workers, ``gthread`` with 4 threads each) on
127.0.0.1; ``wrk`` (same machine, 2 threads, 64 connections) posts the same JSON
bodies to each in turn — lookup, bare, lookup, bare … — and the ratio of each pair is
taken; the median ratio is reported (target ≥ 0.6×).

* **lookup** is the real service (``web.app.create_app``: CSRF hook, session and user
  loading, security headers, the per-client rate limiter, ID number check, one indexed
  query joining pupil, intake and school, hashing and a constant-time compare) on an
  SQLite database (WAL) of 20 000 published pupils in 50 intakes. The tables are filled
  directly: the lookup reads only them, not the signed record. The rate limit is
  raised to 10⁹ a minute so it does not refuse the load test, but every request still
  goes through it.
* **bare** is ``Flask()`` with one view that parses the JSON body and returns a
  constant JSON answer of the same shape.

Bodies: 200 queries, half for pupils who exist (found) and half for valid ID numbers
that do not (not found), rotated by the wrk script. Every response must be 200.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchdoc import replace_section
from sqlalchemy import insert

from placement.idcard import check_character
from web.app.factory import create_app
from web.app.services import services
from web.db.engine import writing
from web.db.models import Intake, Pupil, School

ROOT = Path(__file__).resolve().parents[1]

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- lookup-bench:start -->", "<!-- lookup-bench:end -->"
HEADING = "## Lookup endpoint under load (`bench/bench_lookup.py`)"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PUPILS, INTAKES, BODIES = 20_000, 50, 200
WORKERS, THREADS = 2, 4
WRK_THREADS, CONNECTIONS = 2, 64
LIMIT = 10**9

APPS = """\
from flask import Flask, request
from web.app.factory import create_app

lookup = create_app()

bare = Flask("bare")
bare.json.ensure_ascii = False


@bare.post("/api/lookup")
def answer():
    request.get_json()
    return {"found": False, "school": None, "intake": None, "class_label": None}
"""

LUA = """\
local bodies = {%s}
local threads = {}
local i = 0
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function request()
  i = i %% #bodies + 1
  return wrk.format("POST", "/api/lookup", {["Content-Type"] = "application/json"}, bodies[i])
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("bad") end
  io.write(string.format("NON200 %%d\\n", n))
end
"""

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩然子"
    "涵梓萱一诺欣怡雨桐思远博文嘉怡俊熙晨曦"
)


def id_number(born: date, seq: int) -> str:
    first17 = f"220802{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_character(first17)


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@dataclass
class Fixture:
    directory: Path
    env: dict[str, str]
    queries: list[tuple[str, str]]


def build(directory: Path) -> Fixture:
    """An instance folder with a database of ``PUPILS`` published pupils."""
    rng = random.Random("阳光分班 lookup bench")
    env = {
        "PLACEMENT_INSTANCE_PATH": str(directory / "instance"),
        "PLACEMENT_DATABASE_URL": f"sqlite:///{directory / 'placement.db'}",
        "PLACEMENT_SECRET_KEY": "bench",
        "PLACEMENT_LOOKUP_LIMIT": str(LIMIT),
        "PLACEMENT_KEYS_DIR": str(directory / "keys"),
    }
    app = create_app({k.removeprefix("PLACEMENT_"): v for k, v in env.items()})
    engine = services(app).engine
    now = datetime.now(UTC)
    per = PUPILS // INTAKES
    pupils: list[dict[str, object]] = []
    used: set[str] = set()
    with writing(engine) as s:
        for n in range(INTAKES):
            school = School(code=f"B{n:03d}", name=f"洮北区第{n + 1}小学", level="primary")
            s.add(school)
            s.flush()
            assert school.id is not None
            intake = Intake(
                school_id=school.id,
                draw_id=f"bench-{n:03d}",
                name="2024级一年级",
                level="primary",
                year=2024,
                profile="taobei-2024",
                stage="published",
                created=now,
                updated=now,
            )
            s.add(intake)
            s.flush()
            for row in range(per):
                born = date(2017, 9, 1) + timedelta(days=rng.randrange(365))
                number = id_number(born, rng.randrange(1000))
                while number in used:
                    number = id_number(born, rng.randrange(1000))
                used.add(number)
                klass = row % 9 + 1
                pupils.append(
                    {
                        "intake_id": intake.id,
                        "row": row + 2,
                        "name": name(rng),
                        "sex": "M" if int(number[16]) % 2 else "F",
                        "id_number": number,
                        "birth_date": born,
                        "class_number": klass,
                        "class_label": f"2024级一年级（{klass}）班",
                    }
                )
        s.execute(insert(Pupil), pupils)
    engine.dispose()
    found = [(str(p["name"]), str(p["id_number"])) for p in rng.sample(pupils, BODIES // 2)]
    missing = []
    while len(missing) < BODIES // 2:
        number = id_number(date(2018, 1, 1) + timedelta(days=rng.randrange(200)), 999)
        if number not in used:
            missing.append((name(rng), number))
    queries = [q for pair in zip(found, missing, strict=True) for q in pair]
    (directory / "bench_apps.py").write_text(APPS, "utf-8")
    return Fixture(directory, env, queries)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(fx: Fixture, app: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [
        str(GUNICORN),
        "--workers",
        str(WORKERS),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(fx.directory),
        "--log-level",
        "warning",
        f"bench_apps:{app}",
    ]
    env = {**os.environ, **fx.env, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    # The master binds at once; the workers answer only once the app is built (the real
    # app also checks its migrations), so wait for answers, not for the socket.
    body = json.dumps({"name": fx.queries[0][0], "id_number": fx.queries[0][1]}).encode()
    deadline, answered = time.monotonic() + 60, 0
    while time.monotonic() < deadline and answered < 20:
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/lookup",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                answered += r.status == 200
        except OSError:
            time.sleep(0.2)
    if answered < 20:
        proc.terminate()
        raise RuntimeError(f"gunicorn {app} did not start")
    return proc


@dataclass
class Run:
    rps: float
    p50: float  # ms
    p99: float  # ms
    requests: int
    non200: int


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def wrk(port: int, script: Path, seconds: int) -> Run:
    out = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non200 = int(re.search(r"NON200 (\d+)", out).group(1))  # type: ignore[union-attr]
    non200 += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Run(rps, p50, p99, total, non200)


def lua(queries: list[tuple[str, str]]) -> str:
    def body(n: str, i: str) -> str:
        return '\'{"name":"%s","id_number":"%s"}\'' % (n, i)  # noqa: UP031 - Lua source

    return LUA % ", ".join(body(n, i) for n, i in queries)


def measure(rounds: int, seconds: int) -> dict[str, object]:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-lookup-") as tmp:
        directory = Path(tmp)
        t0 = time.perf_counter()
        fx = build(directory)
        built = time.perf_counter() - t0
        script = directory / "post.lua"
        script.write_text(lua(fx.queries), "utf-8")
        ports = {"lookup": free_port(), "bare": free_port()}
        procs = [serve(fx, app, port) for app, port in ports.items()]
        try:
            for port in ports.values():  # warm up; also checks every answer is a 200
                warm = wrk(port, script, 3)
                if warm.non200:
                    raise RuntimeError(f"{warm.non200} responses were not 200")
            runs: dict[str, list[Run]] = {"lookup": [], "bare": []}
            for _ in range(rounds):
                for app, port in ports.items():
                    runs[app].append(wrk(port, script, seconds))
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=15)
        shutil.rmtree(directory / "instance", ignore_errors=True)
    return {
        "runs": runs,
        "built": built,
        "load": (load_before, os.getloadavg()[0]),
        "wrk": subprocess.run(
            ["wrk", "--version"],
            capture_output=True,
            text=True,
            check=False,
        )
        .stdout.split("[")[0]
        .strip()
        or "wrk",
    }


def table(m: dict[str, object]) -> str:
    runs = m["runs"]
    assert isinstance(runs, dict)
    look, bare = runs["lookup"], runs["bare"]
    rows = [
        "| round | lookup req/s | p50 / p99 | bare Flask req/s | p50 / p99 | lookup / bare |",
        "|---|---|---|---|---|---|",
    ]
    for n, (a, b) in enumerate(zip(look, bare, strict=True), 1):
        rows.append(
            f"| {n} | {a.rps:,.0f} | {a.p50:.1f} / {a.p99:.1f} ms | {b.rps:,.0f} | "
            f"{b.p50:.1f} / {b.p99:.1f} ms | {a.rps / b.rps:.2f}× |"
        )
    ratio = statistics.median(a.rps / b.rps for a, b in zip(look, bare, strict=True))
    rows.append(
        f"| **median** | {statistics.median(a.rps for a in look):,.0f} | | "
        f"{statistics.median(b.rps for b in bare):,.0f} | | **{ratio:.2f}×** |"
    )
    return "\n".join(rows)


def section(m: dict[str, object], seconds: int) -> str:
    runs = m["runs"]
    assert isinstance(runs, dict)
    look, bare = runs["lookup"], runs["bare"]
    ratios = [a.rps / b.rps for a, b in zip(look, bare, strict=True)]
    ratio, lowest = statistics.median(ratios), min(ratios)
    load = m["load"]
    assert isinstance(load, tuple)
    bad = sum(r.non200 for r in look + bare)
    return "\n".join(
        [
            HEADING,
            "",
            START,
            (
                f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores "
                f"({platform.machine()}, {platform.system()}), Python "
                f"{platform.python_version()}, gunicorn {WORKERS} workers × gthread "
                f"{THREADS} threads for both apps, {m['wrk']} with {WRK_THREADS} threads and "
                f"{CONNECTIONS} connections on the same cores, {seconds} s a run, the two apps "
                f"alternated; load average {load[0]:.1f} before and {load[1]:.1f} after "
                "(other work shared the machine)."
            ),
            "",
            (
                f"*lookup* is `POST /api/lookup` of the real app on SQLite (WAL) holding "
                f"{PUPILS:,} published pupils in {INTAKES} intakes, queried with 200 bodies, "
                "half found and half not found; *bare* is a Flask app whose one view parses "
                "the same JSON body and returns a constant answer of the same shape. The "
                "rate limiter is on but raised to 10⁹ lookups a minute (the production "
                "default is 20 per client per minute; wrk is one client). "
                + ("Every response was 200." if not bad else f"{bad} responses were not 200.")
            ),
            "",
            table(m),
            "",
            (
                f"Target ≥ 0.6× of the bare endpoint: **{'met' if ratio >= 0.6 else 'missed'}** "
                f"(median ratio {ratio:.2f}×; the runs swing with the other work on the "
                "machine, so compare ratios within a round; one round with a stalled bare "
                "run pulls the median up, the smallest ratio is the cautious figure: "
                f"{lowest:.2f}×). Where the time goes (in-process WSGI "
                "calls, cProfile): the app's own hooks on any endpoint (session, user "
                "loading, the CSRF check, security headers) and the lookup's own work (ID "
                "check, one query, two SHA-256 and a constant-time compare, JSON) each cost "
                "about as much as the bare endpoint. Three measured savings are in the code: "
                "the compiled SQL runs on the driver's cursor (SQLAlchemy's "
                "`Connection.execute` cost ≈ 140 µs more), each serving thread keeps its "
                "own lookup connection (a pool checkout and return cost ≈ 55 µs), and the "
                "session signer is built once instead of per request."
            ),
            END,
        ]
    )


def write(m: dict[str, object], seconds: int) -> None:
    replace_section(DOC, section(m, seconds), heading=HEADING, end=END)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=4, help="alternations of the two apps")
    p.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    p.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = p.parse_args()
    if shutil.which("wrk") is None:
        print("bench_lookup: wrk is missing (apt-get install -y wrk)")
        return 1
    t0 = time.perf_counter()
    m = measure(max(1, args.rounds), args.seconds)
    print(table(m))
    print(
        f"\n(database built in {m['built']:.1f} s; {time.perf_counter() - t0:.0f} s in all)",
        file=sys.stderr,
    )
    if args.write:
        write(m, args.seconds)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
