"""Full replay in the browser (issue 6): the verify page reads a public record bundle,
replays the whole draw in JavaScript and agrees with the Python verifier; a tampered
bundle is refused with a named failing check."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from browserkit import VECTORS, Server, install_page
from verifierkit import Keys, Made, demo, keys

from verifier._cli import main as verify_main

__all__ = ["demo", "keys"]  # session fixtures shared with the verifier tests

RESULT_TAG = b"sunshine-placement/v1/result"


def python_view(bundle: bytes) -> tuple[str, list[list[str]]]:
    """Result digest and class lists read in Python, straight from the bundle's bytes."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        general = json.loads(z.read("result.jws"))
        leaves = json.loads(z.read("roster/leaves.json"))
    payload = base64.urlsafe_b64decode(general["payload"] + "=" * (-len(general["payload"]) % 4))
    digest = hashlib.sha256(bytes([len(RESULT_TAG)]) + RESULT_TAG + payload).hexdigest()
    result = json.loads(payload)
    return digest, [[leaves[i]["name"] for i in c["pupils"]] for c in result["classes"]]


def python_verifies(bundle: bytes, ring: Path, tmp: Path) -> int:
    path = tmp / "bundle.zip"
    path.write_bytes(bundle)
    return verify_main([str(path), "--keyring", str(ring)])


def wait_replayed(page: Any) -> dict[str, Any]:
    page.wait_for_selector("body[data-replayed]", state="attached", timeout=120_000)
    assert page.page_errors == []
    result: dict[str, Any] = page.evaluate(
        "() => ({ok: window.replayResult.ok, digest: window.replayResult.resultDigest,"
        " replayed: window.replayResult.replayedDigest,"
        " classes: (window.replayResult.classes || []).map((c) => c.names),"
        " checks: window.replayResult.checks.map((c) => [c.id, c.ok, c.detail])})"
    )
    return result


def failed(result: dict[str, Any]) -> list[str]:
    return [c[0] for c in result["checks"] if not c[1]]


def test_sample_bundle_from_url(page: Any, vector_site: str, webroot: Path):
    """?bundle=URL replays the sample public bundle; the page shows ✓ for every check."""
    src = VECTORS / "record" / "bundle-public.zip"
    (webroot / "vec" / "verify" / "bundle-public.zip").write_bytes(src.read_bytes())
    page.goto(f"{vector_site}?bundle=bundle-public.zip")
    got = wait_replayed(page)
    assert failed(got) == []
    assert got["ok"] is True
    digest, classes = python_view(src.read_bytes())
    assert got["digest"] == got["replayed"] == digest
    assert got["classes"] == classes
    assert page.get_attribute("#replay-verdict", "data-result") == "ok"
    items = page.locator("#replay-checks li")
    assert items.count() == len(got["checks"])
    assert page.locator("#replay-checks li.bad").count() == 0
    assert page.locator('#replay-checks li[data-check="deal"]').get_attribute("class") == "ok"


@pytest.fixture(scope="module")
def demo_site(webroot: Path, server: Server, keys: Keys, tmp_path_factory: pytest.TempPathFactory):
    ring = tmp_path_factory.mktemp("ring") / "keyring.json"
    keys.store.export_public(ring)
    install_page(webroot / "demo" / "verify", ring)
    return f"{server.url}/demo/verify/", ring


def test_demo_bundle_from_file_agrees_with_python(
    page: Any, demo: Made, demo_site: tuple[str, Path], tmp_path: Path
):
    """The 400-pupil demo intake, chosen with the file input: the browser's replay
    reproduces the signed result digest and class lists that Python reads, and the
    Python verifier accepts the same bytes."""
    url, ring = demo_site
    path = tmp_path / "public.zip"
    path.write_bytes(demo.public)
    page.goto(url)
    page.set_input_files("#replay-file", str(path))
    got = wait_replayed(page)
    assert failed(got) == []
    digest, classes = python_view(demo.public)
    assert got["digest"] == got["replayed"] == digest
    assert got["classes"] == classes
    assert sum(len(c) for c in classes) == 400
    assert python_verifies(demo.public, ring, tmp_path) == 0


def rezip(bundle: bytes, change: dict[str, bytes], *, fix_manifest: bool = True) -> bytes:
    """The bundle with members replaced, written as the record writes it (sorted,
    dated 1980-01-01, DEFLATE), with a manifest that lists the new hashes."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members.update(change)
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        for name in change:
            manifest["files"][name] = hashlib.sha256(members[name]).hexdigest()
        members["manifest.json"] = json.dumps(
            manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, members[name])
    return out.getvalue()


def tampered_leaves(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        leaves = json.loads(z.read("roster/leaves.json"))
    leaves[0]["name"] = leaves[0]["name"] + "一"
    return {
        "roster/leaves.json": json.dumps(leaves, ensure_ascii=False, separators=(",", ":")).encode()
    }


def tampered_teams(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        teams = json.loads(z.read("teams.json"))
    teams[0]["head_teacher"] = "冒名顶替"
    return {"teams.json": json.dumps(teams, ensure_ascii=False, separators=(",", ":")).encode()}


def swapped_statement(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        return {"statements/01.jws": z.read("statements/02.jws")}


def dropped_signature_char(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        text = z.read("ceremony.jws").decode()
    i = len(text) - 5
    return {"ceremony.jws": (text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]).encode()}


@pytest.mark.parametrize(
    ("make", "check"),
    [
        (tampered_leaves, "roster_root"),
        (tampered_teams, "teams_root"),
        (swapped_statement, "statements"),
        (dropped_signature_char, "ceremony"),
    ],
)
def test_tampered_bundle_is_refused(
    page: Any, vector_site: str, tmp_path: Path, make: Any, check: str
):
    src = (VECTORS / "record" / "bundle-public.zip").read_bytes()
    bad = rezip(src, make(src))
    path = tmp_path / "bad.zip"
    path.write_bytes(bad)
    page.goto(vector_site)
    page.set_input_files("#replay-file", str(path))
    got = wait_replayed(page)
    assert got["ok"] is False
    assert check in failed(got), got["checks"]
    assert page.get_attribute("#replay-verdict", "data-result") == "bad"
    assert page.locator(f'#replay-checks li[data-check="{check}"]').get_attribute("class") == "bad"
    # the Python verifier refuses the same bytes
    ring = tmp_path / "keyring.json"
    keyring = json.loads((VECTORS / "record" / "keys.json").read_text("utf-8"))["keyring"]
    ring.write_text(json.dumps(keyring), "utf-8")
    assert python_verifies(bad, ring, tmp_path) != 0


def test_unlisted_change_fails_the_manifest(page: Any, vector_site: str, tmp_path: Path):
    src = (VECTORS / "record" / "bundle-public.zip").read_bytes()
    path = tmp_path / "bad.zip"
    path.write_bytes(rezip(src, tampered_leaves(src), fix_manifest=False))
    page.goto(vector_site)
    page.set_input_files("#replay-file", str(path))
    got = wait_replayed(page)
    assert "manifest" in failed(got)
