"""The transparency log in a bundle (spec §16, §17): checkpoints, proofs, and what was logged.

The bundle lists this draw's entries with an inclusion receipt for each against
the latest checkpoint, earlier checkpoints with consistency proofs between them,
so the log can be checked offline: it is signed by a log key, it only grew, every
listed entry is in it, the steps are in the order of §16, and the digests it logged
are those of the documents in the bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from placement.canonical import Json
from placement.errors import PlacementError
from placement.merkle import verify_consistency
from placement.tlog import (
    Checkpoint,
    Event,
    check_draw_events,
    entry_bytes,
    parse_hashes,
    parse_proof,
    proof_includes,
)
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.errors import Failed
from verifier.formats import moment
from verifier.record import BundleRecord, owned

Entries = Sequence[tuple[int, dict[str, Json]]]
checks: Catalogue[BundleRecord] = Catalogue()


def _event(e: dict[str, Json]) -> Event:
    return Event(str(e["event"]))


def _detail(e: dict[str, Json], key: str) -> Json:
    detail = e["detail"]
    assert isinstance(detail, dict)
    return detail[key]


def current(rec: BundleRecord) -> Entries:
    """The entries of this bundle's announcement: from its publication to the next one."""
    entries = rec.entries()
    digest = rec.announcement().digest().hex()
    starts = [n for n, (_, e) in enumerate(entries) if _event(e) is Event.PUBLISHED]
    mine = [n for n in starts if _detail(entries[n][1], "digest") == digest]
    if not mine:
        raise Failed(
            "日志中没有发布本公告的记录", "the log does not show this announcement published"
        )
    end = next((n for n in starts if n > mine[-1]), len(entries))
    return entries[mine[-1] : end]


def _only(entries: Entries, event: Event) -> tuple[int, dict[str, Json]]:
    found = [(i, e) for i, e in entries if _event(e) is event]
    require(
        len(found) == 1,
        f"日志中 {event} 应恰有一条，实有 {len(found)} 条",
        f"the log should hold exactly one {event}, it holds {len(found)}",
    )
    return found[0]


@checks.check("log.checkpoint", "日志检查点签名", "log checkpoint signature")
def _checkpoint(rec: BundleRecord) -> Passed:
    cp = owned(rec.checkpoint)
    return Passed(
        f"检查点由透明日志密钥 {cp.origin} 签名，日志共 {cp.size} 条",
        f"checkpoint signed by log key {cp.origin}; the log holds {cp.size} entries",
    )


@checks.check("log.inclusion", "日志条目包含证明", "log entries are in the log")
def _inclusion(rec: BundleRecord) -> Passed:
    entries = owned(rec.entries)
    cp, text = rec.checkpoint(), rec.text("log/checkpoint")
    problems = []
    for index, e in entries:
        path = f"log/proofs/{index}.tlog-proof"
        try:
            proof = parse_proof(rec.text(path))
        except (PlacementError, Failed):
            problems.append((f"{path} 缺失或无效", f"{path} is missing or malformed"))
            continue
        ok = proof.index == index and proof.checkpoint_text == text and index < cp.size
        if not (ok and proof_includes(proof, entry_bytes(e))):
            problems.append(
                (
                    f"第 {index} 条日志不在签名的日志中",
                    f"log entry {index} is not proven in the log",
                )
            )
    listed = {f"log/proofs/{i}.tlog-proof" for i, _ in entries}
    problems += [
        (f"多余的证明 {p}", f"proof {p} is for no listed entry")
        for p in rec.paths("log/proofs/")
        if p not in listed
    ]
    if problems:
        raise first(problems)
    return Passed(
        f"本抽签的 {len(entries)} 条日志均已证明包含在检查点中",
        f"all {len(entries)} entries of this draw are proven included under the checkpoint",
    )


@checks.check("log.consistency", "日志只增不改", "log consistency (append-only)")
def _consistency(rec: BundleRecord) -> Passed:
    cp = rec.checkpoint()
    earlier: dict[int, Checkpoint] = {}
    for path in rec.paths("log/checkpoints/"):
        head = rec.signed_checkpoint(rec.text(path))
        size = int(path.rsplit("/", 1)[1])
        ok = head.size == size and head.origin == cp.origin and size < cp.size
        require(ok, f"{path} 与日志不符", f"{path} does not fit the log (size or origin)")
        earlier[size] = head
    proofs = rec.paths("log/consistency/")
    if not earlier and not proofs:
        raise optional_skip("没有更早的检查点", "no earlier checkpoints to compare")
    chain = [*sorted(earlier), cp.size]
    heads = {**earlier, cp.size: cp}
    used = set()
    for old, new in pairwise(chain):
        path = f"log/consistency/{old}-{new}"
        used.add(path)
        try:
            proof = parse_hashes(rec.text(path))
        except (PlacementError, Failed) as err:
            raise Failed(f"{path} 缺失或无效", f"{path} is missing or malformed") from err
        if not verify_consistency(old, new, heads[old].root, heads[new].root, proof):
            raise Failed(
                f"大小 {old} 与 {new} 的检查点不一致：日志被改写",
                f"checkpoints of sizes {old} and {new} are inconsistent: the log was rewritten",
            )
    extra = sorted(set(proofs) - used)
    require(not extra, f"多余的一致性证明 {extra}", f"unexpected consistency proofs {extra}")
    return Passed(
        f"{len(earlier)} 个更早的检查点与最新检查点一致",
        f"{len(earlier)} earlier checkpoints are consistent with the latest",
    )


