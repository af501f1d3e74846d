"""A complete demo record (announce → witnesses → reveal) to print from a fresh clone.

Throwaway keys with a known passphrase and lowered KDF rounds: demo only. The
record is made once; a second run finds it and prints it again.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from keys.store import KeyStore
from placement.draw import Intake
from placement.keyring import CST, KeyRole
from placement.policy import PROFILES
from placement.rfc3797 import canonical_key, select_names
from web.demo.files import DEMO_DIR, DEMOS
from web.demo.terminal import DEMO_SOURCES, DEMO_WITNESS_INPUTS
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog
from web.service.intake_files import read_roster, read_teams

DEMO_PASSPHRASE = "demo only, not a secret"  # noqa: S105 - throwaway demo keys
BUREAU = "taobei.edu.example/bureau-demo"
LOG = "taobei.edu.example/log-demo"
SCHEDULED = datetime(2024, 8, 14, 9, 0, tzinfo=CST)


def demo_record(kind: str, base: Path, progress: TextIO | None = None) -> Path:
    """Make (once) and return the draw folder of the demo ``primary`` or ``middle`` intake."""
    draw = base / "draw"
    if (draw / "public/result.jws").exists():
        return draw
    if progress:
        progress.write(f"生成演示记录 making the demo record in {base}\n")
    roster_file, teams_file, level, school, intake_name = DEMOS[kind]
    store = KeyStore(base / "keys", kdf_rounds=10_000)
    store.init()
    for name, key_role, label in (
        (BUREAU, KeyRole.BUREAU, "洮北区教育局（演示）"),
        (LOG, KeyRole.LOG, "透明日志（演示）"),
    ):
        if not _has(store, name):
            store.create(
                name, key_role, label, SCHEDULED.date() - timedelta(days=90), DEMO_PASSPHRASE
            )
    signers = Signers(
        bureau=store.signer(BUREAU, DEMO_PASSPHRASE, on=SCHEDULED.date()),
        log=store.signer(LOG, DEMO_PASSPHRASE, on=SCHEDULED.date()),
    )
    parents = [p.strip() for p in (DEMO_DIR / "parents.txt").read_text("utf-8").splitlines()]
    reps = select_names([p for p in parents if p], canonical_key(DEMO_SOURCES), 2)
    witnesses = [("家长代表", r) for r in reps] + [("区教育局监督员", "王强")]
    if draw.exists():  # an interrupted earlier attempt: start the draw folder again
        import shutil  # noqa: PLC0415

        shutil.rmtree(draw)
        shutil.rmtree(base / "log", ignore_errors=True)
    log = FileLog(base / "log")
    rec = DrawRecord.announce(
        draw,
        log,
        intake=Intake(
            draw_id=f"taobei-2024-{kind}-demo",
            district="吉林省白城市洮北区",
            school=school,
            intake=intake_name,
            level=level,
            year=2024,
            scheduled=SCHEDULED.isoformat(timespec="seconds"),
            witnesses=tuple(f"{role} {name}" for role, name in witnesses),
        ),
        profile=PROFILES["taobei-2024"],
        pupils=read_roster(DEMO_DIR / roster_file),
        teams=read_teams(DEMO_DIR / teams_file),
        signers=signers,
        now=SCHEDULED - timedelta(days=7),
        token_bytes=secrets.token_bytes,
    )
    for i, ((role, name), text) in enumerate(zip(witnesses, DEMO_WITNESS_INPUTS, strict=True)):
        rec.add_witness(role=role, name=name, text=text, now=SCHEDULED + timedelta(minutes=5 + i))
    rec.reveal(beacon_value=None, now=SCHEDULED + timedelta(minutes=12), signers=signers)
    store.export_public(base / "keyring.json")
    return draw


def _has(store: KeyStore, name: str) -> bool:
    return any(e.name == name for e in store.keyring().keys)
