"""The operator's command line on the service database: a whole intake from ``init`` to
an exported bundle the verifier accepts, ``--help`` on every command, refusals printed as
row/field/zh/en tables without a traceback, the district batch, and the demo district."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from clikit import database_url, run, small_intakes
from servicekit import BUREAU, LOG, PASSPHRASE, SUPERVISOR, database_urls
from sqlmodel import Session, select

from keys.store import KeyStore
from placement.keyring import Keyring, KeyRole
from verifier.verify import verify_bundle
from web.cli import build_parser, full_parser
from web.db.engine import make_engine, reading
from web.db.models import AuditEvent, Intake, LogEntry, Pupil, User
from web.demo.district import DEMO_PASSPHRASE, OVERRIDE, build_demo

OVERRIDE_REASON = "测试：不在派位时间内 / test: outside the placement window"


@pytest.fixture
def inst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> list[str]:
    """An instance folder with fast test keys already made; returns the common flags."""
    kind = getattr(request, "param", "sqlite")
    store = KeyStore(tmp_path / "inst" / "keys", kdf_rounds=1_000)
    (tmp_path / "inst").mkdir()
    store.init()
    day = date(2024, 6, 1)
    store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", day, PASSPHRASE)
    store.create(LOG, KeyRole.LOG, "洮北区教育局透明日志", day, PASSPHRASE)
    store.create(SUPERVISOR, KeyRole.SUPERVISOR, "监督员", day, PASSPHRASE)
    monkeypatch.setenv("PLACEMENT_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("PLACEMENT_SUPERVISOR_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("PLACEMENT_ADMIN_PASSWORD", "admin-password-1")
    monkeypatch.setenv("PLACEMENT_USER_PASSWORD", "user-password-1")
    for var in ("PLACEMENT_DATABASE_URL", "PLACEMENT_INSTANCE_PATH", "PLACEMENT_BUREAU_KEY"):
        monkeypatch.delenv(var, raising=False)
    url = database_url(kind, tmp_path, "placement_cli")
    flags = ["--instance", str(tmp_path / "inst"), "--database-url", url]
    init = ["init", *flags, "--bureau-key", BUREAU, "--log-key", LOG, "--label", "洮北区教育局",
            "--public-base-url", "https://placement.taobei.example"]  # fmt: skip
    assert main_ok(*init)
    return flags


def main_ok(*argv: str) -> bool:
    from web.cli import main  # noqa: PLC0415

    return main(list(argv)) == 0


def setup_schools(capsys: pytest.CaptureFixture[str], flags: list[str]) -> None:
    for code, name, level in (
        ("TB-SY", "洮北区实验小学", "primary"),
        ("TB-X1", "洮北区第一小学", "primary"),
        ("TB-Z2", "第二中学", "middle"),
    ):
        code_, _, err = run(
            capsys, "schools", "add", *flags, "--code", code, "--name", name, "--level", level
        )
        assert code_ == 0, err
    code_, _, err = run(
        capsys, "schools", "add", *flags, "--code", "TB-TL2", "--name", "铁路二中",
        "--level", "middle", "--closed", "--catchment-to", "第二中学",
    )  # fmt: skip
    assert code_ == 0, err


def add_intake(
    capsys: pytest.CaptureFixture[str], flags: list[str], school: str, draw_id: str, *more: str
) -> None:
    code, out, err = run(
        capsys, "intake", "add", *flags, "--school", school, "--draw-id", draw_id,
        "--name", "2024级一年级", "--year", "2024", "--witness", "家长代表 贾雪",
        "--scheduled", "2024-08-14 09:00", *more,
    )  # fmt: skip
    assert code == 0, err
    assert draw_id in out


def prints_from_the_cli(
    capsys: pytest.CaptureFixture[str], flags: list[str], tmp_path: Path
) -> None:
    """The operator prints a drawn intake's sheets from the command line, as the web form
    does: one PDF with every class list, logged once."""
    code, out, err = run(
        capsys, "print", *flags, "tb-2024-cli", "--copies", "gate", "--out", str(tmp_path / "p")
    )
    assert code == 0, err
    [pdf] = (tmp_path / "p").glob("*.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "2024级一年级（1）班" in text
    assert "2024级一年级（2）班" in text
    assert "已记入日志 logged" in out
    with session(flags) as s:
        logged = [json.loads(e)["event"] for e in s.exec(select(LogEntry.data))]
    assert logged.count("sheets.printed") == 1
    code, _, err = run(capsys, "print", *flags, "tb-2024-cli", "--dir", "x", "--out", "o")
    assert code == 2


@pytest.mark.parametrize("inst", database_urls(), indirect=True)
def test_whole_intake_from_init_to_export(
    inst: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flags = inst
    setup_schools(capsys, flags)
    add_intake(capsys, flags, "TB-SY", "tb-2024-cli")
    small = small_intakes("primary", pupils=90, classes=2)[0]
    (tmp_path / "r.csv").write_bytes(small.roster)
    (tmp_path / "t.csv").write_bytes(small.teams)
    steps = [
        ("roster", "import", "tb-2024-cli", str(tmp_path / "r.csv")),
        ("teams", "import", "tb-2024-cli", str(tmp_path / "t.csv")),
        ("freeze", "tb-2024-cli"),
        ("announce", "1"),  # by number or by draw id
        (
            "witness",
            "tb-2024-cli",
            "--role",
            "家长代表",
            "--name",
            "贾雪",
            "--input",
            "3 1 4 1 5 9",
        ),
        ("witness", "tb-2024-cli", "--role", "监督员", "--name", "王强", "--input", "2 7 1 8"),
    ]
    for step in steps:
        code, out, err = (
            run(capsys, *step[:2], *flags, *step[2:])
            if step[0] in ("roster", "teams")
            else run(capsys, step[0], *flags, *step[1:])
        )
        assert code == 0, (step, err)
    # Today is outside the 2024 placement window: the draw is refused until an override.
    code, _, err = run(capsys, "draw", *flags, "tb-2024-cli")
    assert code == 1
    assert "派位时间" in err
    assert "placement window" in err
    assert "Traceback" not in err
    assert run(capsys, "override", *flags, "tb-2024-cli", "--reason", OVERRIDE_REASON)[0] == 0
    code, out, err = run(capsys, "draw", *flags, "tb-2024-cli", "--supervisor-key", SUPERVISOR)
    assert code == 0, err
    assert "结果摘要 result digest" in out
    # What the ceremony command prints: each class's boys and girls, adding up to its size.
    sizes = re.findall(r"班: 男 (\d+) 女 (\d+) 合计 (\d+)", out)
    assert len(sizes) == 2, out
    for boys, girls, total in sizes:
        assert int(boys) > 0, out
        assert int(girls) > 0, out
        assert int(boys) + int(girls) == int(total) == 45, out
    code, _, err = run(capsys, "publish", *flags, "tb-2024-cli")
    assert code == 0, err
    prints_from_the_cli(capsys, flags, tmp_path)
    code, _, err = run(capsys, "draw", *flags, "tb-2024-cli")  # one announcement, one draw
    assert code == 1
    assert "published" in err
    code, out, _ = run(capsys, "intake", "show", *flags, "tb-2024-cli")
    assert "已发布" in out
    assert OVERRIDE_REASON in out
    assert "2024级一年级（1）班: 45" in out
    bundle = tmp_path / "archive.zip"
    code, _, err = run(
        capsys, "export-bundle", *flags, "tb-2024-cli", "--kind", "archive", "--out", str(bundle)
    )
    assert code == 0, err
    keyring = KeyStore(tmp_path / "inst" / "keys").keyring()
    report = verify_bundle(bundle.read_bytes(), trusted=keyring)
    assert report.verified, [c for c in report.checks if c.status == "fail"]
    pupil = small.roster.decode().splitlines()[1].split(",")[2]
    amend_is_a_correction_request(capsys, flags, pupil, bundle, keyring)


def amend_is_a_correction_request(
    capsys: pytest.CaptureFixture[str], flags: list[str], pupil: str, bundle: Path, keyring: Keyring
) -> None:
    # `amend` (the v1 amendment's successor, §E1) files a correction request: nothing moves
    # until a bureau admin approves it; then the re-exported bundle still verifies.
    with session(flags) as s:
        now_in = s.exec(select(Pupil.class_number).where(Pupil.id_number == pupil)).one()
    to = 3 - (now_in or 1)
    amend = ["amend", *flags, "tb-2024-cli", "--id-number", pupil, "--to", str(to)]
    with pytest.raises(SystemExit):  # the evidence is required, as for every correction
        run(capsys, *amend, "--reason", "家长申请，经审批 / approved")
    assert "--evidence" in capsys.readouterr().err
    evidence = ["--evidence", "双胞胎意愿表 2024-017", "--category", "twin-wish"]
    code, out, err = run(capsys, *amend, "--reason", "双胞胎意愿登记错误", *evidence)
    assert code == 0, err
    assert "correction request #1" in out
    with session(flags) as s:
        assert s.exec(select(Pupil.class_number).where(Pupil.id_number == pupil)).one() == now_in
    # Both classes hold 45, the cap: the approval is refused by the replay, in both languages.
    approve = ["exception", "approve", *flags, "tb-2024-cli", "1", "--reason", "材料属实 / checked"]
    code, out, err = run(capsys, *approve)
    assert code == 1
    assert "超过班额" in err
    assert "exceeds the cap" in err
    refuse = ["exception", "refuse", *flags, "tb-2024-cli", "1", "--reason", "班额已满 / full"]
    assert run(capsys, *refuse)[0] == 0
    with session(flags) as s:
        assert s.exec(select(Pupil.class_number).where(Pupil.id_number == pupil)).one() == now_in
    assert run(capsys, "export-bundle", *flags, "1", "--out", str(bundle))[0] == 0
    report = verify_bundle(bundle.read_bytes(), trusted=keyring)
    assert report.verified
    assert any(c.name == "exceptions.rules" and c.status == "pass" for c in report.checks)


def test_users_profiles_and_schools(inst: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    flags = inst
    setup_schools(capsys, flags)
    code, _, err = run(
        capsys, "users", "add", *flags, "op-shiyan", "--role", "operator", "--school", "TB-SY"
    )
    assert code == 0, err
    code, _, err = run(capsys, "users", "add", *flags, "op-x", "--role", "operator")
    assert code == 1
    assert "a school operator needs a school" in err
    assert run(capsys, "users", "passwd", *flags, "op-shiyan")[0] == 0
    assert run(capsys, "users", "deactivate", *flags, "op-shiyan")[0] == 0
    code, out, _ = run(capsys, "users", "list", *flags)
    assert "admin" in out
    assert "停用 inactive" in out
    code, out, _ = run(capsys, "profile", "list")
    assert "taobei-2024" in out
    code, out, _ = run(capsys, "profile", "show", "taobei-2024", "--json")
    assert "铁路二中 → 第二中学" in out
    assert '"birth_cutoff": "2018-08-31"' in out
    code, out, _ = run(capsys, "schools", "list", *flags)
    assert "停招 closed → 第二中学" in out
    # A closed school refuses an intake and names the receiving school, in both languages.
    intake = ["--name", "2024级七年级", "--year", "2024", "--scheduled", "2024-08-15T09:00"]
    code, _, err = run(
        capsys, "intake", "add", *flags, "--school", "铁路二中", "--draw-id", "x", *intake
    )
    assert code == 1
    assert "由 第二中学 接收" in err
    assert "catchment goes to 第二中学" in err
    with session(flags) as s:
        assert s.exec(select(User).where(User.username == "admin")).one().role == "admin"


def test_refused_import_prints_row_field_zh_en(
    inst: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flags = inst
    setup_schools(capsys, flags)
    add_intake(capsys, flags, "TB-SY", "tb-2024-bad")
    lines = small_intakes("primary", pupils=30, classes=2)[0].roster.decode().splitlines()
    cells = lines[3].split(",")
    cells[2] = cells[2][:17] + ("0" if cells[2][17] != "0" else "1")  # wrong check character
    lines[3] = ",".join(cells)
    lines[5] = "," + lines[5].split(",", 1)[1]  # no name
    (tmp_path / "bad.csv").write_text("\n".join(lines) + "\n", "utf-8")
    code, out, err = run(
        capsys, "roster", "import", *flags, "tb-2024-bad", str(tmp_path / "bad.csv")
    )
    assert code == 1
    assert "Traceback" not in err
    assert "文件未导入" in err
    assert "nothing was imported" in err
    table = err.splitlines()
    header = next(i for i, line in enumerate(table) if line.strip().startswith("行 row"))
    rows = table[header + 1 :]
    assert any(r.split()[0] == "4" and "id_number" in r and "|" in r for r in rows), err
    assert any(r.split()[0] == "6" and "name" in r for r in rows), err
    code, out, _ = run(capsys, "intake", "list", *flags)
    assert " 0 " in out  # nothing of the refused file was kept
    # Printing an intake that has not been drawn is a clear refusal, not a traceback.
    code, _, err = run(capsys, "print", *flags, "tb-2024-bad", "--out", str(tmp_path / "p"))
    assert code == 1
    assert "Traceback" not in err
    assert not list((tmp_path / "p").glob("*.pdf"))


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [path]
    found = []
    for name, child in subs[0].choices.items():
        found += _leaves(child, (*path, name))
    return found


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _leaves(full_parser())
    wanted = {
        ("init",), ("users", "add"), ("users", "list"), ("users", "deactivate"),
        ("users", "passwd"), ("profile", "list"), ("profile", "show"), ("schools", "add"),
        ("schools", "list"), ("schools", "close"), ("intake", "add"), ("intake", "list"),
        ("intake", "show"), ("roster", "import"), ("teams", "import"), ("freeze",),
        ("announce",), ("witness",), ("override",), ("draw",), ("publish",), ("cancel",),
        ("export-bundle",), ("amend",), ("district", "run"), ("serve",), ("demo",),
    }  # fmt: skip
    assert wanted <= set(commands)
    for cmd in commands:
        with pytest.raises(SystemExit) as e:
            build_parser([*cmd, "--help"]).parse_args([*cmd, "--help"])
        assert e.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: placement " + " ".join(cmd)), cmd


def test_district_batch(
    inst: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flags = inst
    setup_schools(capsys, flags)
    smalls = small_intakes("primary", pupils=60, classes=2)[:3]
    for n, (school, small) in enumerate(zip(("TB-SY", "TB-X1", "TB-SY"), smalls, strict=True)):
        second = ["--second-reason", "新校区单独派位 / a new campus"] if n == 2 else []
        add_intake(capsys, flags, school, f"tb-2024-d{n}", *second)
        (tmp_path / f"r{n}.csv").write_bytes(small.roster)
        (tmp_path / f"t{n}.csv").write_bytes(small.teams)
        assert (
            run(capsys, "roster", "import", *flags, f"tb-2024-d{n}", str(tmp_path / f"r{n}.csv"))[0]
            == 0
        )
        if n != 1:  # the second intake lacks its teams: the batch stops there
            assert (
                run(
                    capsys, "teams", "import", *flags, f"tb-2024-d{n}", str(tmp_path / f"t{n}.csv")
                )[0]
                == 0
            )
    (tmp_path / "w.csv").write_text(
        "draw_id,role,name,input\n,家长代表,贾雪,3 1 4 1 5 9\ntb-2024-d2,监督员,王强,2 7 1 8\n",
        "utf-8",
    )
    batch = [
        "district",
        "run",
        *flags,
        "--witness-file",
        str(tmp_path / "w.csv"),
        "--override",
        OVERRIDE_REASON,
    ]
    code, out, err = run(capsys, *batch)
    assert code == 1
    assert "tb-2024-d1" in err
    assert "'freeze'" in err
    assert "import the roster and the teacher teams first" in err
    assert "Traceback" not in err
    stages = _stages(flags)
    assert stages == {"tb-2024-d0": "published", "tb-2024-d1": "draft", "tb-2024-d2": "draft"}
    # Fixed, the batch resumes each intake from its own stage.
    assert run(capsys, "teams", "import", *flags, "tb-2024-d1", str(tmp_path / "t1.csv"))[0] == 0
    code, out, err = run(capsys, *batch, "--resume")
    assert code == 0, err
    assert "派位 placing [" in err  # progress
    assert "tb-2024-d2" in out
    assert "draft → published" in out
    assert set(_stages(flags).values()) == {"published"}
    with session(flags) as s:
        events = [json.loads(d) for d in s.exec(select(LogEntry.data))]
    witnesses = [e["draw"] for e in events if e["event"] == "witness.entered"]
    assert sorted(witnesses) == ["tb-2024-d0", "tb-2024-d1", "tb-2024-d2", "tb-2024-d2"]
    code, out, _ = run(capsys, *batch, "--resume")
    assert code == 0
    assert "没有符合条件" in out


def _stages(flags: list[str]) -> dict[str, str]:
    with session(flags) as s:
        return {i.draw_id: i.stage for i in s.exec(select(Intake))}


@contextmanager
def session(flags: list[str]) -> Iterator[Session]:
    """A read session on the instance's database (``--database-url`` is flags[3])."""
    engine = make_engine(flags[3])
    try:
        with reading(engine) as s:
            yield s
    finally:
        engine.dispose()


