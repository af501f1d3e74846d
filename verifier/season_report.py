"""``verify-placement season.zip [--draw draw.zip]``: every season check, one report."""

from __future__ import annotations

from placement.keyring import Keyring
from placement.season.documents import BUNDLE
from verifier import season, season_archive
from verifier.checks import run
from verifier.container import read_members
from verifier.report import Report
from verifier.season_record import SeasonRecord


def is_season_bundle(data: bytes) -> bool:
    """Does this zip's manifest say it is a season bundle? (Damaged zips: no.)"""
    try:
        manifest = read_members(data).get("manifest.json", b"")
    except Exception:  # noqa: BLE001 - anything unreadable is left to the draw verifier
        return False
    return f'"t":"{BUNDLE}"'.encode() in manifest


def verify_season(
    data: bytes, *, trusted: Keyring | None = None, draw: bytes | None = None, source: str = ""
) -> Report:
    rec = SeasonRecord(data, trusted=trusted, draw=draw)
    specs = (*season.checks.specs, *season_archive.checks.specs)
    # Spec §23.2: without a trusted keyring the signatures were only checked against the
    # bundle's own keys, and the verdict (and exit status) says so.
    trust = "keyring" if trusted is not None else "bundle"
    return Report("season", source, tuple(run(specs, rec)), trust=trust)
