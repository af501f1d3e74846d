"""The operator's `placement demo` command: output an observer can check, and clean errors."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from placement.idcard import check_character
from placement.seed import final_seed, opens
from web.cli import main
from web.demo.files import DEMO_DIR
from web.service.intake_files import read_roster

HEX64 = r"([0-9a-f]{64})"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def field(out: str, label: str) -> str:
    m = re.search(re.escape(label) + r"\s+" + HEX64, out)
    assert m, f"{label!r} not printed"
    return m[1]


def spreads(out: str) -> dict[str, int]:
    line = next(x for x in out.splitlines() if x.startswith("极差 spread"))
    pairs = line.split(":", 1)[1].split(",")
    return {k.strip(): int(v) for k, v in (p.strip().rsplit(" ", 1) for p in pairs)}


def class_lists(out: str) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        head = re.match(r"== (\S+班)\s+班主任", line)
        if head:
            current = lists.setdefault(head[1], [])
        elif current is not None:
            current.extend(re.findall(r"\d+\. (\S+?)（[男女]）", line))
    return lists


class TestDemo:
    def test_summary(self, capsys):
        """The summary prints the commitments, the final seed and a balanced report."""
        code, out, err = run(capsys, "demo", "--summary")
        assert code == 0, err
        field(out, "roster root")
        field(out, "seed commitment")
        field(out, "final seed")
        assert "均衡报告 balance report" in out
        sp = spreads(out)
        assert {"size", "female", "male"} <= set(sp)
        assert all(v <= 1 for v in sp.values()), sp
        assert not class_lists(out)

    def test_printed_values_check_out(self, capsys):
        """From the printout alone an observer can open the commitment and recompute the seed."""
        _, out, _ = run(capsys, "demo", "--summary")
        server = bytes.fromhex(field(out, "revealed server seed"))
        assert opens(bytes.fromhex(field(out, "seed commitment")), server)
        block = out.split("== 现场见证人输入", 1)[1].split("公开服务器种子", 1)[0]
        inputs = [line.rpartition(": ")[2] for line in block.splitlines()[1:] if ": " in line]
        assert inputs
        seed = final_seed(
            announcement_digest=bytes.fromhex(field(out, "公告摘要 digest")),
            server_seed=server,
            witness_inputs=inputs,
            beacon=None,
        )
        assert seed.hex() == field(out, "final seed")

    def test_middle_school_lists(self, capsys):
        """The middle-school demo prints six class lists of 50, covering every pupil once."""
        code, out, err = run(capsys, "demo", "--school", "middle")
        assert code == 0, err
        lists = class_lists(out)
        assert len(lists) == 6
        assert [len(names) for names in lists.values()] == [50] * 6
        assert out.count("合计50") == 6
        roster = read_roster(DEMO_DIR / "taobei-2024-middle-school.csv")
        placed = Counter(name for names in lists.values() for name in names)
        assert placed == Counter(p.name for p in roster)

    @pytest.mark.parametrize("school", ["primary", "middle"])
    def test_deterministic(self, capsys, school):
        """Running the demo twice prints exactly the same thing."""
        first = run(capsys, "demo", "--school", school)
        second = run(capsys, "demo", "--school", school)
        assert first == second
        assert first[0] == 0


def _issue_row(err: str, row: int, field: str) -> bool:
    """The refusal's table has a line for ``row`` and ``field`` with both languages."""
    return any(line.split()[:2] == [str(row), field] and "|" in line for line in err.splitlines())


def _copy_demo(tmp_path: Path) -> Path:
    data = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return data


def test_bad_row_is_reported_not_raised(tmp_path, capsys):
    """A wrong check character stops the demo with the row and column in both languages."""
    data = _copy_demo(tmp_path)
    csv_path = data / "taobei-2024-primary-school.csv"
    lines = csv_path.read_text("utf-8").splitlines(keepends=True)
    cells = lines[4].split(",")  # spreadsheet row 5
    number = cells[2]
    wrong = next(c for c in "0123456789X" if c != check_character(number[:17]))
    cells[2] = number[:17] + wrong
    lines[4] = ",".join(cells)
    csv_path.write_text("".join(lines), "utf-8")

    code, out, err = run(capsys, "demo", "--data", str(data))
    assert code == 1
    # one table for every refused file (web.service.console.print_issues): row, field, zh | en
    assert "行 row" in err
    assert "字段 field" in err
    assert _issue_row(err, 5, "id_number")
    assert "校验位" in err
    assert "check character" in err
    assert "Traceback" not in out + err
    assert "roster root" not in out  # nothing was announced


def test_missing_data_folder(tmp_path, capsys):
    """A wrong --data folder is a one-line error, not a traceback."""
    code, _, err = run(capsys, "demo", "--data", str(tmp_path / "nowhere"))
    assert code == 1
    assert "cannot read or write a file" in err


def test_superscript_class_number_is_reported(tmp_path, capsys):
    """A stray '²' in the teams file's 班号 column is reported, not a traceback."""
    data = _copy_demo(tmp_path)
    teams = data / "taobei-2024-primary-teams.csv"
    lines = teams.read_text("utf-8").splitlines(keepends=True)
    lines[2] = "²" + lines[2][1:]
    teams.write_text("".join(lines), "utf-8")
    code, _, err = run(capsys, "demo", "--data", str(data))
    assert code == 1
    assert _issue_row(err, 3, "number")
