"""Exceptions and the v2 privacy property (spec §20.1, §E5), attacked on the vectors.

The attacker reads every public exception document and pairs each name it can tie to a
leaf: the name of an added pupil with the leaf its request carries, and a removed or
moved pupil with a leaf index its request names. On the v1 vectors this proves the flag
of the late 王浩宇 (留守儿童); on the v2 vectors of the same story it proves nothing,
though the archive shows that pupil is flagged.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from placement import jws

VECTORS = Path(__file__).resolve().parent


def _members(version: int, name: str) -> dict[str, bytes]:
    data = (VECTORS / f"v{version}" / "exceptions" / name).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _requests(members: dict[str, bytes]) -> list[dict[str, Any]]:
    return [
        jws.parse(members[p].decode()).document()
        for p in sorted(members)
        if p.startswith("exceptions/") and p.endswith(".request.jws")
    ]


def proven_flagged(version: int) -> set[str]:
    """Names whose leaf — tied to them by an exception document — carries a stratum."""
    members = _members(version, "bundle-public.zip")
    leaves = json.loads(members["roster/leaves.json"])
    found = set()
    for req in _requests(members):
        detail = req["detail"]
        leaf = detail.get("leaf")
        if isinstance(leaf, dict):
            name = detail.get("name", leaf.get("name"))
            if leaf["stratum"] or leaf["twin"]:
                found.add(str(name))
        pupil = detail.get("pupil")
        moved = [c["pupil"] for c in detail.get("changes", [])]
        for index in [pupil, *moved]:
            if isinstance(index, int) and index < len(leaves) and leaves[index]["stratum"]:
                found.add(f"leaf {index}")
    return found


def test_the_attack_works_on_v1_exceptions() -> None:
    assert "王浩宇" in proven_flagged(1)


def test_v2_exceptions_prove_no_flag() -> None:
    assert proven_flagged(2) == set()
    # … although the late 王浩宇 is flagged (the archive opens it)
    late = json.loads(_members(2, "bundle-archive.zip")["private/late-leaves.json"])
    assert any(p["name"] == "王浩宇" and p["flags"] for p in late.values())


def test_v2_requests_name_no_leaf_index() -> None:
    for req in _requests(_members(2, "bundle-public.zip")):
        detail = req["detail"]
        assert not isinstance(detail.get("pupil"), int)
        assert all(not isinstance(c["pupil"], int) for c in detail.get("changes", []))
