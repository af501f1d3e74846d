"""Bundles frozen at release must verify with every later version of the verifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier._cli import main

FROZEN = Path(__file__).parent / "frozen"
BUNDLES = sorted(FROZEN.glob("*/bundle-*.zip"))


def test_there_are_frozen_bundles():
    """The frozen set is not silently empty."""
    assert len(BUNDLES) >= 3


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_frozen_bundle_still_verifies(bundle: Path, capsys):
    """An archived bundle from an earlier release verifies today, alone and against its keyring.

    Alone, only the bundle's own keys vouch for it: protocol v2 (§23.2) says so with exit 3."""
    assert main([str(bundle)]) == 3
    assert main([str(bundle), "--keyring", str(bundle.parent / "keyring.json")]) == 0
    assert "Traceback" not in capsys.readouterr().err
