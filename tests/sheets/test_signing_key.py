"""The key a sheet names (spec §18.2, §23.1): v1 sheets print the kid's 4-byte key id,
v2 sheets the key's 80-bit fingerprint, the pin ``verify-placement --key-fingerprint``
takes and the verify page shows as 密钥指纹."""

from __future__ import annotations

from pathlib import Path

import pytest
from sheetkit import Made, make_record, need_tools, pdf_text

from keys.store import KeyStore
from placement.keyring import key_fingerprint
from web.cli import main
from web.sheets import render
from web.sheets.options import Options
from web.sheets.pages import announcement, class_list
from web.sheets.source import load

BUREAU = "taobei.edu.example/bureau-2024"


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory, store: KeyStore) -> Made:
    return make_record(
        tmp_path_factory.mktemp("v2-key"),
        store,
        school="洮北区第二中学",
        draw_id="test-2024-key-v2",
        n=30,
        version=2,
    )


def _bureau_vkey(store: KeyStore) -> str:
    (entry,) = [k for k in store.keyring().keys if k.name == BUREAU]
    return entry.vkey


def test_v2_class_list_prints_the_fingerprint(v2: Made, store: KeyStore):
    """Given the keyring, a v2 class list prints the bureau key's fingerprint, not its id."""
    src = load(v2.draw)
    vkey = _bureau_vkey(store)
    keys = tuple(k.vkey for k in store.keyring().keys)
    html = class_list(src, 1, "gate", Options(keys=keys))
    assert f'密钥指纹 <span class="mono">{key_fingerprint(vkey)}</span>' in html
    key_id = src.classes[0].kid.rsplit("+", 1)[1]
    assert key_id not in html
    assert key_fingerprint(vkey) in announcement(src, Options(keys=keys))


def test_v2_without_the_keyring_says_so(v2: Made):
    """Not given the keyring, a v2 sheet prints the key id as an id, never as a
    fingerprint (a 4-byte id must not be taken for a pin)."""
    src = load(v2.draw)
    html = class_list(src, 1, "gate", Options())
    key_id = src.classes[0].kid.rsplit("+", 1)[1]
    assert f'密钥编号 <span class="mono">{key_id}</span>，打印时未提供公钥清单' in html
    assert "密钥指纹" not in html


def test_v1_keeps_the_key_id(tmp_path: Path, store: KeyStore):
    made = make_record(tmp_path, store, school="洮北区第二中学", draw_id="test-2024-key-v1", n=30)
    src = load(made.draw)
    keys = tuple(k.vkey for k in store.keyring().keys)
    html = class_list(src, 1, "gate", Options(keys=keys))
    key_id = src.classes[0].kid.rsplit("+", 1)[1]
    assert f'密钥指纹 <span class="mono">{key_id}</span>' in html
    assert key_fingerprint(_bureau_vkey(store)) not in html


def test_print_takes_the_keys_of_its_key_store(v2: Made, store: KeyStore, tmp_path: Path):
    """``placement print --keys STORE``: the printed PDF carries the fingerprint."""
    need_tools()
    argv = ["print", "--dir", str(v2.draw), "--out", str(tmp_path), "--copies", "gate"]
    assert main([*argv, "--keys", str(store.directory)]) == 0
    (parts,) = (tmp_path / ".parts").iterdir()
    text = pdf_text(parts / "02-gate.pdf")
    assert key_fingerprint(_bureau_vkey(store)) in text
    data, _ = render.pdf_pages(class_list(load(v2.draw), 1, "gate", Options()))
    (tmp_path / "nokeys.pdf").write_bytes(data)
    assert key_fingerprint(_bureau_vkey(store)) not in pdf_text(tmp_path / "nokeys.pdf")
