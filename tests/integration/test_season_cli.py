"""``placement season …`` on the service database: every staff step of a small season from
``init`` to ``export`` (the 统筹 allocation draw included), each refusal printed in Chinese
and English without a traceback, and the exported bundle verifying. The clock is set per
step to the 2024 calendar (the windows of the policy profile)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from clikit import run
from servicekit import database_urls
from test_service_cli import add_intake, inst, setup_schools

from placement.keyring import CST
from verifier.season_report import verify_season
from web.demo.season import form
from web.record import clock

__all__ = ["inst"]  # the fixture, used by name
SY, X3, PRIMARY = "洮北区实验小学", "洮北区第三小学", "2024级一年级"
CATCHMENT = """学校,学段,状态,接收学校,类型,名称
洮北区实验小学,小学,招生,,社区,新华社区
洮北区实验小学,小学,招生,,社区,光明社区
洮北区第三小学,小学,招生,,社区,铁东社区
"""
PLAN = """学校,年级,学段,班数,班额
洮北区实验小学,2024级一年级,小学,1,45
洮北区第三小学,2024级一年级,小学,1,2
"""
FIELDS = ("name", "sex", "id_number", "birth_date", "address", "community", "proof")
HEADER = "学校,姓名,性别,身份证号,出生日期,户籍地址,社区,证明材料,监护人姓名,监护人电话\n"


def desk_csv(serials: range, community: str = "新华社区") -> str:
    rows = []
    for n in serials:
        f = form(n, community)
        cells = [SY, *(getattr(f, k) for k in FIELDS), f.guardian_name, f.guardian_phone]
        rows.append(",".join(cells))
    return HEADER + "\n".join(rows) + "\n"


class Steps:
    """Runs ``placement season …`` with the instance flags at a set 2024 time."""

    def __init__(
        self, capsys: pytest.CaptureFixture[str], flags: list[str], mp: pytest.MonkeyPatch
    ):
        self.capsys, self.flags = capsys, flags
        self.now = dt.datetime(2024, 7, 1, 9, tzinfo=CST)
        mp.setattr(clock, "now", lambda: self.now)

    def at(self, month: int, day: int, hour: int = 9) -> Steps:
        self.now = dt.datetime(2024, month, day, hour, tzinfo=CST)
        return self

    def ok(self, command: str, *argv: str) -> str:
        code, out, err = run(self.capsys, "season", command, *self.flags, *argv)
        assert code == 0, err
        return out

    def refused(self, command: str, *argv: str) -> str:
        """The refusal's text; both languages, no traceback, exit status 1."""
        code, _, err = run(self.capsys, "season", command, *self.flags, *argv)
        assert code == 1, err
        assert "Traceback" not in err
        assert "错误" in err
        assert "error" in err
        return err


def numbers(out: str) -> tuple[str, str]:
    """The first and last application numbers of ``register``'s line."""
    first, last = out.rsplit("(", 1)[1].rstrip(")\n").split(" … ")
    return first, last


def registered(s: Steps, tmp_path: Path) -> list[str]:
    """报名 of six children at 实验小学, the first three approved; their numbers."""
    # outside the window refused until an override is recorded; a bad row refuses them all
    (tmp_path / "desk.csv").write_text(desk_csv(range(1, 7)), "utf-8")
    desk = ["--entered-by", "实验小学 王老师"]
    err = s.at(7, 14).refused("register", str(tmp_path / "desk.csv"), *desk)
    assert "registration" in err
    bad = desk_csv(range(1, 3)).replace(form(2, "新华社区").id_number, "220802201803010000")
    (tmp_path / "bad.csv").write_text(bad, "utf-8")
    err = s.at(7, 15).refused("register", str(tmp_path / "bad.csv"), *desk)
    assert "nothing was imported" in err
    assert "id_number" in err
    s.at(7, 14).ok("override", "--stage", "registration", "--reason", "测试：提前受理")
    first, last = numbers(s.ok("register", str(tmp_path / "desk.csv"), *desk))
    year, n0 = first.split("-")
    apps = [f"{year}-{int(n0) + i:06d}" for i in range(6)]
    assert apps[-1] == last

    # 资格审核: three approved at 实验小学; refusals name the rule or the application
    decide = ["--reason", "材料齐全", "--reviewer", "实验小学 李老师"]
    err = s.at(7, 22).refused(
        "decide", apps[0], "--outcome", "approve", "--rule", "no-such-rule", *decide
    )
    assert "no-such-rule" in err
    err = s.refused(
        "decide", "2024-999999", "--outcome", "approve", "--rule", "catchment-resident", *decide
    )
    assert "2024-999999" in err
    assert "logged" in s.ok(
        "decide", apps[0], "--outcome", "approve", "--rule", "catchment-resident", *decide
    )
    # a review sheet is all or nothing: one bad row, and no decision is recorded
    sheet = "报名号,结果,规则,理由,审核人\n" + "".join(
        f"{n},通过,catchment-resident,材料齐全,实验小学 李老师\n" for n in apps[1:3]
    )
    (tmp_path / "bad-review.csv").write_text(sheet + "2024-999999,录取,x,y,z\n", "utf-8")
    err = s.refused("review", str(tmp_path / "bad-review.csv"))
    assert "no decision was recorded" in err
    assert "outcome must be one of approve" in err
    (tmp_path / "review.csv").write_text(sheet, "utf-8")
    assert "2 decisions logged (#2 … #3)" in s.ok("review", str(tmp_path / "review.csv"))
    return apps


