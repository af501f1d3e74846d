"""DrawRecord steps after the draw: amendments (spec §15) and ``sheets.printed`` (§16)."""

from __future__ import annotations

import argparse
import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from samples import sample_intake

from keys.store import KeyStore
from placement.canonical import Json, canonical_json
from placement.documents import Change, digest
from placement.keyring import CST, KeyRole, keyring_from_json
from placement.policy import PROFILES
from verifier._cli import main as verify_main
from web.record import exceptions as rx
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog
from web.record.reading import RecordError
from web.service.intake_files import read_roster, read_teams

DEMO = Path(__file__).resolve().parents[2] / "demo"
PASS = "test passphrase, not a secret"
BUREAU = "taobei.edu.example/bureau-test"
LOG = "taobei.edu.example/log-test"
DAY = datetime(2024, 8, 14, 9, 0, tzinfo=CST)


@dataclass
class Setup:
    rec: DrawRecord
    store: KeyStore
    signers: Signers
    tmp: Path


def _cut(src: Path, dst: Path, lines: int) -> Path:
    text = src.read_text("utf-8").splitlines(keepends=True)
    dst.write_text("".join(text[:lines]), "utf-8")
    return dst


def _make(tmp: Path, *, reveal: bool = True) -> Setup:
    store = KeyStore(tmp / "keys", kdf_rounds=1_000)
    store.init()
    store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局（测试）", date(2024, 1, 1), PASS)
    store.create(LOG, KeyRole.LOG, "透明日志（测试）", date(2024, 1, 1), PASS)
    signers = Signers(bureau=store.signer(BUREAU, PASS), log=store.signer(LOG, PASS))
    roster = _cut(DEMO / "taobei-2024-primary-school.csv", tmp / "roster.csv", 41)
    teams = _cut(DEMO / "taobei-2024-primary-teams.csv", tmp / "teams.csv", 4)  # 3 classes
    rec = DrawRecord.announce(
        tmp / "draw",
        FileLog(tmp / "log"),
        intake=sample_intake(
            draw_id="taobei-2024-test",
            school="洮北区测试小学",
            scheduled=DAY.isoformat(timespec="seconds"),
            witnesses=("家长代表 张三",),
        ),
        profile=PROFILES["taobei-2024"],
        pupils=read_roster(roster),
        teams=read_teams(teams),
        signers=signers,
        now=DAY - timedelta(days=7),
        token_bytes=secrets.token_bytes,
    )
    rec.add_witness(role="家长代表", name="张三", text="3 1 4 1 5 9", now=DAY)
    if reveal:
        rec.reveal(beacon_value=None, now=DAY + timedelta(minutes=5), signers=signers)
    return Setup(rec, store, signers, tmp)


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return _make(tmp_path)


def _classes(rec: DrawRecord) -> dict[int, list[int]]:
    by_class: dict[int, list[int]] = {}
    for pupil, number in sorted(rec.current_classes().items()):
        by_class.setdefault(number, []).append(pupil)
    return by_class


def _move(rec: DrawRecord, *, other: bool = True) -> Change:
    by_class = _classes(rec)
    src = min(by_class)
    dst = max(by_class) if other else src
    return Change(pupil=by_class[src][0], from_class=src, to_class=dst)


def _amend(s: Setup, change: Change, minutes: int = 30) -> dict[str, Json]:
    return s.rec.amend(
        changes=[change],
        reason="家长申请，经区教育局审核同意",
        approved_by="洮北区教育局",
        approved_on="2024-08-20",
        now=DAY + timedelta(minutes=minutes),
        signers=s.signers,
    )


def _export(s: Setup, kind: str = "public") -> Path:
    data = s.rec.export(
        kind=kind, keyring=s.store.keyring(), now=DAY + timedelta(hours=2), signers=s.signers
    )
    path = s.tmp / f"{kind}.zip"
    path.write_bytes(data)
    return path


def _verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    ring = path.parent / "trusted-keyring.json"
    ring.write_bytes(canonical_json(keyring_from_json(_bundle_keyring(path)).to_json()))
    code = verify_main([str(path), "--json", "--keyring", str(ring)])
    return code, json.loads(capsys.readouterr().out)


def _bundle_keyring(path: Path) -> Any:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("keyring.json"))


def _check(report: dict[str, object], check_id: str) -> dict[str, object]:
    found = [c for c in report["checks"] if c["name"] == check_id]  # type: ignore[attr-defined]
    assert len(found) == 1, report
    return found[0]  # type: ignore[no-any-return]


