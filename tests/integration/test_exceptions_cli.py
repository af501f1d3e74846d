"""``placement exception …`` on the service database (spec Part E): every kind through the
command line, the refusals (调班, a first-year transfer without the waiver, a late pupil
into full classes without the cap waiver) printed in both languages without a
traceback, and the exported bundle replaying the history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clikit import run, small_intakes
from test_service_cli import OVERRIDE_REASON, add_intake, inst, setup_schools

from keys.store import KeyStore
from placement.idcard import check_character
from verifier.verify import verify_bundle

__all__ = ["inst"]  # the fixture, used by name
DRAW = "tb-2024-exc"


def drawn(capsys: pytest.CaptureFixture[str], flags: list[str], tmp: Path) -> bytes:
    """A published intake of 90 pupils in two classes of 45: both classes are full."""
    setup_schools(capsys, flags)
    add_intake(capsys, flags, "TB-SY", DRAW)
    small = small_intakes("primary", pupils=90, classes=2)[0]
    (tmp / "r.csv").write_bytes(small.roster)
    (tmp / "t.csv").write_bytes(small.teams)
    for step in (
        ("roster", "import", *flags, DRAW, str(tmp / "r.csv")),
        ("teams", "import", *flags, DRAW, str(tmp / "t.csv")),
        ("freeze", *flags, DRAW),
        ("announce", *flags, DRAW),
        ("witness", *flags, DRAW, "--role", "家长代表", "--name", "贾雪", "--input", "3 1 4"),
        ("override", *flags, DRAW, "--reason", OVERRIDE_REASON),
        ("draw", *flags, DRAW),
        ("publish", *flags, DRAW),
    ):
        code, _, err = run(capsys, *step)
        assert code == 0, (step, err)
    return small.roster


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert "Traceback" not in err
    return err


def transfer_in_and_correction(
    capsys: pytest.CaptureFixture[str], flags: list[str], roster: list[str]
) -> None:
    """Exceptions 4 (a transfer in, approved with the waivers it needs) and 5 (a correction
    into a full class: refused when approved, left pending)."""
    x = ("exception",)
    # A transfer in, first year: placed by late-placement/1, with the waivers the state
    # needs (the class the late pupil joined holds 46; the other lost a pupil unless both
    # exceptions touched the same class).
    code, out, _ = run(capsys, *x, "list", *flags, DRAW)
    changed = [re.search(r"classes (\S+)", line).group(1) for line in out.splitlines()[:2]]  # type: ignore[union-attr]
    in_id = "22080220180415002"
    in_id += check_character(in_id)
    code, _, err = run(
        capsys, *x, "transfer-in", *flags, DRAW, "--name", "林晓", "--gender", "女",
        "--id-number", in_id, "--from-school", "白城市某小学", "--category", "family-move",
        "--reason", "家庭迁入本学区",
    )  # fmt: skip
    assert code == 0, err
    err = refused(capsys, *x, "approve", *flags, DRAW, "4", "--reason", "同意转入")
    assert "first year" in err
    waive = ["--waive", "first-year"] + (["--waive", "cap"] if changed[0] == changed[1] else [])
    code, out, err = run(
        capsys, *x, "approve", *flags, DRAW, "4", "--reason", "户籍迁入，特批", *waive
    )
    assert code == 0, err
    assert "late-placement/1" in out

    # A correction into the class the late pupil joined (46, above the cap) is refused
    # when approved (or, if the pupil is in it already, as no change at all).
    code, _, err = run(
        capsys, *x, "correct", *flags, DRAW, "--id-number", roster[2].split(",")[2],
        "--to", changed[0], "--evidence", "双胞胎意愿表 2024-017",
        "--category", "twin-wish", "--reason", "双胞胎意愿登记错误",
    )  # fmt: skip
    assert code == 0, err
    err = refused(capsys, *x, "approve", *flags, DRAW, "5", "--reason", "材料属实")
    assert "the target is invalid" in err or "exceeds the cap" in err
    assert "班" in err


def test_every_kind_and_refusal(
    inst: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flags = inst
    roster = drawn(capsys, flags, tmp_path).decode().splitlines()
    first_id = roster[1].split(",")[2]
    x = ("exception",)

    err = refused(capsys, *x, "class-change", *flags, DRAW, "--id-number", first_id, "--to", "2")
    assert "不允许调班" in err
    assert "class changes are not allowed" in err

    late_id = "22080220180301012"
    late_id += check_character(late_id)
    code, out, err = run(
        capsys, *x, "late", *flags, DRAW, "--name", "宋雨桐", "--gender", "女",
        "--id-number", late_id, "--basis", "late-review", "--reference", "复审决定 07",
        "--reason", "资格复审于派位后通过",
    )  # fmt: skip
    assert code == 0, err
    assert "#1" in out
    err = refused(capsys, *x, "approve", *flags, DRAW, "1", "--reason", "按补录规则安排")
    assert "没有学位空缺" in err
    assert "no vacancy" in err
    code, out, err = run(
        capsys, *x, "approve", *flags, DRAW, "1", "--reason", "特批超额", "--waive", "cap"
    )
    assert code == 0, err
    assert "late-placement/1" in out

    code, _, err = run(
        capsys, *x, "transfer-out", *flags, DRAW, "--id-number", first_id,
        "--to-school", "外省某小学", "--category", "family-move", "--reason", "家庭迁往外省",
    )  # fmt: skip
    assert code == 0, err
    err = refused(capsys, *x, "approve", *flags, DRAW, "2", "--reason", "同意转出")
    assert "不允许转学" in err
    assert "first year" in err
    why = "户籍已迁出，特批"
    code, _, err = run(
        capsys, *x, "approve", *flags, DRAW, "2", "--reason", why, "--waive", "first-year"
    )
    assert code == 0, err

    code, _, err = run(
        capsys, *x, "teacher", *flags, DRAW, "--class", "2", "--head-teacher", "郑晓燕",
        "--teacher", "语文=郑晓燕", "--teacher", "数学=周杰", "--category", "leave",
        "--reason", "原班主任长期病假",
    )  # fmt: skip
    assert code == 0, err
    assert run(capsys, *x, "refuse", *flags, DRAW, "3", "--reason", "请先提交病假证明")[0] == 0

    transfer_in_and_correction(capsys, flags, roster)

    code, out, _ = run(capsys, *x, "list", *flags, DRAW)
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("#")]
    assert len(lines) == 5
    assert "approved" in lines[0]
    assert "approved" in lines[1]
    assert "refused" in lines[2]
    assert "transfer-in" in lines[3]
    assert "approved" in lines[3]
    assert "pending" in lines[4]

    bundle = tmp_path / "public.zip"
    code, _, err = run(capsys, "export-bundle", *flags, DRAW, "--out", str(bundle))
    assert code == 0, err
    keyring = KeyStore(tmp_path / "inst" / "keys").keyring()
    report = verify_bundle(bundle.read_bytes(), trusted=keyring)
    assert report.verified, [c for c in report.checks if c.status == "fail"]
