"""Roster import into the service's database at district scale (issue 4: "50 000 rows
import in a few seconds").

    python bench/bench_import.py              # 10 000 rows (the limit), SQLite (+ PostgreSQL)
    python bench/bench_import.py --rows 5000  # a quick run

Times ``web.service.intake_db.import_roster`` — parse the CSV upload, validate every row and the
roster, check every ID number against the district's other intakes, bulk-insert — on a
database that already holds a second intake of the same size (so the duplicate check has
work to do), next to two references measured in the same run: parsing alone
(``read_roster_bytes``) and a bare bulk ``INSERT`` of the same rows. Medians of
``--repeat`` runs. PostgreSQL runs when ``PLACEMENT_TEST_DATABASE_URL`` names a server
(``./dev bench`` does not start one; ``./dev test`` does).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime

from bench_core import synthesise
from sqlalchemy import create_engine, delete, insert, text

from placement.idcard import check_character
from placement.keyring import CST
from web.db.engine import make_engine, writing
from web.db.models import Intake, Pupil, School
from web.db.schema import upgrade
from web.service.intake_db import import_roster, pupil_row
from web.service.intake_files import read_roster_bytes
from web.service.intakes import Env
from web.service.tables import MAX_ROWS

NOW = datetime(2024, 7, 1, 9, 0, tzinfo=CST)


def _csv(rows: list[list[str]], header: tuple[str, ...]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _elsewhere(rows: list[list[str]]) -> list[list[str]]:
    """The second school's pupils, born in another county, so no ID number repeats."""
    out = []
    for r in rows:
        first17 = "23" + r[2][2:17]  # every synthetic region starts 22 or 11
        out.append([r[0], r[1], first17 + check_character(first17), *r[3:]])
    return out


def _timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _fresh_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def measure(url: str, rows: int, repeat: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    env = Env(
        engine=engine,
        signers=lambda: None,  # type: ignore[arg-type, return-value]  # imports sign nothing
        keyring=lambda: None,  # type: ignore[arg-type, return-value]
        now=lambda: NOW,
        token_bytes=os.urandom,
    )
    with writing(engine) as s:
        ids = []
        for code in ("A", "B"):
            school = School(code=code, name=f"学校{code}", level="primary")
            s.add(school)
            s.flush()
            assert school.id is not None
            intake = Intake(
                school_id=school.id,
                draw_id=f"bench-{code}",
                name="2024级一年级",
                level="primary",
                year=2024,
                profile="taobei-2024",
                created=NOW,
                updated=NOW,
            )
            s.add(intake)
            s.flush()
            assert intake.id is not None
            ids.append(intake.id)
    data = synthesise(rows, max(1, rows // 45), seed="import A")
    other = synthesise(rows, max(1, rows // 45), seed="import B")
    upload, other_upload = _csv(data.rows, data.header), _csv(_elsewhere(other.rows), other.header)
    import_roster(env, ids[1], filename="b.csv", data=other_upload, user="bench")

    parse = _timed(lambda: read_roster_bytes(upload, "a.csv"), repeat)

    def full_import() -> None:
        import_roster(env, ids[0], filename="a.csv", data=upload, user="bench")

    full = _timed(full_import, repeat)
    pupils = read_roster_bytes(upload, "a.csv")
    plain = [pupil_row(ids[0], p) for p in pupils]

    def bare() -> None:
        with writing(engine) as s:
            s.execute(delete(Pupil).where(Pupil.intake_id == ids[0]))  # type: ignore[arg-type]
            for i in range(0, len(plain), 2000):
                s.execute(insert(Pupil), plain[i : i + 2000])

    insert_only = _timed(bare, repeat)
    engine.dispose()
    return {"parse": parse, "insert": insert_only, "import": full}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=MAX_ROWS)  # the import refuses more
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        targets.append(("SQLite (WAL)", f"sqlite:///{tmp}/bench.db"))
        pg = os.environ.get("PLACEMENT_TEST_DATABASE_URL")
        if pg:
            _fresh_pg(pg)
            targets.append(("PostgreSQL", pg))
        print(f"roster import, {args.rows:,} rows, median of {args.repeat}")
        print("| database | parse only | bulk INSERT | import_roster | ÷ (parse + insert) |")
        print("|---|---|---|---|---|")
        for label, url in targets:
            r = measure(url, args.rows, args.repeat)
            ratio = r["import"] / (r["parse"] + r["insert"])
            print(
                f"| {label} | {r['parse']:.2f} s | {r['insert']:.2f} s | "
                f"{r['import']:.2f} s | {ratio:.2f}× |"
            )
        if pg:
            _fresh_pg(pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
