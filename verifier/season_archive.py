"""Season checks that need more than the public bundle (spec S9 "How the chain is checked").

- the draw's announcement names a derivation, and the draw's roster has its size;
- the archive: every record opens its receipt's submission and its entry, every
  private document matches the public facts its log entry shows;
- the archive with the draw's archive: the draw's children are exactly the records
  whose entries are in the derived set (a child slipped in or swapped fails).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from placement import jws
from placement.announcement import ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2
from placement.canonical import Json
from placement.errors import PlacementError
from placement.keyring import KeyRole
from placement.season.application import record_commitments
from placement.season.documents import DECISION, FINDING, LOG_ENTRY, RECEIPT, digest
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.container import read_members
from verifier.errors import Failed, split_message
from verifier.season import changes_between
from verifier.season_record import SeasonRecord, part
from verifier.signatures import verify_jws

checks: Catalogue[SeasonRecord] = Catalogue()


def _detail(e: Mapping[str, Json]) -> Mapping[str, Json]:
    d = e["detail"]
    assert isinstance(d, dict)
    return d


@part("派位记录包", "the draw bundle")
def _draw(rec: SeasonRecord) -> tuple[dict[str, Json], list[Json] | None]:
    if rec.draw_data is None:
        raise optional_skip("未提供派位记录包（--draw）", "no draw bundle given (--draw)")
    files = read_members(rec.draw_data)
    raw = files.get("announcement.jws")
    if raw is None:
        raise Failed("派位记录包缺少公告", "the draw bundle has no announcement")
    text = raw.decode("utf-8", "replace")
    typ = jws.parse(text).signatures[0].header.get("typ")
    if typ not in {ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2}:  # protocol v1 or v2 draws
        raise Failed("派位记录包的公告类型未知", "the draw bundle's announcement type is unknown")
    doc = verify_jws(
        text,
        rec.keyring(),
        expected_type=str(typ),
        roles=(KeyRole.BUREAU,),
        cosigner_roles=(KeyRole.SUPERVISOR,),
    ).document
    leaves = files.get("private/leaves.json")
    private = None if leaves is None else json.loads(leaves)
    return doc, private if isinstance(private, list) else None


@checks.check("season.draw", "派位公告指向推导出的名单", "the draw uses the derived roster")
def _draw_link(rec: SeasonRecord) -> Passed:
    ann, _ = _draw(rec)
    link = ann.get("enrolment")
    require(
        isinstance(link, str),
        "派位公告没有注明招生名单推导（enrolment）",
        "the draw's announcement names no roster derivation (enrolment)",
    )
    found = [r for r in rec.rosters() if r.digest == link]
    require(
        bool(found),
        "公告注明的推导不在招生季记录中",
        "the announcement's derivation is not in the season record",
    )
    r = found[0]
    place = (str(r.doc["school"]), str(r.doc["intake"]))
    require(
        (ann["school"], ann["intake"]) == place,
        "公告的学校或年级与推导不符",
        "the announcement's school or intake differs from the derivation's",
    )
    roster, size = ann["roster"], r.doc["roster"]
    assert isinstance(roster, dict)
    assert isinstance(size, dict)
    require(
        roster["size"] == size["size"],
        f"派位人数 {roster['size']} ≠ 推导人数 {size['size']}",
        f"the draw has {roster['size']} pupils, the derivation {size['size']}",
    )
    log = rec.entries()
    digest_hex = _announcement_digest(rec)
    published = [
        i
        for i, e in enumerate(log)
        if e.get("event") == "announcement.published" and _detail(e).get("digest") == digest_hex
    ]
    require(
        bool(published),
        "招生季日志中没有该派位公告的发布记录（请在派位后导出）",
        "the season log does not show the announcement published (export it after the draw)",
    )
    j = published[0]
    require(j > r.index, "派位公告早于名单推导", "the announcement precedes the derivation")
    notice = str(r.doc["notice"])
    later, _ = changes_between(log, r.index, j, place, notice, _derived(rec, r.index, place))
    require(
        not later,
        f"推导之后、公告之前名单又有 {len(later)} 处变动",
        f"{len(later)} changes were logged between the derivation and the announcement",
    )
    return Passed(
        f"派位公告（{ann['draw_id']}）使用 {place[0]} 的推导名单，{size['size']} 人",
        f"the draw {ann['draw_id']} uses {place[0]}'s derived roster of {size['size']}",
    )


def _announcement_digest(rec: SeasonRecord) -> str:
    from placement.announcement import from_json  # noqa: PLC0415

    ann, _ = _draw(rec)
    return from_json(ann).digest().hex()


def _derived(rec: SeasonRecord, index: int, place: tuple[str, str]) -> set[bytes]:
    """The derived set of the derivation logged at ``index`` (recomputed, as season.rosters)."""
    r = next(x for x in rec.rosters() if x.index == index)
    n, listed = next((n, e) for n, e in rec.notices() if n.digest == r.doc["notice"])
    _, final = changes_between(rec.entries(), n.index, index, place, n.digest, set(listed))
    return final


@part("档案", "the archive's private members")
def _private(rec: SeasonRecord) -> tuple[list[dict[str, Json]], dict[str, dict[str, Json]]]:
    if not rec.archive:
        raise optional_skip("公开包没有档案内容", "a public bundle has no archive members")
    files = rec.members()
    records = json.loads(files["private/records.json"])
    texts = json.loads(files["private/documents.json"])
    docs: dict[str, dict[str, Json]] = {}
    for text in texts:
        parsed = jws.parse(text)
        t = str(parsed.document().get("t"))
        doc = verify_jws(text, rec.keyring(), expected_type=t).document
        docs[digest(doc).hex()] = doc
    return records, docs


@checks.check("season.archive", "档案：报名记录与私密文件", "archive: records and documents")
def _archive(rec: SeasonRecord) -> Passed:  # noqa: C901, PLR0912 - a branch per document kind
    records, docs = _private(rec)
    problems: list[tuple[str, str]] = []
    by_key: dict[tuple[Json, Json], tuple[bytes, bytes]] = {}
    for r in records:
        try:
            by_key[(r["number"], r["revision"])] = record_commitments(r)
        except (PlacementError, KeyError) as err:
            zh, en = split_message(str(err))
            problems.append((f"记录无法读取：{zh}", f"unreadable record: {en}"))
    for i, e in enumerate(rec.entries()):
        if e.get("t") != LOG_ENTRY or "digest" not in _detail(e):
            continue
        d = _detail(e)
        doc = docs.get(str(d["digest"]))
        if doc is None:
            if e["event"] in {
                "application.received",
                "decision.recorded",
                "case.filed",
                "case.decided",
            }:
                problems.append((f"第 {i} 条日志的文件不在档案中", f"entry {i}: document missing"))
            continue
        if doc["t"] == RECEIPT:
            sub = by_key.get((doc["number"], doc["revision"]))
            if sub is None or sub[0].hex() != doc["submission"]:
                problems.append(
                    (
                        f"报名 {doc['number']} 的记录打不开回执",
                        f"application {doc['number']}: the record does not open its receipt",
                    )
                )
        elif doc["t"] == DECISION:
            sub = by_key.get((doc["application"], doc["revision"]))
            facts = {
                k: doc[k]
                for k in ("entry", "intake", "number", "outcome", "rule", "school", "to_school")
            }
            if sub is None or (sub[0].hex(), sub[1].hex()) != (doc["submission"], doc["entry"]):
                problems.append(
                    (
                        f"决定 #{doc['number']} 与报名记录不符",
                        f"decision #{doc['number']} does not match its record",
                    )
                )
            if facts != {k: v for k, v in d.items() if k != "digest"}:
                problems.append(
                    (
                        f"决定 #{doc['number']} 与日志不符",
                        f"decision #{doc['number']} differs from its log entry",
                    )
                )
        elif doc["t"] == FINDING and doc["outcome"] == "upheld":
            entries = {s[1].hex() for (num, _), s in by_key.items() if num == doc["application"]}
            if doc["entry"] not in entries or d["entry"] != doc["entry"]:
                problems.append(
                    (
                        f"举报 #{doc['case']} 移出的不是被举报的儿童",
                        f"case #{doc['case']} removed someone other than the reported child",
                    )
                )
    if problems:
        raise first(problems)
    return Passed(
        f"{len(records)} 份报名记录、{len(docs)} 份私密文件均与日志一致",
        f"{len(records)} records and {len(docs)} private documents agree with the log",
    )


@checks.check(
    "season.identity",
    "档案：派位名单中的儿童 = 推导名单中的儿童",
    "archive: the draw's children are the derived ones",
)
def _identity(rec: SeasonRecord) -> Passed:
    ann, leaves = _draw(rec)
    if leaves is None:
        raise optional_skip("未提供派位档案包", "no draw archive given")
    records, _ = _private(rec)
    r = next(x for x in rec.rosters() if x.digest == ann.get("enrolment"))
    place = (str(r.doc["school"]), str(r.doc["intake"]))
    wanted = _derived(rec, r.index, place)
    ids: dict[str, str] = {}
    for rc in records:
        _, entry = record_commitments(rc)
        child = rc["child"]
        if entry in wanted and isinstance(child, dict):
            ids[str(child["id_number"])] = str(rc["number"])
    drawn = [str(x["id_number"]) for x in leaves if isinstance(x, dict)]
    extra = sorted(set(drawn) - set(ids))
    missing = sorted(set(ids) - set(drawn))
    if extra or missing or len(drawn) != len(set(drawn)):
        raise Failed(
            f"派位名单与推导名单不一致：多出 {len(extra)} 名未经登记决定的儿童，"
            f"缺少 {len(missing)} 名",
            f"the draw's roster differs from the derived one: {len(extra)} children without a "
            f"logged decision, {len(missing)} derived children missing",
        )
    return Passed(
        f"派位的 {len(drawn)} 名儿童恰是推导名单中的儿童",
        f"the draw's {len(drawn)} children are exactly the derived ones",
    )
