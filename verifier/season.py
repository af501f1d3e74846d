"""The season's checks (spec Part S): from decisions to 公示 to the draw's roster.

Written from the spec, not from ``placement.season.chain``: the standings, the notice
sets and every derivation are recomputed here from the public log alone, so a bug in
the builder does not hide itself. What needs the archive (records, private documents,
the draw's ID numbers) is in :mod:`verifier.season_archive`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from itertools import pairwise

from placement.canonical import Json
from placement.keyring import CST
from placement.merkle import MerkleTree, leaf_hash
from placement.season.documents import LOG_ENTRY
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.season_record import SeasonRecord, owned

checks: Catalogue[SeasonRecord] = Catalogue()
Place = tuple[str, str]


def _season(e: Mapping[str, Json], event: str) -> bool:
    return e.get("t") == LOG_ENTRY and e.get("event") == event


def _d(e: Mapping[str, Json]) -> Mapping[str, Json]:
    d = e["detail"]
    assert isinstance(d, dict)
    return d


def _day(time: Json) -> date:
    return datetime.fromisoformat(str(time)).astimezone(CST).date()


def _set_root(entries: set[bytes] | list[bytes]) -> tuple[bytes, int]:
    hashes = sorted(leaf_hash(e) for e in entries)
    return MerkleTree.from_leaf_hashes(hashes).root, len(hashes)


def place_of(detail: Mapping[str, Json]) -> Place | None:
    """Spec S6: approve admits to its school, assign to its to_school, others nowhere."""
    outcome = detail["outcome"]
    if outcome == "approve":
        return str(detail["school"]), str(detail["intake"])
    if outcome == "assign":
        return str(detail["to_school"]), str(detail["intake"])
    return None


def standings(log: Sequence[Mapping[str, Json]], end: int) -> dict[bytes, Place | None]:
    out: dict[bytes, Place | None] = {}
    for e in log[:end]:
        if _season(e, "decision.recorded"):
            out[bytes.fromhex(str(_d(e)["entry"]))] = place_of(_d(e))
    return out


@checks.check("season.bundle", "招生季记录包", "season bundle")
def _bundle(rec: SeasonRecord) -> Passed:
    files = owned(rec.members)
    kind = "档案包" if rec.archive else "公开包"
    return Passed(
        f"{kind}，招生季 {rec.season}，{len(files)} 个文件与清单一致",
        f"{rec.manifest()['kind']} bundle of season {rec.season}: {len(files)} members "
        "match the manifest",
    )


@checks.check("season.privacy", "公开包不含个人信息", "no personal data in public")
def _privacy(rec: SeasonRecord) -> Passed:
    files = rec.members()
    if rec.archive:
        return Passed("档案包（含个人信息，勿外传）", "archive bundle (personal data: keep it)")
    bad = [p for p in files if p.startswith("private/")]
    for path, raw in files.items():
        text = raw.decode("utf-8", "replace")
        if '"salt"' in text or '"id_number"' in text or '"guardian"' in text:
            bad.append(path)
    require(not bad, f"公开包含私密内容：{bad[:3]}", f"private data in a public bundle: {bad[:3]}")
    return Passed("公开包中没有记录、盐值、身份证号或电话", "no records, salts, IDs or phones")


@checks.check("season.log", "透明日志完整", "the whole log")
def _log(rec: SeasonRecord) -> Passed:
    cp, log = owned(rec.log)
    problems: list[tuple[str, str]] = []
    times = [datetime.fromisoformat(str(e["time"])) for e in log if e.get("t") == LOG_ENTRY]
    if any(b < a for a, b in pairwise(times)):
        problems.append(("招生季日志时间倒流", "season log times go back"))
    for event, key in (("decision.recorded", "number"), ("case.filed", "case")):
        nums = [_d(e)[key] for e in log if _season(e, event)]
        if nums != list(range(1, len(nums) + 1)):
            problems.append((f"{event} 编号不连续", f"{event} numbers do not run 1, 2, …"))
    others = [
        e for e in log if _season(e, "") is False and e.get("season") not in {None, rec.season}
    ]
    if others:
        problems.append(("日志中有其他招生季的条目", "the log holds another season's entries"))
    if problems:
        raise first(problems)
    n = sum(e.get("t") == LOG_ENTRY for e in log)
    return Passed(
        f"检查点由 {cp.origin} 签名；全部 {cp.size} 条日志重算出其根（招生季 {n} 条）",
        f"checkpoint signed by {cp.origin}; all {cp.size} entries give its root ({n} season)",
    )


@checks.check("season.policy", "招生区域、计划与规则", "catchment, plan and rules")
def _policy(rec: SeasonRecord) -> Passed:
    c, p = owned(rec.policy)
    logged = {
        str(_d(e)["digest"]): _d(e)["kind"] for e in rec.entries() if _season(e, "policy.published")
    }
    from placement.season.documents import digest  # noqa: PLC0415

    for kind, doc in (("catchment", c.to_json()), ("plan", p.to_json())):
        require(
            logged.get(digest(doc).hex()) == kind,
            f"{kind} 未记入日志",
            f"the {kind} was not logged",
        )
    closed = [s for s in c.schools if not s.open]
    moved = "；".join(f"{s.school} 停招 → {s.successor}" for s in closed)
    moved_en = "; ".join(f"{s.school} closed → {s.successor}" for s in closed)
    places = sum(i.places for i in p.intakes)
    return Passed(
        f"{c.year} 年：{len(c.schools)} 所学校的学区；{len(p.intakes)} 个招生计划"
        f"共 {places} 个学位；{len(p.rules)} 条审核规则。{moved}",
        f"{c.year}: catchments of {len(c.schools)} schools; {len(p.intakes)} planned intakes, "
        f"{places} places; {len(p.rules)} rules. {moved_en}",
    )


def _window_ok(rec: SeasonRecord, log: Sequence[Mapping[str, Json]], i: int, stage: str) -> bool:
    _, plan = rec.policy()
    w = plan.window(stage)
    if w.contains(_day(log[i]["time"])):
        return True
    return any(_season(e, "override.recorded") and _d(e)["stage"] == stage for e in log[:i])


@checks.check("season.decisions", "审核决定", "review decisions")
def _decisions(rec: SeasonRecord) -> Passed:
    _, plan = rec.policy()
    log = rec.entries()
    problems: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    review = plan.window("review").start
    for i, e in enumerate(log):
        if _season(e, "application.received") and not _window_ok(rec, log, i, "registration"):
            problems.append(
                (
                    f"第 {i} 条：报名不在报名时间内",
                    f"entry {i}: application outside the registration window",
                )
            )
        if not _season(e, "decision.recorded"):
            continue
        d = _d(e)
        n = d["number"]
        rule = plan.rule(str(d["rule"]))
        if rule is None or rule.outcome.value != d["outcome"]:
            problems.append(
                (
                    f"决定 #{n} 的规则不存在或不适用",
                    f"decision #{n} names no rule of the plan for its outcome",
                )
            )
        if (d["outcome"] in {"return", "assign"}) != (d["to_school"] is not None):
            problems.append((f"决定 #{n} 的学校字段不符", f"decision #{n}: to_school misused"))
        target = place_of(d)
        if target is not None and plan.intake(*target) is None:
            problems.append(
                (
                    f"决定 #{n} 录取到无计划的年级",
                    f"decision #{n} admits to an intake that has no plan",
                )
            )
        before = _day(e["time"]) < review
        if before and not any(
            _season(x, "override.recorded") and _d(x)["stage"] == "review" for x in log[:i]
        ):
            problems.append(
                (f"决定 #{n} 早于审核阶段", f"decision #{n} precedes the review window")
            )
        counts[str(d["outcome"])] = counts.get(str(d["outcome"]), 0) + 1
    if problems:
        raise first(problems)
    received = sum(_season(e, "application.received") and _d(e)["revision"] == 1 for e in log)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return Passed(
        f"{received} 份报名；{sum(counts.values())} 个决定均注明规则（{summary}）",
        f"{received} applications; {sum(counts.values())} decisions each name a rule ({summary})",
    )


@checks.check("season.notices", "公示名单承诺", "公示 commitments")
def _notices(rec: SeasonRecord) -> Passed:
    _, plan = rec.policy()
    log = rec.entries()
    lines_zh, lines_en = [], []
    for n, listed in owned(rec.notices):
        doc, place = n.doc, (str(n.doc["school"]), str(n.doc["intake"]))
        entries = doc["entries"]
        assert isinstance(entries, dict)
        r, size = _set_root(listed)
        require(
            len(set(listed)) == len(listed) and listed == sorted(listed, key=leaf_hash),
            f"{n.path} 的条目重复或未按叶哈希排序",
            f"{n.path}: entries repeat or are unsorted",
        )
        require(
            (r.hex(), size) == (entries["root"], entries["size"]),
            f"{place[0]} 的条目清单算不出公示的根",
            f"{place[0]}: the entry list does not give the notice's root",
        )
        due = {e for e, p in standings(log, n.index).items() if p == place}
        missing, extra = len(due - set(listed)), len(set(listed) - due)
        require(
            not missing and not extra,
            f"{place[0]} 的公示名单与审核决定不符（缺 {missing}，多 {extra}）",
            f"{place[0]}: the 公示 list differs from the decisions ({missing} approved "
            f"children missing, {extra} listed without an approval)",
        )
        planned = plan.intake(*place)
        require(
            planned is not None and size <= planned.places,
            f"{place[0]} 公示人数超出招生计划",
            f"{place[0]}: the list exceeds the plan",
        )
        require(
            _window_ok(rec, log, n.index, "notice"),
            f"{place[0]} 的公示不在公示期内",
            f"{place[0]}: committed outside the notice window",
        )
        lines_zh.append(f"{place[0]} {size} 人")
        lines_en.append(f"{place[0]} {size}")
    return Passed(
        "公示名单与审核决定一致：" + "，".join(lines_zh),
        "each 公示 list is exactly the approved children: " + ", ".join(lines_en),
    )


@checks.check("season.cases", "举报与处理结果", "reports and findings")
def _cases(rec: SeasonRecord) -> Passed:
    log = rec.entries()
    filed: dict[Json, int] = {}
    decided: dict[Json, str] = {}
    problems: list[tuple[str, str]] = []
    notices = {n.digest: (n.index, set(entries)) for n, entries in rec.notices()}
    for i, e in enumerate(log):
        if _season(e, "case.filed"):
            d = _d(e)
            filed[d["case"]] = i
            if str(d["notice"]) not in notices or notices[str(d["notice"])][0] > i:
                problems.append(
                    (
                        f"举报 #{d['case']} 指向未公示的名单",
                        f"case #{d['case']} names no earlier notice",
                    )
                )
            elif not _window_ok(rec, log, i, "notice"):
                problems.append(
                    (
                        f"举报 #{d['case']} 不在公示期内",
                        f"case #{d['case']} was filed outside the notice window",
                    )
                )
        elif _season(e, "case.decided"):
            d = _d(e)
            c = d["case"]
            if c not in filed or c in decided:
                problems.append(
                    (f"举报 #{c} 未立案或重复处理", f"case #{c} unfiled or decided twice")
                )
                continue
            decided[c] = str(d["outcome"])
            if (d["outcome"] == "upheld") != (d["entry"] is not None):
                problems.append((f"举报 #{c} 的条目字段不符", f"case #{c}: entry misused"))
    if problems:
        raise first(problems)
    upheld = [f"#{c}" for c, o in decided.items() if o == "upheld"]
    rejected = [f"#{c}" for c, o in decided.items() if o == "rejected"]
    open_ = [f"#{c}" for c in filed if c not in decided]
    return Passed(
        f"{len(filed)} 件举报：查实 {' '.join(upheld) or '无'}；不实 {' '.join(rejected) or '无'}；"
        f"未结 {' '.join(open_) or '无'}",
        f"{len(filed)} reports: upheld {' '.join(upheld) or 'none'}; rejected "
        f"{' '.join(rejected) or 'none'}; open {' '.join(open_) or 'none'}",
    )


def changes_between(
    log: Sequence[Mapping[str, Json]],
    start: int,
    end: int,
    place: Place,
    notice: str,
    listed: set[bytes],
) -> tuple[list[dict[str, Json]], set[bytes]]:
    """Spec S9, from the log: every change to the list after its notice, and the result."""
    filed = {_d(e)["case"]: _d(e)["notice"] for e in log if _season(e, "case.filed")}
    current = set(listed)
    out: list[dict[str, Json]] = []
    for e in log[start + 1 : end]:
        d = _d(e) if e.get("t") == LOG_ENTRY else {}
        if (
            _season(e, "case.decided")
            and d["outcome"] == "upheld"
            and filed.get(d["case"]) == notice
        ):
            entry = bytes.fromhex(str(d["entry"]))
            require(
                entry in current,
                f"举报 #{d['case']} 移出的儿童不在名单上",
                f"case #{d['case']} removes a child who is not on the list",
            )
            current.discard(entry)
            out.append(
                {"by": "case", "effect": "remove", "entry": entry.hex(), "number": d["case"]}
            )
        elif _season(e, "decision.recorded"):
            entry = bytes.fromhex(str(d["entry"]))
            here = place_of(d) == place
            if here != (entry in current):
                (current.add if here else current.discard)(entry)
                out.append(
                    {
                        "by": "decision",
                        "effect": "add" if here else "remove",
                        "entry": entry.hex(),
                        "number": d["number"],
                    }
                )
    return out, current


def _refs(changes: Sequence[Mapping[str, Json]], effect: str, by: str) -> list[str]:
    return [f"#{c['number']}" for c in changes if c["effect"] == effect and c["by"] == by]


def describe(doc: Mapping[str, Json]) -> tuple[str, str]:
    """ "380 on 公示; 2 removed by reports #3, #7; 1 added by decision #12; 379 in the draw"."""
    changes = doc["changes"]
    assert isinstance(changes, list)
    cs = [c for c in changes if isinstance(c, dict)]
    summary = doc["summary"]
    assert isinstance(summary, dict)
    zh, en = [f"公示 {summary['notice']} 人"], [f"{summary['notice']} on 公示"]
    for effect, zv, ev in (("remove", "移出", "removed"), ("add", "增加", "added")):
        for by, zb, eb in (("case", "举报", "report"), ("decision", "决定", "decision")):
            refs = _refs(cs, effect, by)
            if refs:
                s = "s" if len(refs) > 1 else ""
                zh.append(f"因{zb} {', '.join(refs)} {zv} {len(refs)} 人")
                en.append(f"{len(refs)} {ev} by {eb}{s} {', '.join(refs)}")
    zh.append(f"进入派位 {summary['roster']} 人")
    en.append(f"{summary['roster']} in the draw")
    return "；".join(zh), "; ".join(en)


@checks.check(
    "season.rosters", "派位名单 = 公示 − 查实举报 + 后续决定", "roster = 公示 − reports + decisions"
)
def _rosters(rec: SeasonRecord) -> Passed:
    _, plan = rec.policy()
    log = rec.entries()
    notices = rec.notices()
    zh, en = [], []
    for r in owned(rec.rosters):
        doc = r.doc
        place = (str(doc["school"]), str(doc["intake"]))
        mine = [
            (n, entries)
            for n, entries in notices
            if (n.doc["school"], n.doc["intake"]) == place and n.index < r.index
        ]
        require(
            bool(mine) and mine[-1][0].digest == doc["notice"],
            f"{place[0]} 的推导未基于最新的公示",
            f"{place[0]}: the derivation does not start from the latest notice",
        )
        n, listed = mine[-1]
        changes, final = changes_between(log, n.index, r.index, place, n.digest, set(listed))
        require(
            changes == doc["changes"],
            f"{place[0]} 的名单变动与日志不符（应有 {len(changes)} 项）",
            f"{place[0]}: the changes differ from what the log shows ({len(changes)} expected)",
        )
        root, size = _set_root(final)
        roster = doc["roster"]
        assert isinstance(roster, dict)
        require(
            (root.hex(), size) == (roster["root"], roster["size"]),
            f"{place[0]} 的派位名单根与推导结果不符",
            f"{place[0]}: the roster root is not the derived set's",
        )
        want = {
            "added": sum(c["effect"] == "add" for c in changes),
            "notice": len(listed),
            "removed": sum(c["effect"] == "remove" for c in changes),
            "roster": size,
        }
        require(
            doc["summary"] == want, f"{place[0]} 的汇总数字不符", f"{place[0]}: summary differs"
        )
        planned = plan.intake(*place)
        require(
            planned is not None and size <= planned.places,
            f"{place[0]} 派位人数超出招生计划",
            f"{place[0]}: the roster exceeds the plan",
        )
        z, e = describe(doc)
        zh.append(f"{place[0]}：{z}")
        en.append(f"{place[0]}: {e}")
    if not zh:  # a season still before its derivations: nothing to check yet
        raise optional_skip("尚无派位名单推导", "no roster derivation yet")
    return Passed(" | ".join(zh), " | ".join(en))


@checks.check("season.admissions", "录取文件对应派位名单", "admissions name the derived rosters")
def _admissions(rec: SeasonRecord) -> Passed:
    found = owned(rec.admissions)
    if not found:
        raise optional_skip("没有录取文件", "no admission documents")
    rosters = rec.rosters()
    out = []
    for a in found:
        place = (a.doc["school"], a.doc["intake"])
        mine = [
            r for r in rosters if (r.doc["school"], r.doc["intake"]) == place and r.index < a.index
        ]
        require(
            bool(mine) and mine[-1].digest == a.doc["roster"],
            f"{place[0]} 的录取文件未指向最新的派位名单推导",
            f"{place[0]}: the admission does not name the latest derivation",
        )
        require(
            a.doc["admitted"] == mine[-1].doc["roster"],
            f"{place[0]} 的录取名单与推导不符",
            f"{place[0]}: admitted differs from the derivation",
        )
        admitted = a.doc["admitted"]
        assert isinstance(admitted, dict)
        out.append((str(place[0]), admitted["size"]))
    return Passed(
        "录取：" + "，".join(f"{s} {n} 人" for s, n in out),
        "admitted: " + ", ".join(f"{s} {n}" for s, n in out),
    )


@checks.check("season.allocations", "统筹摇号重放", "统筹 allocation draws replayed")
def _allocations(rec: SeasonRecord) -> Passed:
    from placement.season.allocation import winners  # noqa: PLC0415
    from placement.seed import final_seed, opens  # noqa: PLC0415

    found = owned(rec.allocations)
    if not found:
        raise optional_skip("没有统筹摇号", "no allocation draw")
    log = rec.entries()
    lines = []
    for a, pool, result, r_index in found:
        doc, place = a.doc, (str(a.doc["school"]), str(a.doc["intake"]))
        root, size = _set_root(pool)
        pool_doc = doc["pool"]
        assert isinstance(pool_doc, dict)
        require(
            (root.hex(), size) == (pool_doc["root"], pool_doc["size"]),
            f"{place[0]} 统筹摇号的候选名单与公告不符",
            f"{place[0]}: the pool differs",
        )
        require(
            result["allocation"] == a.digest and r_index > a.index,
            f"{place[0]} 摇号结果未指向其公告",
            f"{place[0]}: the result names another draw",
        )
        server = bytes.fromhex(str(result["server_seed"]))
        require(
            opens(bytes.fromhex(str(doc["seed_commitment"])), server),
            "服务器种子打不开承诺",
            "the server seed does not open the commitment",
        )
        ws = result["witnesses"]
        assert isinstance(ws, list)
        beacon = result["beacon"]
        seed = final_seed(
            announcement_digest=bytes.fromhex(a.digest),
            server_seed=server,
            witness_inputs=[str(w["input"]) for w in ws if isinstance(w, dict)],
            beacon=None if beacon is None else str(beacon),
        )
        places = doc["places"]
        require(
            isinstance(places, int) and 1 <= places < size,
            f"{place[0]} 统筹摇号的学位数应至少为 1 且少于候选人数",
            f"{place[0]}: places must be at least 1 and below the pool's size",
        )
        assert isinstance(places, int)
        won = [e.hex() for e in winners(seed, pool, places)]
        require(
            result["final_seed"] == seed.hex() and result["winners"] == won,
            f"{place[0]} 摇号重放结果不同",
            f"{place[0]}: the replay gives other winners",
        )
        later = [
            _d(e) for e in log[r_index + 1 :]
            if _season(e, "decision.recorded") and _d(e)["outcome"] == "assign"
            and (_d(e)["to_school"], _d(e)["intake"]) == place
            and bytes.fromhex(str(_d(e)["entry"])) in pool
        ]  # fmt: skip
        require(
            {str(d["entry"]) for d in later} <= set(won),
            f"{place[0]} 有未中签的儿童被统筹到该校",
            f"{place[0]}: a child who was not drawn was assigned there",
        )
        lines.append(f"{place[0]}: {len(pool)} → {places}")
    return Passed(
        "统筹摇号重放一致：" + "；".join(lines), "allocation draws replayed: " + "; ".join(lines)
    )
