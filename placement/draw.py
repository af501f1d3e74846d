"""A draw from frozen inputs to result: the steps in the order the spec gives them.

``prepare`` refuses an impossible roster *before* anything is committed;
``perform`` mixes the seed and deals; ``replay`` is what any verifier runs from
the public record alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from placement.announcement import Announcement, names_digest, stratum_counts
from placement.canonical import Json
from placement.commitment import PublicLeaf, RosterCommitment, commit_roster, leaves_root
from placement.deal import Placement, deal, size_tolerance
from placement.errors import InvalidInput, PlacementError
from placement.merkle import MerkleTree
from placement.policy import Level, PolicyProfile
from placement.report import BalanceReport, balance_report, result_digest, result_json
from placement.roster import PupilRecord, validate_roster
from placement.seed import final_seed, opens, seed_commitment
from placement.teams import Team, TeamCommitment, commit_teams


@dataclass(frozen=True, slots=True)
class Intake:
    """Who draws what: the fields of the announcement that are not commitments."""

    draw_id: str
    district: str
    school: str
    intake: str
    level: Level
    year: int
    scheduled: str
    witnesses: tuple[str, ...] = ()
    beacon: str | None = None
    version: int = 1  # protocol version of the record (spec §19)


@dataclass(frozen=True, slots=True)
class Prepared:
    announcement: Announcement
    roster: RosterCommitment
    teams: TeamCommitment


@dataclass(frozen=True, slots=True)
class Outcome:
    final_seed: bytes
    placement: Placement
    report: BalanceReport
    result: dict[str, Json]
    result_digest: bytes


def prepare(
    *,
    intake: Intake,
    profile: PolicyProfile,
    pupils: Sequence[PupilRecord],
    teams: Sequence[Team],
    salts: Sequence[bytes],
    server_seed: bytes,
) -> Prepared:
    """Validate, commit and announce. Raises ``InvalidInput`` / ``Infeasible`` first."""
    issues = validate_roster(pupils, profile=profile, level=intake.level, class_count=len(teams))
    if issues:
        raise InvalidInput(issues)
    team_c = commit_teams(teams)
    roster = commit_roster(pupils, salts, version=intake.version)
    cap = profile.cap(intake.level)
    tolerance = size_tolerance(roster.leaves, len(teams), cap)  # refuses before commitment
    ann = Announcement(
        draw_id=intake.draw_id,
        district=intake.district,
        school=intake.school,
        intake=intake.intake,
        level=intake.level,
        year=intake.year,
        policy=profile.key,
        class_cap=cap,
        roster_root=roster.root,
        roster_size=roster.size,
        strata=stratum_counts(roster.leaves),
        teams_root=team_c.root,
        team_count=len(team_c.teams),
        seed_commitment=seed_commitment(server_seed),
        size_tolerance=tolerance,
        beacon=intake.beacon,
        witnesses=intake.witnesses,
        scheduled=intake.scheduled,
        names=(
            names_digest([(p.name, p.sex.value) for p in pupils]) if intake.version == 2 else None
        ),
    )
    return Prepared(ann, roster, team_c)


def replay(
    *,
    announcement: Announcement,
    leaves: Sequence[PublicLeaf],
    teams: TeamCommitment,
    server_seed: bytes,
    witness_inputs: Sequence[str],
    beacon_value: str | None,
    leaf_hashes: Sequence[bytes] | None = None,
) -> Outcome:
    """The draw from public inputs alone (spec §10): every commitment is recomputed
    from what it commits to before anything is dealt.

    ``leaf_hashes``, when given, are taken as the leaf hashes of ``leaves`` instead of
    hashing the leaves again; their Merkle root is still checked against the
    announcement. Only a caller that has itself just computed them from these very
    leaves, in the same run, may pass them (the verifier, which hashes each leaf
    while reading it); anyone else leaves them out and the leaves are hashed here.
    """
    if leaf_hashes is None:
        hashes, root = leaves_root(leaves)
    else:
        hashes = tuple(leaf_hashes)
        if len(hashes) != len(leaves):
            raise PlacementError("叶子哈希与叶子数量不符 / leaf hashes do not match the leaves")
        root = MerkleTree.from_leaf_hashes(hashes).root
    if root != announcement.roster_root or len(leaves) != announcement.roster_size:
        raise PlacementError("名单与公告中的承诺不符 / roster leaves differ from the announcement")
    if commit_teams(teams.teams).root != announcement.teams_root:
        raise PlacementError(
            "教师团队与公告中的承诺不符 / teacher teams differ from the announcement"
        )
    if (announcement.beacon is None) != (beacon_value is None):
        raise PlacementError(
            "信标值与公告声明不符 / beacon value does not match the announced beacon"
        )
    if not opens(announcement.seed_commitment, server_seed):
        raise PlacementError(
            "服务器种子与公告中的承诺不符 / server seed does not open the commitment"
        )
    digest = announcement.digest()
    seed = final_seed(
        announcement_digest=digest,
        server_seed=server_seed,
        witness_inputs=witness_inputs,
        beacon=beacon_value,
    )
    placement = deal(
        leaves, hashes, teams, seed, announcement.class_cap, announcement.size_tolerance
    )
    if placement.size_tolerance != announcement.size_tolerance:
        raise PlacementError("人数允许差与公告不符 / size tolerance differs from the announcement")
    report = balance_report(leaves, placement)
    doc = result_json(placement, digest, report)
    return Outcome(seed, placement, report, doc, result_digest(doc))


def perform(
    prepared: Prepared,
    *,
    server_seed: bytes,
    witness_inputs: Sequence[str],
    beacon_value: str | None,
) -> Outcome:
    return replay(
        announcement=prepared.announcement,
        leaves=prepared.roster.leaves,
        teams=prepared.teams,
        server_seed=server_seed,
        witness_inputs=witness_inputs,
        beacon_value=beacon_value,
    )
