"""Signed records made with the real record flow, then printed with the real tools.

A middle-school intake of 100 pupils in two classes of 50 (the most a class list
must hold on one page), with flags and 学籍号 that must stay off the gate copy, is
announced, witnessed and revealed; ``placement print`` then renders every sheet.
"""

from __future__ import annotations

from datetime import date

import pytest
from sheetkit import PASSPHRASE, Made, Printed, make_record, need_tools

from keys.store import KeyStore
from placement.keyring import KeyRole
from web.cli import main


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    s = KeyStore(tmp_path_factory.mktemp("keys") / "store", kdf_rounds=1_000)
    s.init()
    s.create(
        "taobei.edu.example/bureau-2024",
        KeyRole.BUREAU,
        "洮北区教育局",
        date(2024, 6, 1),
        PASSPHRASE,
    )
    s.create("taobei.edu.example/log-2024", KeyRole.LOG, "透明日志", date(2024, 6, 1), PASSPHRASE)
    return s


@pytest.fixture(scope="session")
def middle(tmp_path_factory: pytest.TempPathFactory, store: KeyStore) -> Made:
    return make_record(
        tmp_path_factory.mktemp("middle"),
        store,
        school="洮北区第二中学",
        draw_id="test-2024-middle",
        n=100,
    )


@pytest.fixture(scope="session")
def printed(tmp_path_factory: pytest.TempPathFactory, middle: Made) -> Printed:
    need_tools()
    out = tmp_path_factory.mktemp("printed")
    argv = ["print", "--dir", str(middle.draw), "--out", str(out), "--notices", "--jobs", "2"]
    assert main(argv) == 0
    (parts,) = (out / ".parts").iterdir()
    return Printed(middle, out, out / "洮北区第二中学.pdf", parts)
