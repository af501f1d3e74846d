"""Exception vectors (spec Part E, §E1–§E5) under ``tests/vectors/v1/exceptions/`` and,
for a protocol v2 record of the same story (§E5), ``tests/vectors/v2/exceptions/``.

Run by ``python tests/vectors/generate.py [--check]`` with the other vectors.

    history.json                every exception of the sample draw: request, decision,
                                the late-placement keys of every candidate class
                                (tickets included), the classes and spreads after it
    bundle-public.zip           the draw with its exceptions, exported (public kind)
    bundle-archive.zip          the same, archive kind (private parts of added pupils too)
    bundle-tampered-moved.zip   the same record after an insider signed new statement
                                versions moving one pupil with no approved exception:
                                fails ``exceptions.statements``

The draw is the one of ``generate_record.py`` (same roster, keys, times, token counter);
exceptions follow with fixed times. The salts of added pupils come from a SHA-256
counter too. THE KEYS ARE TEST KEYS (see ``v1/record/keys.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import tempfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import generate_record as gr

from placement.exceptions import Decision, Kind, Request, Waiver
from placement.history import late_keys, late_ticket, spreads, statement_version
from placement.keyring import CST
from placement.policy import TAOBEI_2024
from placement.roster import PupilRecord, Sex
from placement.teams import Teacher, Team
from web.record.draw import DrawRecord, Signers
from web.record.exceptions import (
    admitted_leaf,
    decide,
    history,
    members,
    request,
    setting,
)
from web.record.filelog import FileLog

Doc = dict[str, Any]
OUT = gr.ROOT / "tests/vectors/v1/exceptions"
OUT_V2 = gr.ROOT / "tests/vectors/v2/exceptions"
DRAW_ID_V2 = "vectors-2024-exceptions-v2"
GENERATOR = "tests/vectors/generate_exceptions.py (run by tests/vectors/generate.py)"
TAMPERED_CHECK = "exceptions.statements"


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=CST)


@dataclass(frozen=True)
class Added:
    name: str
    sex: Sex
    born: str
    flags: tuple[str, ...] = ()


# (kind, category, reason, request day, detail maker, decision, decision day, waivers)
LATE_GIRL = Added("宋雨桐", gr.F, "2018-05-05")
LATE_SAME_NAME = Added("王浩宇", gr.M, "2018-02-14", gr.LEFT_BEHIND)  # 重名 with two pupils
TRANSFER_IN_EARLY = Added("韩子墨", gr.M, "2018-01-20")
TRANSFER_IN_LATER = Added("曹依依", gr.F, "2018-04-22")
PENDING = Added("彭思远", gr.M, "2018-06-30")


def _pupil(a: Added, serial: int) -> PupilRecord:
    return gr.record(900 + serial, a.name, a.sex, a.born, 100 + serial, flags=a.flags)


@dataclass(frozen=True)
class Flow:
    entries: list[Doc]
    bundles: dict[str, bytes]


def _index_of(rec: DrawRecord, name: str) -> int:
    """The replay's index of the roster pupil with this name (v2: found privately)."""
    if rec.version() == 1:
        return next(i for i, leaf in enumerate(rec.leaves()) if leaf.name == name)
    private = json.loads(rec.store.get("private/leaves.json") or b"[]")
    return members(rec)[next(i for i, p in enumerate(private) if p["name"] == name)]


def _member(req: Request) -> Any:
    return req.member()


