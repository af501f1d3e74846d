"""The announcement: everything fixed before the draw, and its digest (spec §7).

Published (and, from the signed-record layer on, signed) before any witness
speaks: it freezes the roster, the teacher teams, the algorithm and the seed
commitment, so nothing that decides the result can change afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from placement.canonical import TAG_ANNOUNCEMENT, Json, canonical_json, nfc, tagged_hash
from placement.commitment import PublicLeaf
from placement.deal import ALGORITHM
from placement.errors import PlacementError
from placement.policy import Level

ANNOUNCEMENT_TYPE = "sunshine-placement/v1/announcement"
ANNOUNCEMENT_TYPE_V2 = "sunshine-placement/v2/announcement"
TAG_NAMES = "sunshine-placement/v2/names"


class AnnouncementError(PlacementError):
    """An announcement field is malformed."""


@dataclass(frozen=True, slots=True)
class Announcement:
    draw_id: str  # e.g. "taobei-2024-shiyan-primary"
    district: str
    school: str
    intake: str  # e.g. "2024级一年级"
    level: Level
    year: int
    policy: str  # policy profile key
    class_cap: int
    roster_root: bytes
    roster_size: int
    strata: tuple[tuple[str, int], ...]  # balance set → pupils, see ``stratum_counts``
    teams_root: bytes
    team_count: int
    seed_commitment: bytes
    size_tolerance: int
    beacon: str | None  # the public beacon round declared in advance, if any
    witnesses: tuple[str, ...]  # planned witnesses (roles and names, as published)
    scheduled: str  # planned start, ISO 8601 local time with offset, passed in
    algorithm: str = ALGORITHM
    names: bytes | None = None  # v2 (§21.2): digest of the roster's sorted [name, sex] pairs
    # Part S (S9): the digest of the season's roster derivation this draw uses, if any.
    enrolment: bytes | None = None

    @property
    def version(self) -> int:
        return 1 if self.names is None else 2

    def to_json(self) -> dict[str, Json]:
        doc = self._fields()
        if self.names is not None:
            doc["names"] = self.names.hex()
            doc["t"] = ANNOUNCEMENT_TYPE_V2
        if self.enrolment is not None:
            doc["enrolment"] = self.enrolment.hex()
        return doc

    def _fields(self) -> dict[str, Json]:
        return {
            "algorithm": self.algorithm,
            "beacon": self.beacon,
            "class_cap": self.class_cap,
            "district": nfc(self.district),
            "draw_id": self.draw_id,
            "intake": nfc(self.intake),
            "level": self.level.value,
            "policy": self.policy,
            "roster": {"root": self.roster_root.hex(), "size": self.roster_size},
            "scheduled": self.scheduled,
            "school": nfc(self.school),
            "seed_commitment": self.seed_commitment.hex(),
            "size_tolerance": self.size_tolerance,
            "strata": dict(self.strata),
            "t": ANNOUNCEMENT_TYPE,
            "teams": {"count": self.team_count, "root": self.teams_root.hex()},
            "witnesses": [nfc(w) for w in self.witnesses],
            "year": self.year,
        }

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    def digest(self) -> bytes:
        """H(t, JCS): the v1 tag is the v1 type; a v2 announcement is hashed under its own
        type (§14, §21.2), so no v2 announcement shares a digest with a v1 one."""
        tag = TAG_ANNOUNCEMENT if self.names is None else ANNOUNCEMENT_TYPE_V2
        return tagged_hash(tag, self.canonical())


def names_digest(pairs: Sequence[tuple[str, str]]) -> bytes:
    """v2 (§21.2): the roster's names and sexes ("F"/"M"), as a multiset."""
    return tagged_hash(TAG_NAMES, canonical_json([[n, s] for n, s in sorted(pairs)]))


def stratum_counts(leaves: Sequence[PublicLeaf]) -> tuple[tuple[str, int], ...]:
    """Pupils per balance set, as published: sexes, opaque strata, twin units."""
    # str + StrEnum is the plain text "sex:F" (the enum's .value is a slow property).
    c = Counter("sex:" + leaf.sex for leaf in leaves)
    c.update("stratum:" + leaf.stratum for leaf in leaves if leaf.stratum)
    c.update("twin:" + leaf.twin_wish for leaf in leaves if leaf.twin)
    return tuple(sorted(c.items()))


def from_json(doc: dict[str, Json]) -> Announcement:
    """Parse a published announcement; refuses anything not exactly of this version."""
    if not isinstance(doc, dict):
        raise AnnouncementError("an announcement is a JSON object")
    try:
        if doc.get("t") not in {ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2}:
            raise AnnouncementError(f"not a {ANNOUNCEMENT_TYPE} document")
        names = doc.get("names") if doc.get("t") == ANNOUNCEMENT_TYPE_V2 else None
        roster, teams, strata = doc["roster"], doc["teams"], doc["strata"]
        witnesses = doc["witnesses"]
        if not (isinstance(roster, dict) and isinstance(teams, dict) and isinstance(strata, dict)):
            raise AnnouncementError("roster, teams and strata must be objects")
        if not isinstance(witnesses, list):
            raise AnnouncementError("witnesses must be a list")
        beacon = doc["beacon"]
        ann = Announcement(
            draw_id=_str(doc["draw_id"]),
            district=_str(doc["district"]),
            school=_str(doc["school"]),
            intake=_str(doc["intake"]),
            level=Level(_str(doc["level"])),
            year=_int(doc["year"]),
            policy=_str(doc["policy"]),
            class_cap=_int(doc["class_cap"]),
            roster_root=bytes.fromhex(_str(roster["root"])),
            roster_size=_int(roster["size"]),
            strata=tuple(sorted((k, _int(v)) for k, v in strata.items())),
            teams_root=bytes.fromhex(_str(teams["root"])),
            team_count=_int(teams["count"]),
            seed_commitment=bytes.fromhex(_str(doc["seed_commitment"])),
            size_tolerance=_int(doc["size_tolerance"]),
            beacon=None if beacon is None else _str(beacon),
            witnesses=tuple(_str(w) for w in witnesses),
            scheduled=_str(doc["scheduled"]),
            algorithm=_str(doc["algorithm"]),
            names=None if names is None else bytes.fromhex(_str(names)),
            enrolment=None if "enrolment" not in doc else bytes.fromhex(_str(doc["enrolment"])),
        )
    except (KeyError, ValueError, TypeError) as e:
        raise AnnouncementError(f"malformed announcement: {e}") from e
    if ann.to_json() != doc:
        raise AnnouncementError("announcement has unknown fields or non-canonical values")
    return ann


def _str(v: Json) -> str:
    if not isinstance(v, str):
        raise TypeError("expected text")
    return v


def _int(v: Json) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError("expected an integer")
    return v