def allocated(s: Steps, apps: list[str]) -> None:
    """The other three 统筹 to 第三小学, which has two places: an allocation draw."""
    place = ["--school", X3, "--scheduled", "2024-07-25T10:00:00+08:00",
             "--planned-witness", "家长代表 王芳"]  # fmt: skip
    err = s.at(7, 24).refused("allocate", *place, apps[3], apps[4])
    assert "more children than places" in err
    err = s.refused("allocate", *place, apps[3], "2024-999999")
    assert "unknown or repeated" in err
    assert "allocation draw announced" in s.ok("allocate", *place, *apps[3:])
    err = s.refused("allocate", *place, *apps[3:])
    assert "already announced" in err
    draw = ["--school", X3]
    err = s.at(7, 25).refused("allocation-draw", *draw, "--witness", "家长代表 王芳")
    assert "role|name|input" in err
    out = s.ok("allocation-draw", *draw, "--witness", "家长代表|王芳|3 1 4 1 5")
    assert "2 assigned" in out
    assert s.refused("allocation-draw", *draw, "--witness", "家长代表|王芳|2 7")


@pytest.mark.parametrize("inst", database_urls(), indirect=True)
def test_a_season_by_command_line(
    inst: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = Steps(capsys, inst, monkeypatch)
    (tmp_path / "c.csv").write_text(CATCHMENT, "utf-8")
    (tmp_path / "p.csv").write_text(PLAN, "utf-8")
    (tmp_path / "bad-plan.csv").write_text(PLAN.replace("1,2", "两,2"), "utf-8")
    err = s.refused(
        "init", "--catchment", str(tmp_path / "c.csv"), "--plan", str(tmp_path / "bad-plan.csv")
    )
    assert "班数应为正整数  |  classes must be a whole number" in err  # row 3, field classes
    assert "season taobei-2024 set up" in s.ok(
        "init", "--catchment", str(tmp_path / "c.csv"), "--plan", str(tmp_path / "p.csv")
    )

    apps = registered(s, tmp_path)
    allocated(s, apps)

    # 公示, 举报 and its finding, derivation, admission
    s.at(7, 29).ok("notice", "--school", SY)
    s.ok("notice", "--school", X3)
    assert "#1" in s.at(7, 30).ok(
        "report", "--school", SY, "--application", apps[1], "--claim", "不住本学区"
    )
    s.at(7, 31).ok("finding", "1", "--upheld", "--reason", "走访查实", "--handled-by", "基础教育科")
    err = s.refused("finding", "1", "--reason", "再次处理", "--handled-by", "基础教育科")
    assert "no open case #1" in err
    err = s.refused("finding", "9", "--reason", "x", "--handled-by", "基础教育科")
    assert "no open case #9" in err
    s.at(8, 1).ok("derive", "--school", SY)
    s.ok("admit", "--school", SY)
    err = s.refused("admit", "--school", X3)
    assert "no roster was derived" in err

    # the draw's roster is taken from the season, not uploaded (the announcement names it)
    setup_schools(capsys, inst)
    add_intake(capsys, inst, "TB-SY", "tb-2024-sy")
    add_intake(capsys, inst, "TB-X1", "tb-2024-x1")
    assert "roster of 2 taken from the season" in s.ok("to-draw", "tb-2024-sy")
    err = s.refused("to-draw", "tb-2024-x1")
    assert "no roster was derived for 洮北区第一小学" in err
    assert "no intake nowhere" in s.refused("to-draw", "nowhere")

    # the exported bundle verifies; the statistics name both schools
    s.ok("export", "--out", str(tmp_path / "season.zip"))
    report = verify_season((tmp_path / "season.zip").read_bytes())
    assert report.verified, report.table()
    line = next(c.message_en for c in report.checks if c.name == "season.rosters")
    assert f"{SY}: 3 on 公示; 1 removed by report #1; 2 in the draw" in line
    status = s.ok("status")
    assert SY in status
    assert X3 in status
    s.ok("export", "--kind", "archive", "--out", str(tmp_path / "archive.zip"))
    assert (tmp_path / "archive.zip").stat().st_mode & 0o777 == 0o600


def test_the_demo_season_by_command_line(
    inst: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``season demo`` runs the demo district's whole season by its own 2024 clock;
    ``status`` then prints each school's counts; a second ``demo`` is refused."""
    s = Steps(capsys, inst, monkeypatch)
    out = s.ok("demo", "--per-school", "3")
    assert "demo season done" in out
    rows = [r for r in s.ok("status").splitlines() if r.strip()]
    assert any(SY in r for r in rows)
    assert s.refused("demo", "--per-school", "3")
