"""Twin vectors (spec §E7) under ``tests/vectors/v1/exceptions-twins/``: a story of its own,
so the exception bundles of ``generate_exceptions.py`` keep their bytes.

Run by ``python tests/vectors/generate.py [--check]`` with the other vectors.

    history.json                the story: each request and decision, the class
                                late-placement/1 would have given a twin, the classes
                                after each step, and the approval refused for a twin
                                whose twin was transferred out (both languages)
    bundle-public.zip           the draw with its exceptions, exported (public kind)
    bundle-archive.zip          the same, archive kind (private parts of added pupils too)
    bundle-tampered-twin.zip    the same record up to the twin's request, then a decision
                                (signed with the bureau key) placing the twin where
                                late-placement/1 would, not with the first twin, with
                                matching statement versions: fails ``exceptions.rules``

The draw is the one of ``generate_record.py`` (same roster, keys, times, token counter)
under its own draw id. THE KEYS ARE TEST KEYS (see ``v1/record/keys.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import tempfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import generate_exceptions as ge
import generate_record as gr

from placement import history as core
from placement.exceptions import Decision, ExceptionError, Kind, Waiver
from placement.history import late_class
from placement.policy import TAOBEI_2024
from web.record import exceptions as service
from web.record.draw import DrawRecord, Signers
from web.record.exceptions import admitted_leaf, decide, history, request, setting
from web.record.filelog import FileLog

Doc = dict[str, Any]
OUT = gr.ROOT / "tests/vectors/v1/exceptions-twins"
DRAW_ID = "vectors-2024-exceptions-twins"
GENERATOR = "tests/vectors/generate_twins.py (run by tests/vectors/generate.py)"
TAMPERED_CHECK = "exceptions.rules"
SISTER = ge.Added("林晓雨", gr.F, "2018-03-09")
BROTHER = ge.Added("林晓阳", gr.M, "2018-03-09")
LEAVER = ge.Added("周子涵", gr.F, "2018-07-02")
LEAVER_TWIN = ge.Added("周子轩", gr.M, "2018-07-02")
BY = "向量实验小学教务处"
APPROVER = "洮北区教育局 李明"


class _Story:
    """One record and the steps written so far."""

    def __init__(self, base: Path) -> None:
        bureau, supervisor, log_key = (gr.signer(role) for role, _, _ in gr.KEYS)
        self.sig = Signers(bureau=bureau, log=log_key, supervisor=supervisor)
        self.ring = gr.keyring([bureau, supervisor, log_key])
        self.salts = gr.TokenCounter("exceptions-twins")
        self.base = base
        self.steps: list[Doc] = []
        self.rec = DrawRecord.announce(
            base / "draw",
            FileLog(base / "log"),
            intake=gr.intake(DRAW_ID, gr.SCHEDULED, gr.BEACON_ROUND),
            profile=TAOBEI_2024,
            pupils=gr.pupils(),
            teams=gr.teams(),
            signers=self.sig,
            now=gr.ANNOUNCED,
            token_bytes=gr.TokenCounter(DRAW_ID),
        )
        for role, name, text, minutes in gr.WITNESSES:
            self.rec.add_witness(
                role=role, name=name, text=text, now=gr.CEREMONY + dt.timedelta(minutes=minutes)
            )
        self.rec.reveal(
            beacon_value=gr.label_bytes("record beacon").hex(),
            now=gr.CEREMONY + dt.timedelta(minutes=5),
            signers=self.sig,
        )

    def add(self, who: ge.Added, day: str, twin_of: int | None = None) -> int:
        leaf, private = admitted_leaf(self.rec, ge._pupil(who, len(self.steps)), self.salts(16))
        detail: Doc = {
            "admission": {"basis": "late-review", "reference": f"复审决定 {day}"},
            "leaf": leaf.to_json(),
        }
        if twin_of is not None:
            detail["twin_of"] = twin_of
        reason = (
            f"双胞胎同班意愿：与第 {twin_of} 号例外的学生同班"
            if twin_of
            else "资格复审于派位后通过"
        )
        doc = request(
            self.rec,
            kind=Kind.LATE.value,
            category="late-review",
            reason=reason,
            requested_by=BY,
            detail=detail,
            private=private,
            now=ge._at(day),
            signers=self.sig,
        )
        return int(str(doc["number"]))

    def rule(
        self, n: int, decision: Decision, reason: str, day: str, waivers: tuple[Waiver, ...] = ()
    ) -> Doc:
        state, entries = history(self.rec)
        req = entries[n - 1].request
        leaf = req.member()
        would = (
            late_class(state, setting(self.rec), leaf, n, waive_cap=Waiver.CAP in waivers)
            if leaf is not None
            else None
        )
        doc, step = decide(
            self.rec,
            number=n,
            decision=decision,
            approver=APPROVER,
            reason=reason,
            waivers=waivers,
            now=ge._at(day, 15),
            signers=self.sig,
        )
        after, _ = history(self.rec)
        out = {
            "number": n,
            "kind": req.kind.value,
            "twin_of": req.twin_of,
            "request": entries[n - 1].request_doc,
            "decision": doc,
            "late_placement_1_would_place": would,
            "changed": list(step.changed),
            "added_leaf_index": step.added,
            "classes_after": {str(c.number): list(c.pupils) for c in after.classes},
        }
        self.steps.append(out)
        return out


def _tampered(base: Path, story: _Story, twin: int) -> bytes:
    """The record as it stood before the twin's decision, then a decision placing the twin
    by late-placement/1 (as if ``twin_of`` were ignored), signed and logged by the service."""
    shutil.copytree(base / "before-twin", base / "tampered")
    bad = DrawRecord(base / "tampered/draw", FileLog(base / "tampered/log"))

    def blind(state: Any, cfg: Any, req: Any, ruling: Any) -> Any:
        return core.apply(state, cfg, replace(req, twin_of=None), ruling)

    def by_rule(state: Any, cfg: Any, req: Any, *, waive_cap: bool) -> Any:
        return core.placement(state, cfg, replace(req, twin_of=None), waive_cap=waive_cap)

    with (
        mock.patch.object(service, "apply", blind),
        mock.patch.object(service, "placement", by_rule),
    ):
        decide(
            bad,
            number=twin,
            decision=Decision.APPROVED,
            approver=APPROVER,
            reason="按补录规则安排",
            now=ge._at("2024-08-29", 15),
            signers=story.sig,
        )
    return bad.export(
        kind="public", keyring=story.ring, now=ge._at("2024-10-01"), signers=story.sig
    )


def run() -> tuple[Doc, dict[str, bytes]]:
    with tempfile.TemporaryDirectory(prefix="sunshine-twins-") as tmp:
        base = Path(tmp)
        s = _Story(base)
        n = s.add(SISTER, "2024-08-26")
        s.rule(n, Decision.APPROVED, "复审通过，按补录规则安排", "2024-08-27")
        twin = s.add(BROTHER, "2024-08-28", twin_of=n)
        shutil.copytree(base / "draw", base / "before-twin/draw")
        shutil.copytree(base / "log", base / "before-twin/log")
        step = s.rule(twin, Decision.APPROVED, "双胞胎同班意愿属实，与其姐姐同班", "2024-08-29")
        assert step["late_placement_1_would_place"] != step["decision"]["placed"]
        n = s.add(LEAVER, "2024-09-02")
        s.rule(n, Decision.APPROVED, "复审通过，按补录规则安排", "2024-09-03")
        leaver = s.steps[-1]["added_leaf_index"]
        # the twin's request is valid when made; its twin leaves before the decision
        late = s.add(LEAVER_TWIN, "2024-09-05", twin_of=n)
        out = request(
            s.rec,
            kind=Kind.TRANSFER_OUT.value,
            category="family-move",
            reason="家庭迁往外省",
            requested_by=BY,
            detail={"pupil": leaver, "to_school": "外省某小学"},
            now=ge._at("2024-09-10"),
            signers=s.sig,
        )
        s.rule(
            int(str(out["number"])),
            Decision.APPROVED,
            "户籍与居住地均已迁出本区，特批",
            "2024-09-12",
            (Waiver.FIRST_YEAR,),
        )
        try:  # a new twin request for the pupil who left is refused when it is made
            s.add(LEAVER_TWIN, "2024-09-13", twin_of=n)
        except ExceptionError as e:
            request_refused = {"twin_of": n, "zh": e.zh, "en": e.en}
        else:  # pragma: no cover - the story needs this refusal
            raise AssertionError("a twin request for a pupil transferred out was signed")
        try:
            decide(
                s.rec,
                number=late,
                decision=Decision.APPROVED,
                approver=APPROVER,
                reason="同班安排",
                now=ge._at("2024-09-16", 15),
                signers=s.sig,
            )
        except ExceptionError as e:
            refused = {"number": late, "zh": e.zh, "en": e.en}
        else:  # pragma: no cover - the story needs this refusal
            raise AssertionError("the twin of a pupil transferred out was approved")
        s.rule(late, Decision.REFUSED, "其双胞胎已转出本校，无法同班安排", "2024-09-16")
        public = s.rec.export(
            kind="public", keyring=s.ring, now=ge._at("2024-10-01"), signers=s.sig
        )
        archive = s.rec.export(
            kind="archive", keyring=s.ring, now=ge._at("2024-10-01", 11), signers=s.sig
        )
        tampered = _tampered(base, s, twin)
    doc = {
        "description": (
            "Twins added after the draw (spec §E7) on the draw of v1/record under its own "
            "draw id: a late placement; its twin's late placement with detail.twin_of, "
            "placed in the first twin's class although late-placement/1 "
            "('late_placement_1_would_place') gives another; a third late placement, then "
            "a twin request for that pupil (valid when made), then that pupil transferred "
            "out (first-year waiver) before the decision, so the service refuses the twin's "
            "approval ('approval_refused', nothing stored) and the bureau refuses it; a new "
            "twin request naming the pupil who left is refused before it is signed "
            "('request_refused')."
        ),
        "generator": GENERATOR,
        "rule": "§E7 twin_of",
        "steps": s.steps,
        "approval_refused": refused,
        "request_refused": request_refused,
        "tampered": {
            "bundle": "bundle-tampered-twin.zip",
            "fails": TAMPERED_CHECK,
            "what": f"exception {twin} (twin_of {s.steps[1]['twin_of']}) approved into the class "
            "late-placement/1 gives, not the first twin's; statements re-signed to match",
        },
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
    }
    bundles = {"bundle-public.zip": public, "bundle-archive.zip": archive}
    return doc, {**bundles, "bundle-tampered-twin.zip": tampered}


def render() -> dict[str, bytes]:
    doc, bundles = run()
    return {"history.json": gr.dumps(doc).encode("utf-8"), **bundles}


def _recorded(out: Path) -> str | None:
    """The zlib that wrote the committed bundles (another zlib may compress differently)."""
    try:
        return str(json.loads((out / "history.json").read_text("utf-8")).get("zlib"))
    except (OSError, ValueError):
        return None


def drift(out: Path = OUT) -> list[str]:
    files = render()
    recorded = _recorded(out)
    problems = []
    for name, data in files.items():
        path = out / name
        if not path.exists():
            problems.append(f"missing: {gr._shown(path)}")
        elif not ge._same(name, path.read_bytes(), data, recorded):
            problems.append(f"differs: {gr._shown(path)}")
    have = {p.name for p in out.iterdir()} if out.is_dir() else set()
    problems += [f"extra: {gr._shown(out / n)}" for n in sorted(have - files.keys())]
    return problems


def write(out: Path = OUT) -> list[str]:
    files = render()
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    recorded = _recorded(out)
    for name, data in files.items():
        path = out / name
        if path.exists() and ge._same(name, path.read_bytes(), data, recorded):
            continue
        path.write_bytes(data)
        lines.append(f"wrote {gr._shown(path)} ({len(data):,} bytes)")
    return lines


if __name__ == "__main__":
    sys.exit(1 if drift() else 0)
