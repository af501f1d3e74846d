"""The parent's path (issue 6): a printed sheet's QR code opens the verify page in a
real browser, which shows ✓ and the names printed on the sheet; a changed code, an
unknown key or a key without the right shows ✗ with a reason."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from browserkit import (
    Server,
    checks,
    from_digits,
    install_page,
    names,
    open_verified,
    printed_rows,
    to_digits,
    vector_keyring,
    verdict,
)

from keys.store import KeyStore
from placement.keyring import KeyRole
from tests.sheets.sheetkit import PASSPHRASE, make_record, need_tools, pdf_text, qr_codes
from web.cli import main

PORTAL = {
    "hotline": "0436-1234567",
    "procedure_zh": "对分班结果有异议的，请于公示之日起7日内向区教育局书面申诉。",
    "procedure_en": "Appeal in writing to the district bureau within 7 days of the notice.",
}


@dataclass(frozen=True)
class Sheets:
    base: str  # the verify page's URL, as printed in the QR codes
    parts: Path
    keyring: Path
    site: Path
    codes: dict[str, str]  # part name → decoded QR text (first code of its first page)


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory, webroot: Path, server: Server) -> Sheets:
    need_tools()
    tmp = tmp_path_factory.mktemp("parent")
    store = KeyStore(tmp / "keys", kdf_rounds=1_000)
    store.init()
    since = date(2024, 6, 1)
    bureau = "taobei.edu.example/bureau-2024"
    store.create(bureau, KeyRole.BUREAU, "洮北区教育局", since, PASSPHRASE)
    store.create("taobei.edu.example/log-2024", KeyRole.LOG, "透明日志", since, PASSPHRASE)
    made = make_record(tmp, store, school="洮北区第三中学", draw_id="browser-2024-parent", n=60)
    site = install_page(webroot / "parent" / "verify", made.keyring, PORTAL)
    base = f"{server.url}/parent/verify/"
    out = tmp / "out"
    argv = ["print", "--dir", str(made.draw), "--out", str(out), "--copies", "gate"]
    argv += ["--notices", "--jobs", "2", "--base-url", base]
    assert main(argv) == 0
    (parts,) = (out / ".parts").iterdir()
    codes = {}
    for pdf in sorted(parts.glob("*.pdf")):
        if pdf.stem.startswith("90-notices"):
            continue  # decoded on demand below (one page is enough)
        # one code a page, named after the sheet: the front part holds the announcement
        # and the ceremony record, a copy's part one class list a page
        for found in qr_codes(pdf, tmp / "png" / pdf.stem):
            codes[SHEETS.get((pdf.stem, found.page), f"{pdf.stem}-class-{found.page:02d}")] = (
                found.text
            )
    return Sheets(base, parts, made.keyring, site, codes)


SHEETS = {("00-front", 1): "00-announcement", ("00-front", 2): "01-ceremony"}


def notice_code(sheets: Sheets, tmp: Path) -> str:
    import subprocess  # noqa: PLC0415

    import zxingcpp  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    pdf = next(iter(sorted(sheets.parts.glob("90-notices-*.pdf"))))
    args = ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp / "n")]
    subprocess.run(args, check=True)
    (png,) = tmp.glob("n*.png")
    with Image.open(png) as img:
        (found,) = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    return str(found.text)


def open_url(page: Any, url: str) -> None:
    open_verified(page, url)
    assert page.page_errors == []


@pytest.mark.parametrize("number", [1, 2])
def test_class_list_code_shows_the_printed_names(page: Any, sheets: Sheets, number: int):
    part = f"02-gate-class-{number:02d}"
    url = sheets.codes[part]
    assert url.startswith(f"{sheets.base}#n=")
    open_url(page, url)
    assert verdict(page) == "ok"
    assert page.inner_text("#mark") == "✓"
    text = pdf_text(sheets.parts / "02-gate.pdf", layout=True, page=number)
    rows = printed_rows(text)
    assert len(rows) == 30
    assert names(page) == [name for _, name, _ in rows]
    shown_sex = page.locator("#names tbody tr td:nth-child(3)").all_text_contents()
    assert shown_sex == [sex for _, _, sex in rows]
    assert set(checks(page).values()) == {True}
    # the key named on the sheet is the key the page checked
    details = page.inner_text("#details")
    kid = page.locator("#details dd.mono").nth(1).inner_text()
    assert kid.startswith("taobei.edu.example/bureau-2024+")
    name, key_id = kid.split("+")
    plain = pdf_text(sheets.parts / "02-gate.pdf", page=number)
    assert f"{name}（密钥指纹 {key_id}）" in plain, "the sheet names the same key and fingerprint"
    assert page.locator("#details dd.mono").nth(2).inner_text() == key_id
    assert "2024-08-14" in details  # the signing day
    assert "洮北区第三中学" in details
    # the complaint text comes from portal.json
    assert PORTAL["hotline"] in page.inner_text("#complaint")
    assert PORTAL["procedure_zh"] in page.inner_text("#complaint")


def test_english_switch(page: Any, sheets: Sheets):
    open_url(page, sheets.codes["02-gate-class-01"])
    page.click("#lang")
    assert "authentic" in page.inner_text("#headline")
    assert PORTAL["procedure_en"] in page.inner_text("#complaint")
    page.click("#lang")
    assert "名单真实有效" in page.inner_text("#headline")


@pytest.mark.parametrize(("part", "kind"), [("00-announcement", "公告"), ("01-ceremony", "仪式")])
def test_announcement_and_ceremony_codes(page: Any, sheets: Sheets, part: str, kind: str):
    open_url(page, sheets.codes[part])
    assert verdict(page) == "ok", page.inner_text("#reason")
    assert kind in page.inner_text("#headline")
    if part == "01-ceremony":
        assert checks(page)["final_seed"] is True


def test_without_trailing_slash(page: Any, sheets: Sheets):
    """A base URL ending in /verify reaches the page through the server's redirect
    to /verify/, and the fragment survives it."""
    url = sheets.codes["02-gate-class-01"].replace("/verify/#", "/verify#")
    open_url(page, url)
    assert verdict(page) == "ok"


def changed(url: str, where: str) -> str:
    base, _, digits = url.partition("#n=")
    text = from_digits(digits)
    header, payload, sig = text.split(".")
    if where == "payload":
        i = len(payload) // 2
        payload = payload[:i] + ("A" if payload[i] != "A" else "B") + payload[i + 1 :]
    elif where == "signature":
        sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    else:
        header = header[:10] + ("A" if header[10] != "A" else "B") + header[11:]
    return f"{base}#n={to_digits(f'{header}.{payload}.{sig}')}"


@pytest.mark.parametrize("where", ["payload", "signature", "header"])
def test_one_changed_character_is_refused(page: Any, sheets: Sheets, where: str):
    open_url(page, changed(sheets.codes["02-gate-class-01"], where))
    assert verdict(page) == "bad"
    assert page.inner_text("#mark") == "✗"
    reason = page.inner_text("#reason")
    assert reason.strip()
    code = page.get_attribute("#reason", "data-code")
    assert code in {"signature", "header", "json", "utf8", "canonical", "base64url"}, reason
    if where != "header":
        assert code == "signature"
        assert "签名无效" in reason
    assert page.locator("#names").count() == 0, "no names are shown for a refused list"


def test_damaged_digits_are_refused(page: Any, sheets: Sheets):
    url = sheets.codes["02-gate-class-01"]
    open_url(page, url[:-1])  # an odd number of digits
    assert verdict(page) == "bad"
    assert page.get_attribute("#reason", "data-code") == "digits"
    open_url(page, url[:-2] + "99")  # a pair that is no character
    assert page.get_attribute("#reason", "data-code") == "digits"


def test_receipt_from_admission_notice(page: Any, sheets: Sheets, tmp_path: Path):
    url = notice_code(sheets, tmp_path)
    assert url.startswith(f"{sheets.base}#r=")
    open_url(page, url)
    # never on its own (spec §21.5): a fresh phone has no signed announcement to hold it to
    assert verdict(page) == "bad", page.inner_text("#reason")
    got = checks(page)
    assert got["receipt_private"] is got["receipt_inclusion"] is True
    assert got["receipt_announcement"] is False
    # after the announcement's code was verified here, the receipt is checked against it
    open_url(page, sheets.codes["00-announcement"])
    open_url(page, url)
    assert checks(page)["receipt_announcement"] is True
    assert verdict(page) == "ok"


def test_forged_one_leaf_receipt(page: Any, sheets: Sheets, tmp_path: Path):
    """A receipt whose roster is its own leaf (root = leaf hash, size 1) is ✗: on a fresh
    phone, and after the real announcement was verified on it."""
    import zlib  # noqa: PLC0415

    from placement.canonical import canonical_json  # noqa: PLC0415
    from placement.jws import b64u  # noqa: PLC0415
    from placement.merkle import leaf_hash  # noqa: PLC0415
    from verifier.links import fragment_payload  # noqa: PLC0415

    real = json.loads(fragment_payload(notice_code(sheets, tmp_path).split("#", 1)[1])[1])
    root = leaf_hash(canonical_json(real["leaf"])).hex()
    forged = {**real, "index": 0, "size": 1, "proof": [], "root": root}
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    text = b64u(z.compress(canonical_json(forged)) + z.flush())
    url = f"{sheets.base}#r=" + "".join(f"{ord(c) - 45:02d}" for c in text)
    open_url(page, url)
    assert verdict(page) == "bad"
    assert checks(page)["receipt_inclusion"] is True  # its own arithmetic holds …
    open_url(page, sheets.codes["00-announcement"])
    open_url(page, url)
    assert verdict(page) == "bad"  # … the signed announcement does not carry its root
    assert checks(page)["receipt_announcement"] is False


def _site(webroot: Path, server: Server, name: str, ring: dict[str, Any]) -> str:
    install_page(webroot / name / "verify", ring)
    return f"{server.url}/{name}/verify/"


def test_unknown_key(page: Any, sheets: Sheets, webroot: Path, server: Server):
    """A page pinned to another keyring does not know the sheet's key."""
    base = _site(webroot, server, "otherkeys", vector_keyring())
    open_url(page, sheets.codes["02-gate-class-01"].replace(sheets.base, base))
    assert verdict(page) == "bad"
    assert page.get_attribute("#reason", "data-code") == "unknown_key"
    assert checks(page)["signature"] is False


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"role": "supervisor"}, "role"),
        ({"revoked": {"date": "2024-08-01", "reason": "lost"}}, "key_validity"),
        ({"valid_from": "2024-09-01"}, "key_validity"),
        ({"retired": "2024-08-01"}, "key_validity"),
    ],
)
def test_key_without_the_right(
    page: Any, sheets: Sheets, webroot: Path, server: Server, change: dict[str, Any], code: str
):
    ring = json.loads(sheets.keyring.read_text("utf-8"))
    for k in ring["keys"]:
        if k["role"] == "bureau":
            k.update(change)
    base = _site(webroot, server, f"ring-{code}-{next(iter(change))}", ring)
    open_url(page, sheets.codes["02-gate-class-01"].replace(sheets.base, base))
    assert verdict(page) == "bad"
    assert page.get_attribute("#reason", "data-code") == code


def test_fragment_never_leaves_the_page(page: Any, sheets: Sheets):
    """No request the page makes carries the code (fragments are never sent, and the
    page puts it in no URL or body)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url + (r.post_data or "")))
    url = sheets.codes["02-gate-class-01"]
    open_url(page, url)
    digits = url.partition("#n=")[2]
    jws = from_digits(digits)
    assert seen
    assert not [s for s in seen if digits[:40] in s or jws[:40] in s]
