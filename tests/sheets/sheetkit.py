"""Builders and PDF helpers for the sheet tests (imported by conftest and the tests).

A middle-school intake of 100 pupils in two classes of 50 (the most a class list
must hold on one page), with flags and 学籍号 that must stay off the gate copy, is
announced, witnessed and revealed; ``placement print`` then renders every sheet.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from keys.store import KeyStore
from placement.draw import Intake
from placement.idcard import check_character
from placement.keyring import CST
from placement.policy import TAOBEI_2024, Level
from placement.roster import PupilRecord, Sex
from placement.teams import Teacher, Team
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog

PASSPHRASE = "correct horse battery"
NOW = datetime(2024, 8, 14, 9, 30, tzinfo=CST)
FLAGS = ("随班就读", "留守儿童", "随迁子女")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "子涵一诺浩然欣怡梓萱宇轩雨桐俊熙思远佳怡紫萱博文晨曦嘉怡梦瑶天佑沐阳若汐"

TOOLS = ("pdftoppm", "pdftotext", "pdfinfo", "pdffonts")


def need_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:  # ./dev installs poppler-utils; without it the sheets cannot be checked
        pytest.fail(f"missing {missing}: run ./dev (apt-get install poppler-utils)")


def id_number(born: date, serial: int, sex: Sex) -> str:
    seq = serial * 2 + (1 if sex is Sex.MALE else 0)
    first17 = f"220802{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_character(first17)


def roster(n: int, seed: int = 5) -> list[PupilRecord]:
    """Distinct Chinese names (no 重名), every third pupil with a flag."""
    rng = random.Random(seed)
    pupils, names = [], set()
    while len(pupils) < n:
        name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))
        if name in names:
            continue
        names.add(name)
        i = len(pupils)
        sex = Sex.FEMALE if rng.random() < 0.5 else Sex.MALE
        born = date(2011, 9, 1) + timedelta(days=rng.randrange(360))
        number = id_number(born, i, sex)
        pupils.append(
            PupilRecord(
                row=i + 2,
                name=name,
                sex=sex,
                id_number=number,
                birth_date=born,
                student_no=f"G{number}",
                flags=(FLAGS[i % 3],) if i % 3 == 0 else (),
            )
        )
    return pupils


def teams(k: int) -> list[Team]:
    heads = ["陈磊", "马媛媛", "张雅楠", "韩文博"]
    return [
        Team(
            number=c,
            label=f"2024级七年级（{c}）班",
            head_teacher=heads[c - 1],
            teachers=(Teacher("语文", f"语文老师{c}"), Teacher("数学", heads[c - 1])),
        )
        for c in range(1, k + 1)
    ]


@dataclass(frozen=True)
class Made:
    draw: Path
    keyring: Path
    pupils: tuple[PupilRecord, ...]


def make_record(
    base: Path,
    store: KeyStore,
    *,
    school: str,
    draw_id: str,
    n: int,
    reveal: bool = True,
    version: int = 1,
) -> Made:
    signers = Signers(
        bureau=store.signer("taobei.edu.example/bureau-2024", PASSPHRASE),
        log=store.signer("taobei.edu.example/log-2024", PASSPHRASE),
    )
    pupils = roster(n)
    rng = random.Random(draw_id)
    rec = DrawRecord.announce(
        base / "draw",
        FileLog(base / "log"),
        intake=Intake(
            draw_id=draw_id,
            district="吉林省白城市洮北区",
            school=school,
            intake="2024级七年级",
            level=Level.MIDDLE,
            year=2024,
            scheduled="2024-08-14T09:00:00+08:00",
            witnesses=("家长代表 贾雪", "家长代表 刘洋", "区教育局监督员 王强"),
            version=version,
        ),
        profile=TAOBEI_2024,
        pupils=pupils,
        teams=teams(-(-n // 50)),
        signers=signers,
        now=NOW - timedelta(days=7),
        token_bytes=rng.randbytes,
    )
    for i, (role, name, text) in enumerate(
        [
            ("家长代表", "贾雪", "3 1 4 1 5 9"),
            ("家长代表", "刘洋", "２７１８２８"),
            ("区教育局监督员", "王强", "1 4 1 4"),
        ]
    ):
        rec.add_witness(role=role, name=name, text=text, now=NOW + timedelta(minutes=i))
    if reveal:
        rec.reveal(beacon_value=None, now=NOW + timedelta(minutes=10), signers=signers)
    ring = base / "keyring.json"
    store.export_public(ring)
    return Made(base / "draw", ring, tuple(pupils))


@dataclass(frozen=True)
class Printed:
    made: Made
    out: Path
    pdf: Path  # the merged school PDF
    parts: Path  # the folder of parts


def pdf_text(pdf: Path, *, layout: bool = False, page: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    return int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])


@dataclass(frozen=True)
class Decoded:
    page: int  # 1-based
    text: str
    version: int


def qr_codes(pdf: Path, workdir: Path) -> list[Decoded]:
    """Render every page at 150 dpi (as a phone photo of a print might see it) and
    decode every QR code with zxing-cpp."""
    import zxingcpp  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(workdir / "p")], check=True)
    found = []
    for png in sorted(workdir.glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        number = int(png.stem.rsplit("-", 1)[1])
        with Image.open(png) as img:
            results = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
        found.extend(Decoded(number, r.text, int(r.extra["Version"])) for r in results)
    return found


def digits_to_text(digits: str) -> str:
    """The digit-pair rule written out again here, independently of web.sheets.qr."""
    assert len(digits) % 2 == 0
    assert digits.isdigit()
    return "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))


def fragment(url: str) -> tuple[str, str]:
    base, _, frag = url.partition("#")
    key, _, digits = frag.partition("=")
    assert base == "https://verify.taobei.edu.example/verify/", base
    return key, digits


def jws_of(url: str) -> str:
    key, digits = fragment(url)
    assert key == "n"
    return digits_to_text(digits)


def receipt_of(url: str) -> dict[str, object]:
    import base64  # noqa: PLC0415
    import json  # noqa: PLC0415
    import zlib  # noqa: PLC0415

    key, digits = fragment(url)
    assert key == "r"
    text = digits_to_text(digits)
    raw = zlib.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), -15)
    doc = json.loads(raw)
    assert isinstance(doc, dict)
    return doc


def verify(target: str, keyring: Path, *extra: str) -> int:
    """The project's verifier, as a parent's computer would run it."""
    from verifier._cli import main as verify_main  # noqa: PLC0415

    return verify_main([target, "--keyring", str(keyring), *extra])


def payload(jws: str) -> dict[str, object]:
    from placement.jws import parse  # noqa: PLC0415

    return parse(jws).document()