@checks.check("log.order", "日志事件顺序", "order of logged events")
def _order(rec: BundleRecord) -> Passed:
    entries = rec.entries()
    problems = check_draw_events(entries)
    if problems:
        raise first(problems)
    return Passed(
        f"{len(entries)} 条日志事件顺序符合规定",
        f"the {len(entries)} events are in the order of §16",
    )


def _cancelled(rec: BundleRecord, segment: Entries) -> Passed:
    digest = rec.announcement().digest().hex()
    ok = any(_event(e) is Event.CANCELLED and _detail(e, "digest") == digest for _, e in segment)
    require(ok, "没有开奖记录，日志中也没有撤销记录", "no ceremony or result, and no cancellation")
    return Passed("日志记载公告已撤销", "the log records that the announcement was cancelled")


@checks.check("log.documents", "日志与文件摘要一致", "logged digests match the documents")
def _documents(rec: BundleRecord) -> Passed:
    segment = current(rec)
    if not any(p in rec.members() for p in ("ceremony.jws", "result.jws")):
        return _cancelled(rec, segment)
    require(
        not any(_event(e) is Event.CANCELLED for _, e in segment),
        "日志记载本公告已撤销，此结果作废",
        "the log shows this announcement cancelled: the result is void",
    )
    result = rec.result_digest().hex()
    expect = {
        Event.REVEALED: rec.ceremony_digest().hex(),
        Event.PERFORMED: result,
        Event.SIGNED: result,
    }
    for event, digest in expect.items():
        _, e = _only(segment, event)
        require(
            _detail(e, "digest") == digest,
            f"日志中 {event} 的摘要与文件不符",
            f"the digest logged by {event} differs from the document's",
        )
    exports = [e for _, e in segment if _event(e) is Event.EXPORTED]
    kind = rec.manifest().kind
    require(
        all(_detail(e, "digest") == result for e in exports)
        and any(_detail(e, "kind") == kind for e in exports),
        f"日志中没有导出本{kind}记录包的记录",
        f"the log has no bundle.exported entry of kind {kind} naming the result",
    )
    logged = sorted(str(_detail(e, "digest")) for _, e in segment if _event(e) is Event.AMENDED)
    require(
        logged == sorted(rec.amendment_digests()),
        "日志中的调整记录与包中的调整文件不符",
        "the amendments logged differ from the amendments in the bundle",
    )
    return Passed(
        "公告、现场记录、结果与导出的日志摘要均与文件一致",
        "announcement, ceremony, result and export digests in the log match the documents",
    )


@checks.check("log.witnesses", "见证人输入已入日志", "witness inputs match the log")
def _witnesses(rec: BundleRecord) -> Passed:
    cer = rec.ceremony()
    logged = [
        (_detail(e, "index"), _detail(e, "input"), _detail(e, "role"))
        for _, e in current(rec)
        if _event(e) is Event.WITNESS
    ]
    wanted = [(n, w.input, w.role) for n, w in enumerate(cer.witnesses)]
    if logged != wanted:
        diff = next(
            (n for n, (a, b) in enumerate(zip(logged, wanted, strict=False)) if a != b), None
        )
        where = (
            ("见证人人数", "their number") if diff is None else (f"第 {diff} 位", f"witness {diff}")
        )
        raise Failed(
            f"现场记录中的见证人与日志不符：{where[0]}",
            f"the ceremony's witnesses differ from the log: {where[1]}",
        )
    return Passed(
        f"{len(wanted)} 位见证人的输入与日志一致（序号、输入、身份）",
        f"{len(wanted)} witness inputs match the log (index, input, role)",
    )


@checks.check("log.timeline", "公告先于开奖", "announcement logged before the ceremony")
def _timeline(rec: BundleRecord) -> Passed:
    segment = current(rec)
    cer = rec.ceremony()
    published, _ = segment[0]
    witnesses = [(i, e) for i, e in segment if _event(e) is Event.WITNESS]
    revealed, rev = _only(segment, Event.REVEALED)
    require(
        bool(witnesses) and published < witnesses[0][0] and witnesses[-1][0] < revealed,
        "公告须先于见证人输入、见证人输入须先于揭示种子记入日志",
        "the log must hold the announcement before the witness inputs, and those before the reveal",
    )
    times = [moment(str(e["time"])) for _, e in rec.entries()]
    require(
        all(a <= b for a, b in pairwise(times)),
        "日志时间倒流",
        "log times go backwards",
    )
    same = [w.entered_at == e["time"] for w, (_, e) in zip(cer.witnesses, witnesses, strict=False)]
    require(
        all(same) and cer.revealed_at == rev["time"],
        "现场记录的时间与日志不符",
        "the ceremony's times differ from the times logged",
    )
    return Passed(
        f"公告于 {segment[0][1]['time']} 记入日志，种子于 {cer.revealed_at} 揭示",
        f"announcement logged at {segment[0][1]['time']}, seed revealed at {cer.revealed_at}",
    )
