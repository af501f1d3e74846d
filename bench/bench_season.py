"""The enrollment season at district scale (issue 13: "5 000 applications imported or
reviewed in bulk in seconds").

    python bench/bench_season.py                  # 5 000 applications
    python bench/bench_season.py --apps 1000      # a quick run
    python bench/bench_season.py --write          # also write the section of docs/benchmarks.md

Runs the demo district's season (``web.demo.season``) through the season ledger with a real
Ed25519 bureau key: register every application (form checks, ID check, one-child rule,
salted commitments, a signed receipt, a log entry each), review every one (a signed
decision each, plan limits), commit the 公示 lists, handle reports, derive the rosters,
export the public and archive season bundles and verify them with ``verify-placement``'s
season checks. Medians of ``--repeat`` runs; a floor is measured in the same run: signing
and hashing alone, the same number of Ed25519 signatures and JCS+SHA-256 hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from benchdoc import replace_section
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.signer import Signer
from placement.canonical import Json, canonical_json
from placement.keyring import KeyEntry, Keyring, KeyRole
from placement.season import bundle
from placement.season.ledger import Ledger
from verifier.season_report import verify_season
from web.demo import season as demo
from web.record.season_bundle import build_zip

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADING = "## The enrollment season (`bench/bench_season.py`)"
END = "<!-- end bench_season -->"


def _signer(role: KeyRole, name: str) -> Signer:
    seed = hashlib.sha256(f"bench season {role.value}".encode()).digest()
    return Signer(name, role, Ed25519PrivateKey.from_private_bytes(seed))


def run_once(apps: int) -> dict[str, float]:
    bureau = _signer(KeyRole.BUREAU, "bench.invalid/bureau")
    log_key = _signer(KeyRole.LOG, "bench.invalid/log")
    import datetime as dt  # noqa: PLC0415

    ring = Keyring(
        (
            KeyEntry(bureau.vkey, KeyRole.BUREAU, "bench", dt.date(2024, 1, 1)),
            KeyEntry(log_key.vkey, KeyRole.LOG, "bench", dt.date(2024, 1, 1)),
        )
    )

    def sign(doc: dict[str, Json], iat: int) -> str:
        return bureau.sign_jws(doc, iat=iat)

    per_school = -(-apps // 3)
    classes = -(-per_school // 45) + 1
    led = demo.new_ledger(
        sign, plan_=demo.plan([(demo.SY, classes), (demo.X1, classes), (demo.X3, classes)])
    )
    clock = demo.Clock()
    out: dict[str, float] = {}
    t = time.perf_counter()
    led.publish_policy(clock(7, 1))
    made = demo.register_all(led, clock, per_school=per_school)
    out["register"] = time.perf_counter() - t
    t = time.perf_counter()
    demo.review_all(led, clock, made)
    out["review"] = time.perf_counter() - t
    t = time.perf_counter()
    for school in made:
        led.commit_notice(school=school, intake=demo.PRIMARY, now=clock(7, 29))
    for school in made:
        led.derive_roster(school=school, intake=demo.PRIMARY, now=clock(8, 10))
    out["notice+derive"] = time.perf_counter() - t
    t = time.perf_counter()
    zips = {}
    for kind in ("public", "archive"):
        files = bundle.members(
            led,
            kind=kind,
            keyring=ring.to_json(),
            sign_checkpoint=log_key.sign_note,
            origin=log_key.name,
        )
        zips[kind] = build_zip(
            kind=kind, season=demo.SEASON, created="2024-08-10T12:00:00+08:00", files=files
        )
    out["export"] = time.perf_counter() - t
    t = time.perf_counter()
    report = verify_season(zips["public"], trusted=ring)
    out["verify public"] = time.perf_counter() - t
    assert report.verified, report.table()
    t = time.perf_counter()
    report = verify_season(zips["archive"], trusted=ring)
    out["verify archive"] = time.perf_counter() - t
    assert report.verified, report.table()
    out["applications"] = len(led.records)
    out["decisions"] = len(led.decisions)
    out["log entries"] = len(led.log)
    out["public MB"] = len(zips["public"]) / 1e6
    out["floor"] = _floor(len(led.signed), Ledger)
    return out


def _floor(n: int, _: Callable[..., object] | type) -> float:
    """n Ed25519 signatures + n JCS+SHA-256 hashes of a receipt-sized document."""
    key = _signer(KeyRole.BUREAU, "bench.invalid/floor")
    doc: dict[str, Json] = {
        "number": "2024-000001",
        "school": "洮北区实验小学",
        "t": "x",
        "submission": "0" * 64,
        "submitted_at": "2024-07-15T08:00:00+08:00",
    }
    t = time.perf_counter()
    for i in range(n):
        doc["revision"] = i
        hashlib.sha256(canonical_json(doc)).digest()
        key.sign_jws(doc, iat=i)
    return time.perf_counter() - t


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--apps", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--write", action="store_true")
    args = p.parse_args()
    runs = [run_once(args.apps) for _ in range(args.repeat)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    for k, v in med.items():
        print(f"{k:>16}: {v:,.2f}")
    if args.write:
        load = os.getloadavg()[0]
        rows = [
            ((f"register {int(med['applications']):,} (checks, commitments, signed receipt, "
             "log entry each)"), med["register"]),
            ((f"review: {int(med['decisions']):,} decisions (signed, plan limits, log entry "
             "each)"), med["review"]),
            ("公示 commitments + roster derivations (3 schools)", med["notice+derive"]),
            ((f"export public + archive season bundles ({med['public MB']:.1f} MB public, "
             f"{int(med['log entries']):,} log entries)"), med["export"]),
            ("verify the public bundle (every season check, the whole log)",
             med["verify public"]),
            ("verify the archive bundle (+ every record and private document)",
             med["verify archive"]),
            ("floor: as many Ed25519 signatures + JCS/SHA-256 hashes alone", med["floor"]),
        ]  # fmt: skip
        table = "\n".join(f"| {name} | {sec:.2f} s |" for name, sec in rows)
        ratio = (med["register"] + med["review"]) / med["floor"]
        section = f"""{HEADING}

Measured {time.strftime("%Y-%m-%d")} on the same 2 cores (load average ≈ {load:.1f}),
Python {platform.python_version()}; the demo district's season through the season ledger
(`placement.season.ledger`, in memory) with a real Ed25519 key, {int(med["applications"]):,}
applications to three primary schools. Medians of {args.repeat}.

| step | time |
|---|---|
{table}

Registering and reviewing cost {ratio:.1f}× the floor of signing and hashing the same
number of documents. This is the core's cost; the service will add its database writes
(the season's tables are not built yet).
{END}"""
        replace_section(DOC, section, heading=HEADING, end=END)
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
