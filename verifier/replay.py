"""Recompute the draw from the public record (spec §10): commitments, seed, deal, result."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from placement.announcement import stratum_counts
from placement.canonical import Json
from placement.deal import ALGORITHM
from placement.draw import replay
from placement.merkle import MerkleTree
from placement.report import RESULT_TYPE
from placement.seed import final_seed, opens
from verifier.checks import Catalogue, Passed, first, require
from verifier.record import BundleRecord, owned

checks: Catalogue[BundleRecord] = Catalogue()


@checks.check("announcement.document", "公告内容", "announcement")
def _announcement(rec: BundleRecord) -> Passed:
    ann = owned(rec.announcement)
    require(ann.algorithm == ALGORITHM, "算法不是 balanced-deal/1", f"algorithm is not {ALGORITHM}")
    require(
        ann.draw_id == rec.manifest().draw,
        "公告的抽签编号与清单不符",
        "the announcement's draw id differs from the manifest's",
    )
    ok = ann.size_tolerance in {1, 2} and min(ann.team_count, ann.class_cap, ann.roster_size) >= 1
    require(ok, "公告中的班数、班额或人数允许差无效", "class count, cap or tolerance is invalid")
    return Passed(
        f"{ann.school} {ann.intake}：{ann.roster_size} 名学生，{ann.team_count} 个班，"
        f"班额上限 {ann.class_cap}，计划 {ann.scheduled}",
        f"{ann.roster_size} pupils in {ann.team_count} classes (cap {ann.class_cap}), "
        f"scheduled {ann.scheduled}",
    )


@checks.check("roster.root", "学生名单承诺", "roster commitment")
def _roster(rec: BundleRecord) -> Passed:
    leaves = owned(rec.leaves)
    ann = rec.announcement()
    hashes = rec.leaf_hashes()
    require(
        all(a < b for a, b in pairwise(hashes)),
        "学生叶子未按叶子哈希排序",
        "the leaves are not in leaf-hash order",
    )
    root = MerkleTree.from_leaf_hashes(hashes).root
    require(
        len(leaves) == ann.roster_size,
        f"名单有 {len(leaves)} 人，公告为 {ann.roster_size} 人",
        f"the roster has {len(leaves)} pupils, the announcement says {ann.roster_size}",
    )
    require(
        root == ann.roster_root,
        "由名单重新计算的默克尔根与公告不符",
        "the Merkle root recomputed from the leaves differs from the announcement",
    )
    return Passed(
        f"{len(leaves)} 个学生叶子的默克尔根与公告一致（{root.hex()[:16]}…）",
        f"the root of the {len(leaves)} leaves matches the announcement ({root.hex()[:16]}…)",
    )


def _consecutive(codes: set[str], prefix: str) -> bool:
    return codes == {f"{prefix}{i}" for i in range(1, len(codes) + 1)}


@checks.check("roster.counts", "名单分组统计", "roster counts and codes")
def _counts(rec: BundleRecord) -> Passed:
    leaves, ann = rec.leaves(), rec.announcement()
    require(
        dict(stratum_counts(leaves)) == dict(ann.strata),
        "公告中的性别、分层或双胞胎人数与名单不符",
        "the announcement's counts by sex, stratum or twin wish differ from the leaves",
    )
    strata = {x.stratum for x in leaves} - {""}
    twins: dict[str, list[str]] = {}
    for x in leaves:
        if x.twin:
            twins.setdefault(x.twin, []).append(x.twin_wish.value)
    require(
        _consecutive(strata, "s") and _consecutive(set(twins), "t"),
        "分层或双胞胎代码未按 s1、s2…／t1、t2… 连续编号",
        "stratum or twin codes are not numbered s1, s2 … / t1, t2 …",
    )
    bad = [c for c, wishes in twins.items() if len(wishes) < 2 or len(set(wishes)) != 1]
    require(
        not bad,
        f"双胞胎组 {bad[0] if bad else ''} 少于两人或意愿不一",
        f"twin group {bad[0] if bad else ''} has fewer than two pupils or mixed wishes",
    )
    sexes = Counter(x.sex.value for x in leaves)
    return Passed(
        f"女 {sexes['F']}、男 {sexes['M']}，{len(strata)} 个分层代码，{len(twins)} 个双胞胎组",
        f"{sexes['F']} girls, {sexes['M']} boys, {len(strata)} stratum codes, "
        f"{len(twins)} twin groups",
    )


@checks.check("teams.root", "教师团队承诺", "teacher team commitment")
def _teams(rec: BundleRecord) -> Passed:
    teams = owned(rec.teams)
    ann = rec.announcement()
    require(
        len(teams.teams) == ann.team_count and teams.root == ann.teams_root,
        "教师团队与公告中的承诺不符",
        "the teacher teams differ from the announcement's commitment",
    )
    return Passed(
        f"{len(teams.teams)} 个教师团队与公告一致",
        f"the {len(teams.teams)} teams match the announcement",
    )


@checks.check("ceremony.document", "现场记录", "ceremony record")
def _ceremony(rec: BundleRecord) -> Passed:
    cer = owned(rec.ceremony)
    ann = rec.announcement()
    require(
        cer.announcement == ann.digest().hex(),
        "现场记录指向的不是本公告",
        "the ceremony names another announcement",
    )
    require(bool(cer.witnesses), "没有见证人输入", "no witness input is recorded")
    names = "、".join(f"{w.role} {w.name}" for w in cer.witnesses)
    # §27.4: a ceremony witness matches a planned one when "role name" is its text;
    # reported, never a failure (a planned witness may fall ill).
    planned = set(ann.witnesses)
    unplanned = [f"{w.role} {w.name}" for w in cer.witnesses if f"{w.role} {w.name}" not in planned]
    matched = len(cer.witnesses) - len(unplanned)
    extra_zh = f"；未在公告中列出：{'、'.join(unplanned)}" if unplanned else ""
    extra_en = f"; not announced: {', '.join(unplanned)}" if unplanned else ""
    return Passed(
        f"{len(cer.witnesses)} 位见证人：{names}（{matched} 位为公告所列）{extra_zh}；"
        f"{cer.revealed_at} 揭示种子",
        f"{len(cer.witnesses)} witnesses ({matched} of them announced{extra_en}); seed revealed "
        f"at {cer.revealed_at}",
    )


@checks.check("seed.commitment", "服务器种子承诺", "server seed opens its commitment")
def _commitment(rec: BundleRecord) -> Passed:
    cer, ann = rec.ceremony(), rec.announcement()
    require(
        opens(ann.seed_commitment, cer.server_seed),
        "揭示的服务器种子与公告中的承诺不符",
        "the revealed server seed does not open the announcement's commitment",
    )
    return Passed(
        "揭示的服务器种子与公告前的承诺一致",
        "the revealed server seed matches the commitment published before the draw",
    )


@checks.check("seed.final", "最终种子", "final seed")
def _final(rec: BundleRecord) -> Passed:
    cer, ann = rec.ceremony(), rec.announcement()
    declared = None if cer.beacon is None else cer.beacon[0]
    require(
        declared == ann.beacon,
        "信标与公告声明的不符",
        "the beacon differs from the one declared in the announcement",
    )
    seed = final_seed(
        announcement_digest=ann.digest(),
        server_seed=cer.server_seed,
        witness_inputs=[w.input for w in cer.witnesses],
        beacon=None if cer.beacon is None else cer.beacon[1],
    ).hex()
    require(
        seed == cer.final_seed,
        "按公告、服务器种子、见证人输入和信标重新计算的最终种子与现场记录不符",
        "the final seed recomputed from announcement, server seed, witness inputs and beacon "
        "differs from the ceremony's",
    )
    require(
        seed == rec.result().final_seed,
        "分班结果使用的最终种子与现场记录不符",
        "the result uses another final seed than the ceremony",
    )
    return Passed(f"最终种子重新计算一致（{seed[:16]}…）", f"final seed recomputed ({seed[:16]}…)")


@checks.check("result.document", "分班结果内容", "result document")
def _result(rec: BundleRecord) -> Passed:
    res = owned(rec.result)
    ann, teams = rec.announcement(), rec.teams()
    problems = []
    if res.algorithm != ann.algorithm:
        problems.append(("算法与公告不符", "the algorithm differs from the announcement"))
    if res.announcement != ann.digest().hex():
        problems.append(("结果指向的不是本公告", "the result names another announcement"))
    if res.size_tolerance != ann.size_tolerance:
        problems.append(
            ("人数允许差与公告不符", "the size tolerance differs from the announcement")
        )
    if [c.number for c in res.classes] != [t.number for t in teams.teams]:
        problems.append(("班号与教师团队不符", "class numbers differ from the teams"))
    for c, t, h in zip(res.classes, teams.teams, teams.leaf_hashes, strict=False):
        if c.label != t.label or c.team != h.hex():
            problems.append(
                (f"第{c.number}班的名称或教师团队不符", f"class {c.number} label or team differs")
            )
    if problems:
        raise first(problems)
    return Passed(
        f"结果指向本公告，{len(res.classes)} 个班与教师团队一一对应",
        f"the result names this announcement; its {len(res.classes)} classes match the teams",
    )


def _differences(mine: dict[str, Json], signed: dict[str, Json]) -> list[tuple[str, str]]:
    out = []
    a, b = mine.get("classes"), signed.get("classes")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for x, y in zip(a, b, strict=True):
            if x != y and isinstance(x, dict):
                n = x.get("number")
                out.append((f"第{n}班名单与重放结果不符", f"class {n} differs from the replay"))
    out += [
        (f"“{k}”与重放结果不符", f"{k!r} differs from the replay")
        for k in sorted(set(mine) | set(signed))
        if k != "classes" and mine.get(k) != signed.get(k)
    ]
    return out or [("分班结果与重放结果不符", "the result differs from the replay")]


@checks.check("draw.replay", "重放抽签", "replay the draw")
def _replay(rec: BundleRecord) -> Passed:
    cer = rec.ceremony()
    outcome = replay(
        announcement=rec.announcement(),
        leaves=rec.leaves(),
        teams=rec.teams(),
        server_seed=cer.server_seed,
        witness_inputs=[w.input for w in cer.witnesses],
        beacon_value=None if cer.beacon is None else cer.beacon[1],
        leaf_hashes=rec.leaf_hashes(),  # computed from these leaves as they were read
    )
    signed = rec.result_doc()
    # Equal digests under the result's tag ⇔ equal canonical bytes: each side was
    # canonicalised once (the replay's result, and the signed payload when it was read).
    if signed.get("t") != RESULT_TYPE or outcome.result_digest != rec.result_digest():
        raise first(_differences(outcome.result, signed))
    return Passed(
        f"重放得到的分班结果与签名结果逐字节相同（摘要 {outcome.result_digest.hex()[:16]}…）",
        "the replayed result equals the signed result byte for byte "
        f"(digest {outcome.result_digest.hex()[:16]}…)",
    )
