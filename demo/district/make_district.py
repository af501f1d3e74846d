"""Write the rosters and teacher teams of the demo 洮北区 district's other schools.

    python3 demo/district/make_district.py           # (re)write the files
    python3 demo/district/make_district.py --check   # exit 1 if any file on disk differs

洮北区实验小学 and 第二中学 use the two intakes in ``demo/`` (``make_demo.py``); this
script adds 洮北区第一小学, 洮北区第三小学 and 洮北区第三中学 with the same generator, a
seed of their own, and one pool of ID numbers for the whole district: no ID number is
on two rosters (one child, one place). Everything is made up; the ID numbers are well
formed (GB 11643-1999) but belong to nobody. Before writing, every roster is checked
with ``make_demo``'s own checks, and the district's ID numbers for uniqueness.
"""

# Seeded ``random.Random``: demo data, not a draw (S311). A script folder (INP001).
# ruff: noqa: S311, INP001, SLF001

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

HERE: Final = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import make_demo as md  # noqa: E402 - found through the path set just above

if TYPE_CHECKING:
    from collections.abc import Sequence

SEED: Final = "sunshine-placement 演示数据 洮北区 2024 district v1"

YIXIAO: Final = replace(
    md.PRIMARY,
    key="yixiao",
    pupils=320,
    boys=166,
    classes=8,
    movers=(("220881", 5), ("220822", 3), ("220102", 2)),
    multiples=(
        md.Multiple("男女", md.TOGETHER),
        md.Multiple("女女", md.TOGETHER),
        md.Multiple("男男", md.APART),
        md.Multiple("女男", md.APART),
    ),
    same_names=(("刘子轩", "男男"), ("王梓涵", "女女")),
    flags=((md.INCLUSION, 3), (md.MIGRANT, 18), (md.LEFT_BEHIND, 11)),
)
SANXIAO: Final = replace(
    md.PRIMARY,
    key="sanxiao",
    pupils=270,
    boys=139,
    classes=6,
    movers=(("220881", 4), ("220822", 4)),
    multiples=(
        md.Multiple("男男", md.TOGETHER),
        md.Multiple("男女", md.TOGETHER),
        md.Multiple("女女", md.APART),
    ),
    same_names=(("张浩然", "男男"),),
    flags=((md.INCLUSION, 2), (md.MIGRANT, 15), (md.LEFT_BEHIND, 12)),
)
SANZHONG: Final = replace(
    md.MIDDLE,
    key="sanzhong",
    pupils=250,
    boys=128,
    classes=5,
    movers=(("220881", 3), ("220822", 2), ("220102", 1)),
    multiples=(md.Multiple("男女", md.TOGETHER), md.Multiple("男男", md.APART)),
    same_names=(("李佳怡", "女女"),),
    flags=((md.INCLUSION, 2), (md.MIGRANT, 10), (md.LEFT_BEHIND, 7)),
)
SCHOOLS: Final = (YIXIAO, SANXIAO, SANZHONG)


def _existing() -> tuple[set[str], set[str]]:
    """ID numbers (first 17 characters) and names already used by ``demo/``'s intakes."""
    ids: set[str] = set()
    names: set[str] = set()
    for intake in md.INTAKES:
        for name in (intake.roster_file, intake.teams_file):
            text = (HERE.parent / name).read_text("utf-8")
            for row in csv.DictReader(io.StringIO(text, newline="")):
                if "身份证号" in row:
                    ids.add(row["身份证号"][:17])
                    names.add(row["姓名"])
                else:
                    names.update(t.partition(":")[2] for t in row["任课教师"].split(";"))
    return ids, names


def _roster(
    rng: random.Random, intake: md.Intake, names: md.Names, ids: md.IdNumbers
) -> list[md.Pupil]:
    siblings = md._multiples(rng, intake, names, ids)
    singles, regions = md._singles(rng, intake, names, ids, siblings)
    pupils = md._assign_flags(rng, intake, singles + siblings, regions)
    rng.shuffle(pupils)  # registration order
    return pupils


def build() -> dict[str, bytes]:
    rng = random.Random(SEED)
    taken_ids, taken_names = _existing()
    ids = md.IdNumbers(rng)
    ids._issued.update(taken_ids)  # one pool for the district: one child, one place
    files: dict[str, bytes] = {}
    adults_taken = set(taken_names)
    rosters = {}
    for intake in SCHOOLS:
        reserved = [name for name, _ in intake.same_names]
        pupils = _roster(rng, intake, md.Names(rng, reserved), ids)
        rosters[intake.key] = pupils
        adults_taken.update(p.name for p in pupils)
        files[intake.roster_file] = md.render_csv(md.HEADERS, (p.row for p in pupils))
    adults = md.Names(rng, adults_taken)
    for intake in SCHOOLS:
        files[intake.teams_file] = md.render_csv(
            md.TEAM_HEADERS, md.build_teams(rng, intake, adults)
        )
    return files


def verify(files: dict[str, bytes]) -> list[str]:
    problems: list[str] = []
    teachers: set[str] = set()
    seen, _ = _existing()
    for intake in SCHOOLS:
        rows = md._read_csv(files[intake.roster_file], md.HEADERS)
        for check in (md._check_people, md._check_multiples, md._check_flags):
            problems += [f"{intake.roster_file}: {p}" for p in check(rows, intake)]
        problems += md._check_teams(files[intake.teams_file], intake, teachers)
        for row in rows:
            if row["身份证号"][:17] in seen:
                problems.append(f"{row['身份证号']} is on two rosters of the district")
            seen.add(row["身份证号"][:17])
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if a file on disk differs")
    args = parser.parse_args(argv)
    files = build()
    problems = verify(files)
    if problems:
        sys.stderr.write("".join(f"make_district: {p}\n" for p in problems))
        return 2
    if args.check:
        stale = [
            n for n, d in files.items() if not (HERE / n).exists() or (HERE / n).read_bytes() != d
        ]
        if stale:
            sys.stderr.write(f"make_district: out of date: {', '.join(stale)}\n")
            return 1
        sys.stdout.write("make_district: up to date and checked\n")
        return 0
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    sys.stdout.write(f"make_district: wrote {len(files)} files, all checks passed\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
