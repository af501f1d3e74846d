"""``verify-placement`` end to end: good records verify, output shapes, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from forge import members
from verifierkit import ROOT, Keys, Made

from verifier._cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, small: Made, demo: Made, keys: Keys) -> Path:
    """The fixtures' records written out as a parent association would receive them."""
    d = tmp_path_factory.mktemp("inputs")
    (d / "small-public.zip").write_bytes(small.public)
    (d / "small-archive.zip").write_bytes(small.archive)
    (d / "demo-public.zip").write_bytes(demo.public)
    (d / "demo-archive.zip").write_bytes(demo.archive)
    (d / "receipt.json").write_text(json.dumps(small.receipt, ensure_ascii=False), "utf-8")
    (d / "announcement.jws").write_bytes(members(small.public)["announcement.jws"])
    (d / "statement.jws").write_bytes(members(small.public)["statements/02.jws"])
    (d / "ceremony.jws").write_bytes(members(small.public)["ceremony.jws"])
    keys.store.export_public(d / "keyring.json")
    return d


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize(
    "name", ["small-public.zip", "small-archive.zip", "demo-public.zip", "demo-archive.zip"]
)
@pytest.mark.parametrize("trusted", [False, True])
def test_good_bundles_verify(files: Path, capsys, name: str, trusted: bool):
    args = [files / name] + (["--keyring", files / "keyring.json"] if trusted else [])
    code, out, err = run(capsys, *args)
    if trusted:
        assert code == 0, out
        assert "VERIFIED — all" in out
        assert "核验通过" in out
    else:  # only the bundle's own keys: a distinct verdict and exit status (spec §23.2)
        assert code == 3, out
        assert "VERIFIED WITH THE BUNDLE'S OWN KEYS ONLY — NOT AUTHENTICATED" in out
        assert "仅按记录包自带公钥核验" in out
    assert not err


def test_cancelled_bundle_verifies(tmp_path: Path, cancelled: bytes, capsys):
    (tmp_path / "c.zip").write_bytes(cancelled)
    code, out, _ = run(capsys, tmp_path / "c.zip")
    assert code == 3, out  # verified with the bundle's own keys only
    assert "cancelled" in out


def test_table_names_every_check_in_both_languages(files: Path, capsys):
    code, out, _ = run(capsys, files / "small-archive.zip", "--keyring", files / "keyring.json")
    assert code == 0
    for check in ("bundle.manifest", "signature.result", "draw.replay", "log.inclusion"):
        assert check in out
    assert "[通过 PASS]" in out
    assert "[跳过 SKIP]" in out
    assert out.rstrip().splitlines()[-1].startswith("Verdict: VERIFIED")


def test_json_output_shape(files: Path, capsys):
    code, out, _ = run(capsys, files / "small-public.zip", "--json")
    doc = json.loads(out)
    assert code == 3 == doc["exit_code"]
    assert doc["trust"] == "bundle"
    assert set(doc) == {
        "kind", "source", "verified", "exit_code", "trust", "verdict_zh", "verdict_en", "summary",
        "checks",
    }  # fmt: skip
    assert doc["kind"] == "bundle"
    assert doc["verified"] is True
    assert set(doc["summary"]) == {"pass", "fail", "skip"}
    names = [c["name"] for c in doc["checks"]]
    assert len(names) == len(set(names)) == sum(doc["summary"].values())
    for c in doc["checks"]:
        assert set(c) == {
            "name", "title_zh", "title_en", "status", "optional", "message_zh", "message_en",
        }  # fmt: skip
        assert c["status"] in {"pass", "fail", "skip"}
        assert c["status"] != "skip" or c["optional"]
        assert all(isinstance(c[k], str) and c[k] for k in ("title_zh", "message_en"))
    counts = Counter(c["status"] for c in doc["checks"])
    assert {s: counts[s] for s in doc["summary"]} == doc["summary"]


def test_failed_bundle_exit_1(files: Path, tmp_path: Path, capsys):
    data = bytearray((files / "small-public.zip").read_bytes())
    data[200] ^= 0xFF
    (tmp_path / "bad.zip").write_bytes(bytes(data))
    code, out, _ = run(capsys, tmp_path / "bad.zip", "--json")
    doc = json.loads(out)
    assert code == 1 == doc["exit_code"]
    assert doc["verified"] is False
    assert any(c["status"] == "fail" for c in doc["checks"])
    code, out, _ = run(capsys, tmp_path / "bad.zip")
    assert code == 1
    assert "NOT VERIFIED" in out
    assert "核验未通过" in out


class TestStatements:
    def test_text_and_link_and_file(self, files: Path, capsys):
        text = (files / "statement.jws").read_text()
        ring = files / "keyring.json"
        for target in (text, f"https://verify.example.cn/verify#{text}", files / "statement.jws"):
            code, out, _ = run(capsys, target, "--keyring", ring)
            assert code == 0, out
            assert "signature.statement" in out
            assert "班主任" in out

    def test_without_keyring_is_not_verified(self, files: Path, capsys):
        code, out, _ = run(capsys, files / "statement.jws")
        assert code == 1
        assert "no keyring" in out
        assert "could not be done" in out

    def test_other_document(self, files: Path, capsys):
        code, out, _ = run(capsys, files / "ceremony.jws", "--keyring", files / "keyring.json")
        assert code == 0, out
        assert "ceremony signature valid" in out

    def test_damaged_statement(self, files: Path, capsys):
        text = (files / "statement.jws").read_text()
        damaged = text[:40] + ("A" if text[40] != "A" else "B") + text[41:]
        code, out, _ = run(capsys, damaged, "--keyring", files / "keyring.json")
        assert code == 1
        assert "[失败 FAIL] signature.statement" in out


class TestReceipts:
    def test_receipt_with_announcement(self, files: Path, capsys):
        code, out, _ = run(
            capsys,
            files / "receipt.json",
            "--announcement",
            files / "announcement.jws",
            "--keyring",
            files / "keyring.json",
        )
        assert code == 0, out
        assert "receipt.announcement" in out

    def test_receipt_alone(self, files: Path, capsys):
        """A receipt is never verified on its own (spec §21.5): it names the root to compare."""
        code, out, _ = run(capsys, files / "receipt.json")
        assert code == 1, out
        assert "never verified on its own" in out
        assert "is not confirmed" in out


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01garbage\xff", b"just some text", b'{"t": "something else"}', b"[1, 2, 3]"],
)
def test_unusable_input_exit_2(tmp_path: Path, capsys, content: bytes):
    path = tmp_path / "input.bin"
    path.write_bytes(content)
    code, out, err = run(capsys, path)
    assert code == 2
    assert "verify-placement:" in err
    assert not out
    code, out, _ = run(capsys, path, "--json")
    assert code == 2
    assert json.loads(out)["exit_code"] == 2


def test_missing_file_and_bad_keyring(tmp_path: Path, files: Path, capsys):
    assert run(capsys, tmp_path / "nowhere.zip")[0] == 2
    (tmp_path / "ring.json").write_text('{"keys": "nope"}')
    code, _, err = run(capsys, files / "small-public.zip", "--keyring", tmp_path / "ring.json")
    assert code == 2
    assert "keyring" in err
    assert run(capsys, files / "receipt.json", "--announcement", tmp_path / "none")[0] == 2
    assert run(capsys, "--no-such-option")[0] == 2


def test_python_dash_m(files: Path):
    """``python -m verifier`` is the same program; its output has no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "verifier", str(files / "small-public.zip")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 3, done.stdout + done.stderr  # own keys only (§23.2)
    assert "VERIFIED" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "verifier", "/dev/null"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
