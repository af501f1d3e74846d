"""One draw's signed record in a folder: announce → witnesses → reveal → export.

Each step signs what the record needs, appends to the transparency log, and only
then moves the draw to its next stage, so a step is either done and logged or
not done. The service (database) follows the same steps.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from keys.signer import Signer, sign_general
from placement.announcement import from_json
from placement.canonical import Json, canonical_json
from placement.commitment import opaque_codes, private_json
from placement.documents import (
    Change,
    WitnessInput,
    amendment,
    ceremony,
    class_statement,
    class_statement_v2,
    digest,
)
from placement.draw import Intake, Outcome, prepare, replay
from placement.keyring import Keyring
from placement.policy import PolicyProfile
from placement.roster import PupilRecord
from placement.seed import check_witness_input
from placement.teams import Team
from placement.tlog import Actor, Event, checkpoint_of, entry
from web.record.bundle import build_bundle, json_bytes, schemas
from web.record.clock import stamp
from web.record.reading import RecordError, RecordReading
from web.record.store import Blobs, FileBlobs, Log


@dataclass(frozen=True, slots=True)
class Signers:
    bureau: Signer
    log: Signer
    supervisor: Signer | None = None

    def cosigners(self) -> list[Signer]:
        return [self.bureau] + ([self.supervisor] if self.supervisor else [])


@contextmanager
def _no_gc() -> Iterator[None]:
    """A draw builds millions of small objects that all live to its end; the cyclic
    collector would re-scan them many times (a third of the time at 100 000 pupils)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _time(now: datetime) -> str:
    return stamp(now)  # in the policy's zone, with its offset, whatever the clock's zone


def _iat(now: datetime) -> int:
    return int(now.timestamp())