def run_flow(version: int = 1) -> Flow:  # noqa: PLR0915 - one scripted story, step by step
    bureau, supervisor, log_key = (gr.signer(role) for role, _, _ in gr.KEYS)
    sig = Signers(bureau=bureau, log=log_key, supervisor=supervisor)
    ring = gr.keyring([bureau, supervisor, log_key])
    salts = gr.TokenCounter("exceptions" if version == 1 else "exceptions-v2")
    draw_id = gr.DRAW_ID if version == 1 else DRAW_ID_V2
    v2 = version == 2
    out: list[Doc] = []
    with tempfile.TemporaryDirectory(prefix="sunshine-exceptions-") as tmp:
        base = Path(tmp)
        rec = DrawRecord.announce(
            base / "draw",
            FileLog(base / "log"),
            intake=replace(gr.intake(draw_id, gr.SCHEDULED, gr.BEACON_ROUND), version=version),
            profile=TAOBEI_2024,
            pupils=gr.pupils(),
            teams=gr.teams(),
            signers=sig,
            now=gr.ANNOUNCED,
            token_bytes=gr.TokenCounter(draw_id),
        )
        for i, (role, name, text, minutes) in enumerate(gr.WITNESSES):
            _ = i
            rec.add_witness(
                role=role, name=name, text=text, now=gr.CEREMONY + dt.timedelta(minutes=minutes)
            )
        rec.reveal(
            beacon_value=gr.label_bytes("record beacon").hex(),
            now=gr.CEREMONY + dt.timedelta(minutes=5),
            signers=sig,
        )

        def other(
            kind: Kind,
            category: str,
            reason: str,
            day: str,
            detail: Doc,
            private: Doc | None = None,
        ) -> int:
            doc = request(
                rec,
                kind=kind.value,
                category=category,
                reason=reason,
                requested_by="向量实验小学教务处",
                detail=detail,
                private=private,
                now=_at(day),
                signers=sig,
            )
            return int(str(doc["number"]))

        def add(kind: Kind, category: str, reason: str, who: Added, day: str, extra: Doc) -> int:
            leaf, private = admitted_leaf(rec, _pupil(who, len(out)), salts(16))
            named = {"name": who.name} if v2 else {}  # §E5: the v2 leaf has no name
            body = {**extra, **named, "leaf": leaf.to_json()}
            return other(kind, category, reason, day, body, private)

        def rule(
            n: int, decision: Decision, reason: str, day: str, waivers: tuple[Waiver, ...] = ()
        ) -> None:
            state, entries = history(rec)
            req = entries[n - 1].request
            keys = (
                late_keys(state, setting(rec), _member(req), n, waive_cap=Waiver.CAP in waivers)
                if req.leaf is not None and decision is Decision.APPROVED
                else {}
            )
            doc, step = decide(
                rec,
                number=n,
                decision=decision,
                approver="洮北区教育局 李明",
                reason=reason,
                waivers=waivers,
                now=_at(day, 15),
                signers=sig,
            )
            after, _ = history(rec)
            out.append(
                {
                    "number": n,
                    "kind": req.kind.value,
                    "request": entries[n - 1].request_doc,
                    "decision": doc,
                    "candidates": {
                        str(c): {
                            "excess": k[0],
                            "size": k[1],
                            "same_sex": k[2],
                            "same_stratum": k[3],
                            "ticket": k[4].hex(),
                        }
                        for c, k in sorted(keys.items())
                    },
                    "changed": list(step.changed),
                    "added_leaf_index": step.added,
                    "classes_after": {str(c.number): list(c.pupils) for c in after.classes},
                    "spread_after": spreads(after),
                    "balanced_after": step.balanced,
                }
            )

        n = add(
            Kind.LATE,
            "late-review",
            "资格复审于派位后通过",
            LATE_GIRL,
            "2024-08-26",
            {
                "admission": {"basis": "late-review", "reference": "复审决定 2024-0815-07"},
            },
        )
        rule(n, Decision.APPROVED, "复审通过，按补录规则安排", "2024-08-27")
        n = add(
            Kind.LATE,
            "bureau-assignment",
            "区教育局统筹安排入学",
            LATE_SAME_NAME,
            "2024-08-28",
            {
                "admission": {"basis": "bureau-assignment", "reference": "统筹安排 2024-031"},
            },
        )
        rule(n, Decision.APPROVED, "统筹安排，按补录规则安排", "2024-08-29")
        state, _ = history(rec)
        biggest = max(state.classes, key=lambda c: (len(c.pupils), -c.number))
        leaver = min(i for i in biggest.pupils if i < 24 and not state.leaves[i].twin)
        n = other(
            Kind.TRANSFER_OUT,
            "family-move",
            "家庭迁往外省",
            "2024-09-10",
            {"pupil": leaver, "to_school": "外省某小学"}
            if not v2
            else {
                "class": biggest.number,
                "pupil": [state.leaves[leaver].name, state.leaves[leaver].sex.value],
                "to_school": "外省某小学",
            },
        )
        rule(
            n,
            Decision.APPROVED,
            "户籍与居住地均已迁出本区，特批",
            "2024-09-12",
            (Waiver.FIRST_YEAR,),
        )
        n = add(
            Kind.TRANSFER_IN,
            "guardian-job",
            "监护人工作调动",
            TRANSFER_IN_EARLY,
            "2024-09-15",
            {"from_school": "白城市某小学"},
        )
        rule(n, Decision.REFUSED, "一年内不允许转学，且不属特殊情况", "2024-09-18")
        state, _ = history(rec)
        where = state.class_of()
        sister, brother = _index_of(rec, "郭梓萱"), _index_of(rec, "郭梓铭")
        change: Doc = {"from": where[sister], "pupil": sister, "to": where[brother]}
        if v2:
            change["pupil"] = [state.leaves[sister].name, state.leaves[sister].sex.value]
        n = other(
            Kind.CORRECTION,
            "twin-wish",
            "双胞胎意愿登记错误：家长申请的是同班",
            "2024-09-20",
            {
                "changes": [change],
                "evidence": "2024-07-16 家长签字的双胞胎同班意愿表（原件存教育局）",
                **({"version": 2} if v2 else {}),
            },
        )
        rule(n, Decision.APPROVED, "核对原始材料属实", "2024-09-23")
        filed = gr.teams()[1]
        team = Team(
            filed.number, filed.label, "郑晓燕", (Teacher("语文", "郑晓燕"), *filed.teachers[1:])
        ).to_json()
        n = other(Kind.TEACHER_CHANGE, "leave", "原班主任长期病假", "2024-10-08", {"team": team})
        rule(n, Decision.APPROVED, "同意由郑晓燕接任班主任", "2024-10-09")
        n = add(
            Kind.TRANSFER_IN,
            "family-move",
            "家庭迁入本学区",
            TRANSFER_IN_LATER,
            "2025-09-01",
            {"from_school": "洮南市某小学"},
        )
        rule(n, Decision.APPROVED, "派位满一年后有学位空缺，按补录规则安排", "2025-09-02")
        add(
            Kind.LATE,
            "returning",
            "回流学生待审",
            PENDING,
            "2025-09-05",
            {
                "admission": {"basis": "returning", "reference": "回流登记 2025-002"},
            },
        )
        public = rec.export(kind="public", keyring=ring, now=_at("2025-09-06"), signers=sig)
        archive = rec.export(kind="archive", keyring=ring, now=_at("2025-09-06", 11), signers=sig)
        # An insider with the bureau key re-signs two classes as if one pupil had moved.
        shutil.copytree(base, base / "tampered")
        bad = DrawRecord(base / "tampered/draw", FileLog(base / "tampered/log"))
        _move_without_approval(bad, sig)
        tampered = bad.export(kind="public", keyring=ring, now=_at("2025-09-07"), signers=sig)
    bundles = {
        "bundle-public.zip": public,
        "bundle-archive.zip": archive,
        "bundle-tampered-moved.zip": tampered,
    }
    return Flow(out, bundles)