def test_amend_print_export_verifies(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    s = setup
    change = _move(s.rec)
    first = _amend(s, change)
    assert first["seq"] == 1
    assert first["changes"] == [
        {"from": change.from_class, "pupil": change.pupil, "to": change.to_class}
    ]
    assert s.rec.current_classes()[change.pupil] == change.to_class
    # the pupil moves back: now they are in the target class
    back = Change(pupil=change.pupil, from_class=change.to_class, to_class=change.from_class)
    second = _amend(s, back, minutes=40)
    assert second["seq"] == 2
    assert (s.rec.dir / "public/amendments/2.jws").exists()
    s.rec.log_printed(copies=3, now=DAY + timedelta(hours=1), signers=s.signers)
    entries = s.rec.log.entries()
    events = [e["event"] for e in entries]
    assert events.count("amendment.approved") == 2
    printed = [e for e in entries if e["event"] == "sheets.printed"]
    result = s.rec._result_doc()
    assert printed[0]["detail"] == {"copies": 3, "digest": digest(result).hex()}
    bundle = _export(s)
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
    assert {"amendments/1.jws", "amendments/2.jws"} <= names
    code, report = _verify(bundle, capsys)
    assert code == 0, report
    assert _check(report, "amendments.apply")["status"] == "pass"
    assert _check(report, "signature.amendments")["status"] == "pass"
    assert "2 amendments apply in order" in str(_check(report, "amendments.apply")["message_en"])


def test_refusals(setup: Setup) -> None:
    s = setup
    with pytest.raises(RecordError, match="already in class"):
        _amend(s, _move(s.rec, other=False))
    good = _move(s.rec)
    with pytest.raises(RecordError, match="there is no class 99"):
        _amend(s, Change(good.pupil, good.from_class, 99))
    with pytest.raises(RecordError, match="not class"):
        _amend(s, Change(good.pupil, good.to_class, good.from_class))
    with pytest.raises(RecordError, match="no pupil with leaf index"):
        _amend(s, Change(10_000, good.from_class, good.to_class))
    with pytest.raises(RecordError, match="YYYY-MM-DD"):
        s.rec.amend(
            changes=[good],
            reason="r",
            approved_by="a",
            approved_on="2024-8-20",
            now=DAY,
            signers=s.signers,
        )
    with pytest.raises(RecordError, match="at least one copy"):
        s.rec.log_printed(copies=0, now=DAY, signers=s.signers)
    assert not (s.rec.dir / "public/amendments").exists()
    assert "amendment.approved" not in [e["event"] for e in s.rec.log.entries()]
    assert _amend(s, good)["seq"] == 1  # refusals used no sequence number


def test_not_before_reveal(tmp_path: Path) -> None:
    s = _make(tmp_path, reveal=False)
    change = Change(pupil=0, from_class=1, to_class=2)
    with pytest.raises(RecordError, match="not allowed in stage announced"):
        _amend(s, change)
    with pytest.raises(RecordError, match="not allowed in stage announced"):
        s.rec.log_printed(copies=1, now=DAY, signers=s.signers)
    assert not (s.rec.dir / "public/amendments").exists()


def test_cli_amend_and_print_log(
    setup: Setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.cli import main  # noqa: PLC0415

    s = setup
    monkeypatch.setenv("PLACEMENT_TEST_PASS", PASS)
    private = json.loads((s.rec.dir / "private/leaves.json").read_text("utf-8"))
    by_class = _classes(s.rec)
    src, dst = min(by_class), max(by_class)
    pupil = by_class[src][0]
    common = [
        *("--dir", str(s.rec.dir), "--log", str(s.tmp / "log"), "--keys", str(s.tmp / "keys")),
        *("--bureau-key", BUREAU, "--log-key", LOG, "--passphrase-env", "PLACEMENT_TEST_PASS"),
    ]
    # `record amend` files a correction request (§E1); nothing moves before the decision.
    amend = [
        *("record", "amend", *common, "--pupil-id-number", private[pupil]["id_number"]),
        *("--reason", "双胞胎意愿登记错误", "--requested-by", "实验小学教务处"),
    ]
    evidence = ("--evidence", "双胞胎意愿表 2024-017", "--category", "twin-wish")
    assert main([*amend, *evidence, "--to", str(dst)]) == 0
    assert "correction request 1 signed and logged" in capsys.readouterr().out
    assert s.rec.current_classes()[pupil] == src
    assert not (s.rec.dir / "public/amendments").exists()
    decide = [*("record", "decide", *common, "--approver", "洮北区教育局 王敏")]
    assert main([*decide, "--number", "1", "--approve", "--reason", "原件核对属实"]) == 0
    assert "exception 1 approved" in capsys.readouterr().out
    assert rx.current(s.rec).class_of()[pupil] == dst
    assert main([*decide, "--number", "1", "--refuse", "--reason", "再次决定"]) == 1
    assert "already decided" in capsys.readouterr().err
    assert main([*amend, *evidence, "--to", "99"]) == 0  # a request is only a request …
    capsys.readouterr()
    assert main([*decide, "--number", "2", "--approve", "--reason", "核对后批准"]) == 1
    assert "the target is invalid" in capsys.readouterr().err  # … checked by the replay
    # the logging half of `placement print --log` (rendering PDFs is tested elsewhere)
    from web.cli import printing as print_cli  # noqa: PLC0415

    args = print_cli_args(common)
    print_cli._log_printed([s.rec.dir], 3, Path(args.log), print_cli._log_signers(args))
    assert "printing logged" in capsys.readouterr().out
    printed = [e for e in s.rec.log.entries() if e["event"] == "sheets.printed"]
    result_hex = digest(s.rec._result_doc()).hex()
    assert [e["detail"] for e in printed] == [{"copies": 3, "digest": result_hex}]


def print_cli_args(common: list[str]) -> argparse.Namespace:
    from web.cli.printing import add_parser  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["print", *common, "--out", "unused"])
