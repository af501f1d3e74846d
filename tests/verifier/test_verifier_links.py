"""Links printed on sheets (spec §18) are accepted by the standalone verifier as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from placement.canonical import canonical_json
from placement.jws import b64u, deflate
from verifier._cli import main

RECORD = Path(__file__).parents[1] / "vectors" / "v1" / "record"


def digits(text: str) -> str:
    """Spec §18: each character c as the two decimal digits of ord(c) − 45."""
    return "".join(f"{ord(c) - 45:02d}" for c in text)


@pytest.fixture(scope="module")
def statement() -> str:
    cases = json.loads((RECORD / "jws.json").read_text("utf-8"))["cases"]
    case = next(c for c in cases if c["name"] == "class-statement-1")
    return str(case["expected"]["compact"])


@pytest.fixture(scope="module")
def keyring(tmp_path_factory) -> str:
    keys = json.loads((RECORD / "keys.json").read_text("utf-8"))
    path = tmp_path_factory.mktemp("k") / "keyring.json"
    path.write_text(json.dumps(keys["keyring"], ensure_ascii=False), "utf-8")
    return str(path)


def test_statement_link_verifies(statement, keyring, capsys):
    """A class list's QR link (#n=digits) verifies against the bureau keyring."""
    url = "https://verify.taobei.edu.example/verify#n=" + digits(statement)
    assert main([url, "--keyring", keyring]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_tampered_statement_link_fails(statement, keyring, capsys):
    """Changing one digit of the printed link makes verification fail, never crash."""
    d = digits(statement)
    i = len(d) // 2
    bad = d[:i] + ("1" if d[i] != "1" else "2") + d[i + 1 :]
    code = main(["https://x.example/verify#n=" + bad, "--keyring", keyring])
    assert code in (1, 2)
    assert "Traceback" not in capsys.readouterr().err


def test_receipt_link_verifies(capsys, tmp_path: Path):
    """A v1 admission notice's QR link (#r=digits of deflated JCS) verifies as a receipt,
    against the signed announcement only (spec §21.5): alone it is refused."""
    vector = json.loads((RECORD / "receipt.json").read_text("utf-8"))
    url = "https://v.example/verify#r=" + digits(b64u(deflate(canonical_json(vector["receipt"]))))
    assert main([url]) == 1
    (tmp_path / "a.jws").write_text(vector["announcement"], "utf-8")
    ring = json.loads((RECORD / "keys.json").read_text("utf-8"))["keyring_canonical"]
    (tmp_path / "k.json").write_text(ring, "utf-8")
    assert (
        main(
            [url, "--announcement", str(tmp_path / "a.jws"), "--keyring", str(tmp_path / "k.json")]
        )
        == 0
    )
    assert "Traceback" not in capsys.readouterr().err


def test_garbled_link_is_unusable(capsys):
    """An odd number of digits is unusable input (exit 2) with a plain message."""
    assert main(["https://v.example/verify#n=123"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