def _move_without_approval(rec: DrawRecord, sig: Signers) -> None:
    state, entries = history(rec)
    last = max(e.request.number for e in entries if e.step is not None)
    a, b = state.classes[0], state.classes[1]
    pupil = a.pupils[0]
    moved = replace(
        state,
        classes=(
            replace(a, pupils=a.pupils[1:], version=a.version + 1, exception=last),
            replace(b, pupils=(*b.pupils, pupil), version=b.version + 1, exception=last),
            *state.classes[2:],
        ),
    )
    ann = rec.document("announcement.jws") or {}
    result = rec.document("result.jws") or {}
    from placement.documents import digest  # noqa: PLC0415

    for c in (a.number, b.number):
        doc = statement_version(
            moved,
            c,
            draw_id=rec.draw_id,
            school=str(ann["school"]),
            intake=str(ann["intake"]),
            result_digest=digest(result).hex(),
        )
        text = sig.bureau.sign_jws(doc, iat=int(_at("2025-09-07", 9).timestamp()), compress=True)
        rec.store.put(f"public/statements/{c:02d}.v{doc['version']}.jws", text.encode())


V2_NOTE = (
    " Protocol v2 (§E5): the same story on a v2 record of the same roster. Requests name "
    "added pupils ('name'; their leaf shows only sex) and refer to a removed or moved pupil "
    "by [name, sex] in its class; the replay counts members (the pupils of the class "
    "statements, class then statement order: the indices in 'classes_after'), so strata "
    "take no part and 重名 is checked against the statements' names; statement versions "
    "are v2 statements sorted by (name, sex)."
)


