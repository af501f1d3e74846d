"""The demo's data files (in ``demo/`` at the top of the tree) and which intake each is."""

from __future__ import annotations

from pathlib import Path

from placement.policy import Level

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
# The demo season's primary and middle intakes (web.demo.season), named here so that
# `placement season --help` needs no database code.
SEASON_INTAKES = ("2024级一年级", "2024级七年级")

DEMOS = {
    "primary": (
        "taobei-2024-primary-school.csv",
        "taobei-2024-primary-teams.csv",
        Level.PRIMARY,
        "洮北区实验小学",
        "2024级一年级",
    ),
    "middle": (
        "taobei-2024-middle-school.csv",
        "taobei-2024-middle-teams.csv",
        Level.MIDDLE,
        "洮北区第二中学",
        "2024级七年级",
    ),
}