def test_uninitialised_instance_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "intake", "list", "--instance", str(tmp_path / "none"))
    assert code == 1
    assert "placement init" in err
    assert not (tmp_path / "none").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_district_and_serve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "demo"
    info = build_demo(demo, kdf_rounds=1_000)
    assert info.created
    assert not build_demo(demo).created  # built once
    capsys.readouterr()
    flags = ["--instance", str(demo)]
    code, out, _ = run(capsys, "intake", "list", *flags)
    assert code == 0
    stages = {line.split()[1]: line.split()[2] for line in out.splitlines()[1:]}
    assert stages == {
        "tb-2024-shiyan": "published",
        "tb-2024-yixiao": "draft",
        "tb-2024-sanxiao": "draft",
        "tb-2024-erzhong": "announced",
        "tb-2024-sanzhong": "draft",
    }
    code, out, _ = run(capsys, "intake", "show", *flags, "tb-2024-yixiao")
    assert OVERRIDE in out
    code, out, _ = run(capsys, "schools", "list", *flags)
    assert "铁路二中" in out
    assert "→ 第二中学" in out
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--demo", *flags, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        status = 0
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    status = r.status
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output
    assert DEMO_PASSPHRASE in output
    assert "op-erzhong" in output


def test_demo_district_files_are_up_to_date() -> None:
    script = Path(__file__).resolve().parents[2] / "demo" / "district" / "make_district.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_cli_prints_beijing_times_whatever_tz(
    inst: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """An audit event at 15:23 UTC is printed as 23:23 (Beijing) by `intake show`, run in
    a process whose TZ is New York's."""
    flags = inst
    setup_schools(capsys, flags)
    add_intake(capsys, flags, "TB-SY", "tb-2024-tz")
    engine = make_engine(flags[3])
    with Session(engine) as s, s.begin():
        iid = s.exec(select(Intake.id).where(Intake.draw_id == "tb-2024-tz")).one()
        when = datetime(2024, 8, 14, 15, 23, 5, tzinfo=UTC)
        s.add(AuditEvent(time=when, username="tz", action="tz.check", intake_id=iid))
    engine.dispose()
    env = {**os.environ, "TZ": "America/New_York"}
    shown = subprocess.run(
        [sys.executable, "-m", "web.cli", "intake", "show", *flags, "tb-2024-tz"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "2024-08-14 23:23:05 tz" in shown, shown