class DrawRecord(RecordReading):
    """The folder of one draw. Secrets (server seed, salts) are kept 0600 until
    the reveal; the server seed is published in the ceremony document."""

    def __init__(self, store: Blobs | Path, log: Log) -> None:
        self.store: Blobs = FileBlobs(store) if isinstance(store, Path) else store
        self.log = log

    def _write(self, name: str, data: bytes, *, private: bool = False) -> None:
        self.store.put(name, data, private=private)

    def _set_state(self, state: dict[str, Json]) -> None:
        self._write("draw.json", json_bytes(state))

    def _log(self, event: Event, actor: Actor, now: datetime, detail: dict[str, Json]) -> int:
        return self.log.append(
            entry(event=event, draw_id=self.draw_id, actor=actor, time=_time(now), detail=detail)
        )

    def _exported(self, detail: dict[str, Json]) -> bool:
        """Whether the log already says a bundle of this kind names this result."""
        return any(
            e.get("draw") == self.draw_id
            and e.get("event") == Event.EXPORTED.value
            and e.get("detail") == detail
            for e in self.log.entries()
        )

    # -- steps -------------------------------------------------------------
    @classmethod
    def announce(  # noqa: PLR0913 - one step, every input named
        cls,
        store: Blobs | Path,
        log: Log,
        *,
        intake: Intake,
        profile: PolicyProfile,
        pupils: Sequence[PupilRecord],
        teams: Sequence[Team],
        signers: Signers,
        now: datetime,
        token_bytes: Callable[[int], bytes],
        enrolment: bytes | None = None,
    ) -> DrawRecord:
        """``enrolment``: the season's roster derivation the pupils come from (spec S9)."""
        rec = cls(store, log)
        if rec.has("draw.json"):
            raise RecordError("该抽签已公告；如需重来请先撤销", "this draw is already announced")
        salts = [token_bytes(16) for _ in pupils]
        server_seed = token_bytes(32)
        with _no_gc():
            prepared = prepare(
                intake=intake,
                profile=profile,
                pupils=pupils,
                teams=teams,
                salts=salts,
                server_seed=server_seed,
            )
        if enrolment is not None:
            prepared = replace(
                prepared, announcement=replace(prepared.announcement, enrolment=enrolment)
            )
        ann = prepared.announcement.to_json()
        roster = prepared.roster
        private = [private_json(pupils[i], salts[i], intake.version) for i in roster.order]
        codes: dict[str, Json] = {
            "strata": dict(roster.strata),
            "twins": {code: label for label, code in _twin_codes(pupils).items()},
        }
        if intake.version == 2:  # spec §21.1: the same-name codes too
            codes["names"] = dict(roster.names)
        rec._write("secret/server_seed", server_seed.hex().encode(), private=True)
        rec._write("private/leaves.json", json_bytes(private), private=True)
        rec._write("private/codes.json", json_bytes(codes), private=True)
        rec._write("public/leaves.json", json_bytes([leaf.to_json() for leaf in roster.leaves]))
        rec._write("public/teams.json", json_bytes([t.to_json() for t in prepared.teams.teams]))
        rec._write(
            "public/announcement.jws",
            sign_general(ann, signers.cosigners(), iat=_iat(now)).encode(),
        )
        state: dict[str, Json] = {
            "beacon_round": intake.beacon,
            "draw_id": intake.draw_id,
            "stage": "announced",
            "witnesses": [],
        }
        rec._set_state(state)
        rec._log(
            Event.PUBLISHED,
            Actor.BUREAU,
            now,
            {"digest": prepared.announcement.digest().hex()},
        )
        log.checkpoint(signers.log)
        return rec

    def _stage(self, *allowed: str) -> dict[str, Json]:
        state = self.state()
        if state["stage"] not in allowed:
            raise RecordError(
                f"当前阶段为 {state['stage']}，不能进行此操作",
                f"not allowed in stage {state['stage']}",
            )
        return state

    def add_witness(self, *, role: str, name: str, text: str, now: datetime) -> int:
        state = self._stage("announced")
        value = check_witness_input(text)
        witnesses = state["witnesses"]
        assert isinstance(witnesses, list)
        index = len(witnesses)
        self._log(
            Event.WITNESS,
            Actor.WITNESS,
            now,
            {"index": index, "input": value, "role": role},
        )
        witnesses.append({"entered_at": _time(now), "input": value, "name": name, "role": role})
        self._set_state(state)
        return index

    def cancel(self, *, reason: str, now: datetime, signers: Signers) -> None:
        self._stage("announced")
        self._log(
            Event.CANCELLED,
            Actor.BUREAU,
            now,
            {"digest": self._announcement_digest().hex(), "reason": reason},
        )
        state = self.state()
        state["stage"] = "cancelled"
        self._set_state(state)
        self.log.checkpoint(signers.log)

    def reveal(self, *, beacon_value: str | None, now: datetime, signers: Signers) -> Outcome:
        state = self._stage("announced")
        witnesses = state["witnesses"]
        assert isinstance(witnesses, list)
        if not witnesses:
            raise RecordError("至少需要一名见证人输入", "at least one witness input is needed")

        ann = from_json(self._signed("announcement.jws"))
        server_seed = bytes.fromhex(self._bytes("secret/server_seed").decode())
        leaves, teams = self.leaves(), self.teams()
        inputs = [str(w["input"]) for w in witnesses if isinstance(w, dict)]
        with _no_gc():
            outcome = replay(
                announcement=ann,
                leaves=leaves,
                teams=teams,
                server_seed=server_seed,
                witness_inputs=inputs,
                beacon_value=beacon_value,
            )
        cer = ceremony(
            announcement_digest=ann.digest(),
            witnesses=[
                WitnessInput(str(w["role"]), str(w["name"]), str(w["input"]), str(w["entered_at"]))
                for w in witnesses
                if isinstance(w, dict)
            ],
            beacon_round=ann.beacon,
            beacon_value=beacon_value,
            server_seed=server_seed,
            final_seed=outcome.final_seed,
            revealed_at=_time(now),
        )
        iat = _iat(now)
        self._write("public/ceremony.jws", signers.bureau.sign_jws(cer, iat=iat).encode())
        self._log(Event.REVEALED, Actor.BUREAU, now, {"digest": digest(cer).hex()})
        self._write(
            "public/result.jws", sign_general(outcome.result, signers.cosigners(), iat=iat).encode()
        )
        result_hex = outcome.result_digest.hex()
        self._log(Event.PERFORMED, Actor.SYSTEM, now, {"digest": result_hex})
        by_number = {t.number: t for t in teams.teams}
        raw = self._read("private/leaves.json") if ann.version == 2 else []
        assert isinstance(raw, list)
        names = [str(p["name"]) if isinstance(p, dict) else "" for p in raw]
        for placed in outcome.placement.classes:
            if ann.version == 2:  # names come from the private roster (§20.2)
                doc = class_statement_v2(
                    draw_id=ann.draw_id,
                    school=ann.school,
                    intake=ann.intake,
                    placed=placed,
                    head_teacher=by_number[placed.number].head_teacher,
                    pupils=[(names[i], leaves[i].sex.value) for i in placed.pupils],
                    result_digest=outcome.result_digest,
                )
            else:
                doc = class_statement(
                    draw_id=ann.draw_id,
                    school=ann.school,
                    intake=ann.intake,
                    placed=placed,
                    head_teacher=by_number[placed.number].head_teacher,
                    leaves=leaves,
                    result_digest=outcome.result_digest,
                )
            jws_text = signers.bureau.sign_jws(doc, iat=iat, compress=True)
            self._write(f"public/statements/{placed.number:02d}.jws", jws_text.encode())
        self._log(Event.SIGNED, Actor.BUREAU, now, {"digest": result_hex})
        state["stage"] = "published"
        self._set_state(state)
        self.log.checkpoint(signers.log)
        return outcome

    def amend(
        self,
        *,
        changes: Sequence[Change],
        reason: str,
        approved_by: str,
        approved_on: str,
        now: datetime,
        signers: Signers,
    ) -> dict[str, Json]:
        """Sign, log and keep an approved amendment (spec §15) to the published result."""
        state = self._stage("published")
        if self.store.names("public/exceptions/"):
            # Part E replays v1 amendments first, then exceptions: one may not follow the other.
            raise RecordError(
                "本批次已有派位后例外，不能再作旧式调整；请提出「更正」申请并由教育局批准 / "
                "this intake has exceptions after the draw: request a correction instead"
            )
        if not changes:
            raise RecordError("调整记录至少包含一项调整", "an amendment needs at least one change")
        if not reason.strip() or not approved_by.strip():
            raise RecordError(
                "调整须注明理由和批准人", "an amendment needs a reason and an approver"
            )
        try:
            valid_day = date.fromisoformat(approved_on).isoformat() == approved_on
        except ValueError:
            valid_day = False
        if not valid_day:
            raise RecordError(
                f"批准日期须为 YYYY-MM-DD：{approved_on}",
                f"approved_on must be a date YYYY-MM-DD: {approved_on}",
            )
        result = self._result_doc()
        class_of = self.current_classes()
        classes = result["classes"]
        assert isinstance(classes, list)
        numbers = {int(str(c["number"])) for c in classes if isinstance(c, dict)}
        for ch in changes:
            if ch.pupil not in class_of:
                raise RecordError(
                    f"没有序号为 {ch.pupil} 的学生", f"there is no pupil with leaf index {ch.pupil}"
                )
            if class_of[ch.pupil] != ch.from_class:
                raise RecordError(
                    f"学生 {ch.pupil} 现在在第{class_of[ch.pupil]}班，不在第{ch.from_class}班",
                    f"pupil {ch.pupil} is in class {class_of[ch.pupil]}, not class {ch.from_class}",
                )
            if ch.to_class not in numbers:
                raise RecordError(f"没有第{ch.to_class}班", f"there is no class {ch.to_class}")
            if ch.to_class == ch.from_class:
                raise RecordError(
                    f"学生 {ch.pupil} 已在第{ch.to_class}班，不能调入本班",
                    f"pupil {ch.pupil} is already in class {ch.to_class}",
                )
            class_of[ch.pupil] = ch.to_class
        seq = self._amendment_count(state) + 1
        doc = amendment(
            result_digest=digest(result),
            seq=seq,
            changes=changes,
            reason=reason,
            approved_by=approved_by,
            approved_on=approved_on,
        )
        jws_text = signers.bureau.sign_jws(doc, iat=_iat(now))
        self._write(f"public/amendments/{seq}.jws", jws_text.encode())
        self._log(Event.AMENDED, Actor.BUREAU, now, {"digest": digest(doc).hex()})
        state["amendments"] = seq
        self._set_state(state)
        self.log.checkpoint(signers.log)
        return doc

    def log_printed(self, *, copies: int, now: datetime, signers: Signers) -> int:
        """Log that ``copies`` copies of the published result's sheets were printed."""
        self._stage("published")
        if copies < 1:
            raise RecordError("打印份数至少为 1", "at least one copy must be printed")
        result_hex = digest(self._result_doc()).hex()
        index = self._log(
            Event.PRINTED, Actor.BUREAU, now, {"copies": copies, "digest": result_hex}
        )
        self.log.checkpoint(signers.log)
        return index

    # -- export ------------------------------------------------------------
    def export(self, *, kind: str, keyring: Keyring, now: datetime, signers: Signers) -> bytes:
        state = self._stage("published", "cancelled")
        detail: dict[str, Json] = {"kind": kind}
        published = state["stage"] == "published"
        if published:
            detail["digest"] = digest(self._result_doc()).hex()
            # The log records that a bundle of this kind exists (the verifier asks for
            # it), once; downloading it again reads the record and writes no entry.
            if not self._exported(detail):
                self._log(Event.EXPORTED, Actor.BUREAU, now, detail)
        checkpoint = self.log.checkpoint(signers.log)
        version = self.version()
        members: dict[str, bytes] = {
            "keyring.json": canonical_json(keyring.to_json()),
            "log/checkpoint": checkpoint.encode(),
            **(schemas() if version == 1 else {}),  # v2 bundles carry no schemas (§24.2)
        }
        for name in ("announcement.jws", "ceremony.jws", "result.jws"):
            data = self.store.get(f"public/{name}")
            if data is not None:
                members[name] = data
        members["roster/leaves.json"] = self._bytes("public/leaves.json")
        members["teams.json"] = self._bytes("public/teams.json")
        for name in self.store.names("public/statements/"):
            members[name.removeprefix("public/")] = self._bytes(name)
        if published:
            for seq in range(1, self._amendment_count(state) + 1):
                members[f"amendments/{seq}.jws"] = self._bytes(f"public/amendments/{seq}.jws")
            for name in self.store.names("public/exceptions/"):  # Part E (§E4)
                members[name.removeprefix("public/")] = self._bytes(name)
        members.update(self._log_members(checkpoint))
        if kind == "archive":
            members["private/leaves.json"] = self._bytes("private/leaves.json")
            members["private/codes.json"] = self._bytes("private/codes.json")
            late = self.store.get("private/late-leaves.json")
            if late is not None:
                members["private/late-leaves.json"] = late
        return build_bundle(
            kind=kind, draw_id=self.draw_id, created=_time(now), members=members, version=version
        )

    def _log_members(self, checkpoint: str) -> dict[str, bytes]:

        size = checkpoint_of(checkpoint).size
        mine = [
            (i, e) for i, e in enumerate(self.log.entries()[:size]) if e.get("draw") == self.draw_id
        ]
        out = {"log/entries.json": json_bytes([{"entry": e, "index": i} for i, e in mine])}
        for i, _ in mine:
            out[f"log/proofs/{i}.tlog-proof"] = self.log.inclusion(i, checkpoint).encode()
        first = mine[0][0] if mine else size
        kept = self.log.checkpoints()
        earlier = sorted(s for s in kept if first < s < size)
        for s in earlier:
            out[f"log/checkpoints/{s}"] = kept[s].encode()
        for old, new in zip(earlier, [*earlier[1:], size], strict=True):
            out[f"log/consistency/{old}-{new}"] = self.log.consistency(old, new).encode()
        return out


def _twin_codes(pupils: Sequence[PupilRecord]) -> dict[str, str]:

    return opaque_codes([p.twin_group for p in pupils], "t")
