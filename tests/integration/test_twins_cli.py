"""``placement exception late/transfer-in --twin-of M`` (spec §E7) on the service
database: the twin joins the first twin's class, its refusals are printed in both
languages without a traceback and store nothing, and the exported bundle verifies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clikit import run
from test_exceptions_cli import DRAW, drawn, refused
from test_service_cli import inst

from keys.store import KeyStore
from placement.idcard import check_character
from verifier.verify import verify_bundle

__all__ = ["inst"]  # the fixture, used by name
X = ("exception",)


def _id(stem: str) -> str:
    return stem + check_character(stem)


STEMS = {
    "林晓雨": "22080220180309012",
    "林晓阳": "22080220180309031",
    "周子涵": "22080220180702022",
}


def _late(capsys: pytest.CaptureFixture[str], flags: list[str], name: str, *more: str) -> int:
    code, out, err = run(
        capsys, *X, "late", *flags, DRAW, "--name", name,
        "--gender", "女" if name in {"林晓雨", "周子涵"} else "男", "--id-number", _id(STEMS[name]),
        "--basis", "late-review", "--reference", "复审决定 09", "--reason", "资格复审于派位后通过",
        *more,
    )  # fmt: skip
    assert code == 0, err
    return int(re.search(r"#(\d+)", out).group(1))  # type: ignore[union-attr]


def _count(capsys: pytest.CaptureFixture[str], flags: list[str]) -> int:
    code, out, _ = run(capsys, *X, "list", *flags, DRAW)
    assert code == 0
    return sum(1 for line in out.splitlines() if line.startswith("#"))


def test_a_twin_joins_the_first_twin_at_the_cap_with_the_waiver(
    inst: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flags = inst
    drawn(capsys, flags, tmp_path)  # two classes of 45: both at the cap
    first = _late(capsys, flags, "林晓雨")
    code, out, err = run(capsys, *X, "approve", *flags, DRAW, str(first), "--reason",
                         "特批超额", "--waive", "cap")  # fmt: skip
    assert code == 0, err
    home = re.search(r"placed in class (\d+) by late-placement/1", out).group(1)  # type: ignore[union-attr]

    twin = _late(capsys, flags, "林晓阳", "--twin-of", str(first))
    err = refused(capsys, *X, "approve", *flags, DRAW, str(twin), "--reason", "双胞胎同班")
    assert "双胞胎所在班已满额" in err
    assert "the twin's class is at the cap (45)" in err
    code, out, err = run(capsys, *X, "approve", *flags, DRAW, str(twin), "--reason",
                         "双胞胎同班，特批超额", "--waive", "cap")  # fmt: skip
    assert code == 0, err
    assert f"placed in class {home} with the twin of exception #{first}" in out
    assert f"与第 {first} 号例外的双胞胎同班" in out

    code, out, _ = run(capsys, *X, "list", *flags, DRAW)
    line = next(x for x in out.splitlines() if x.startswith(f"#{twin} "))
    assert f"twin of #{first}" in line
    assert f"classes {home}" in line

    bundle = tmp_path / "public.zip"
    code, _, err = run(capsys, "export-bundle", *flags, DRAW, "--out", str(bundle))
    assert code == 0, err
    keyring = KeyStore(tmp_path / "inst" / "keys").keyring()
    report = verify_bundle(bundle.read_bytes(), trusted=keyring)
    assert report.verified, [c for c in report.checks if c.status == "fail"]


def test_a_twin_of_no_approved_addition_is_refused_before_signing(
    inst: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flags = inst
    drawn(capsys, flags, tmp_path)
    pending = _late(capsys, flags, "周子涵")
    stem = "22080220180702011"
    base = (
        "late", *flags, DRAW, "--name", "周子轩", "--gender", "男", "--id-number", _id(stem),
        "--basis", "late-review", "--reference", "复审决定 10", "--reason", "双胞胎同班意愿",
    )  # fmt: skip
    err = refused(capsys, *X, *base, "--twin-of", str(pending))
    assert f"exception {pending} is not an earlier approved late placement" in err
    assert f"第{pending}号例外不是在先已批准的补录或转入" in err
    err = refused(capsys, *X, *base, "--twin-of", "9")
    assert "twin_of must be the number of an earlier exception" in err
    assert "Traceback" not in err
    assert _count(capsys, flags) == 1  # nothing stored