def history_file(flow: Flow, version: int = 1) -> Doc:
    return {
        "description": (
            "Exceptions after the draw of v1/record (spec Part E): two late placements "
            "(one whose name is identical to two placed pupils, so only the class holding "
            "neither is a candidate), a first-year transfer out approved with the "
            "first-year waiver, a first-year transfer in refused, a correction with "
            "evidence, a teacher change, a transfer in after the first year placed by "
            "late-placement/1, and a pending request. 'candidates' are the keys of §E3 "
            "(excess, size, same_sex, same_stratum, ticket) of every candidate class; the "
            "smallest wins and must equal decision.placed."
        )
        + (V2_NOTE if version == 2 else ""),
        "generator": GENERATOR,
        "rule": "late-placement/1",
        "late_ticket_example": {
            "final_seed": "00" * 32,
            "number": 1,
            "class": 2,
            "ticket": late_ticket(bytes(32), 1, 2).hex(),
        },
        "steps": flow.entries,
        "tampered": {
            "bundle": "bundle-tampered-moved.zip",
            "fails": TAMPERED_CHECK,
            "what": "statements of classes 1 and 2 re-signed with one pupil moved from 1 to 2, "
            "naming the last approved exception (which changed neither class that way)",
        },
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
    }


def render(version: int = 1) -> dict[str, bytes]:
    flow = run_flow(version)
    doc = history_file(flow, version)
    return {"history.json": gr.dumps(doc).encode("utf-8"), **flow.bundles}


def _same(name: str, have: bytes, want: bytes, recorded: str | None) -> bool:
    if have == want:
        return True
    if name == "history.json":
        a, b = json.loads(have), json.loads(want)
        a.pop("zlib", None)
        b.pop("zlib", None)
        return bool(a == b)
    zlib_free = recorded is not None and recorded != zlib.ZLIB_RUNTIME_VERSION
    return bool(gr._same(name, have, want, zlib_free=zlib_free))


def drift(out: Path = OUT, version: int = 1) -> list[str]:
    files = render(version)
    try:
        recorded = json.loads((out / "history.json").read_text("utf-8")).get("zlib")
    except (OSError, ValueError):
        recorded = None
    problems = []
    for name, data in files.items():
        path = out / name
        if not path.exists():
            problems.append(f"missing: {gr._shown(path)}")
        elif not _same(name, path.read_bytes(), data, recorded):
            problems.append(f"differs: {gr._shown(path)}")
    have = {p.name for p in out.iterdir()} if out.is_dir() else set()
    problems += [f"extra: {gr._shown(out / n)}" for n in sorted(have - files.keys())]
    return problems


def write(out: Path = OUT, version: int = 1) -> list[str]:
    files = render(version)
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    recorded = None
    if (out / "history.json").exists():
        recorded = json.loads((out / "history.json").read_text("utf-8")).get("zlib")
    for name, data in files.items():
        path = out / name
        if path.exists() and _same(name, path.read_bytes(), data, recorded):
            continue
        path.write_bytes(data)
        lines.append(f"wrote {gr._shown(path)} ({len(data):,} bytes)")
    return lines


if __name__ == "__main__":
    sys.exit(1 if drift() or drift(OUT_V2, 2) else 0)
