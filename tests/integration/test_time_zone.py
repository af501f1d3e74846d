"""Times people read are in the policy's zone (Beijing), never the server's ``TZ``: the
same draw made and printed under ``TZ=UTC`` and under ``TZ=America/New_York`` gives the
same pages (HTML), the same sheets (PDF text and pixels) and the same signed times."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parent / "tzkit.py"
ZONES = ("UTC", "America/New_York")


def _seen(out: Path) -> dict[str, str]:
    data = json.loads((out / "seen.json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_same_draw_reads_the_same_in_every_server_zone(tmp_path: Path) -> None:
    runs = {}
    for zone in ZONES:
        env = {**os.environ, "TZ": zone}
        env.pop("PLACEMENT_TEST_DATABASE_URL", None)
        out = tmp_path / zone.replace("/", "-")
        runs[zone] = (out, subprocess.Popen([sys.executable, str(KIT), str(out)], env=env))
    for zone, (_, proc) in runs.items():
        assert proc.wait() == 0, zone
    utc, new_york = (_seen(runs[z][0]) for z in ZONES)
    assert sorted(utc) == sorted(new_york)
    assert any(k.startswith("pdf-pixels:") for k in utc)
    for name, page in utc.items():
        diff = difflib.unified_diff(page.splitlines(), new_york[name].splitlines(), lineterm="")
        assert page == new_york[name], (name, "\n".join(list(diff)[:20]))
    # And they are Beijing times: the draw ran at 07:30 Beijing (23:30 UTC the day before).
    assert "2024-08-14T07:30:12+08:00" in utc["state"]  # signed, with its offset
    assert ">2024-08-14 07:30</dd>" in utc["results"]
    assert "2024-08-14 07:30:1" in utc["intake"]  # the audit list
    assert "2024-08-14 07:30:1" in utc["admin"]
    pdf = next(v for k, v in utc.items() if k.startswith("pdf-text:"))
    assert "2024年8月14日 07:30" in pdf  # the ceremony record sheet


@pytest.mark.parametrize("zone", ZONES)
def test_default_clocks_are_in_the_policy_zone(zone: str) -> None:
    code = (
        "from web.service import instance, services; from web.cli import record; "
        "print(instance.now().utcoffset(), services._now().utcoffset(), "
        "record._now().utcoffset())"
    )
    env = {**os.environ, "TZ": zone}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["8:00:00"] * 3
