"""``placement record …``: one draw from the command line, step by step.

placement record announce --dir D --roster R.csv --teams T.csv --school … --intake …
placement record witness  --dir D --role 家长代表 --name 张三 --input "3 1 4 1 5 9"
placement record reveal   --dir D [--beacon-value V]
placement record export   --dir D --kind public|archive --out bundle.zip
placement record receipt  --dir D --id-number 220802… --out receipt.json
placement record cancel   --dir D --reason …
placement record amend    --dir D --pupil-id-number 220802… --to 3 --reason … \
                          --evidence … --requested-by …      (a correction request, §E1)
placement record decide   --dir D --number N --approve|--refuse --approver … --reason …
"""

from __future__ import annotations

import argparse
import secrets
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from keys.passphrase import ENV_VAR, read_passphrase
from placement.policy import PROFILES, Level
from web.service.console import out

if TYPE_CHECKING:
    from placement.canonical import Json
    from web.record.draw import DrawRecord, Signers


def _now() -> datetime:
    from web.record import clock

    return clock.now()


def load_signers(args: argparse.Namespace) -> Signers:
    """The signers named by ``--keys``, ``--bureau-key``, ``--log-key``, ``--supervisor-key``."""
    from keys.store import KeyStore
    from web.record.draw import Signers

    store = KeyStore(Path(args.keys))
    passphrase = read_passphrase(creating=False, env_var=args.passphrase_env)
    supervisor = None
    if getattr(args, "supervisor_key", None):
        sup_pass = read_passphrase(creating=False, env_var=args.supervisor_passphrase_env)
        supervisor = store.signer(args.supervisor_key, sup_pass)
    return Signers(
        bureau=store.signer(args.bureau_key, passphrase),
        log=store.signer(args.log_key, passphrase),
        supervisor=supervisor,
    )


def _record(args: argparse.Namespace) -> DrawRecord:
    from web.record.draw import DrawRecord
    from web.record.filelog import FileLog

    return DrawRecord(Path(args.dir), FileLog(Path(args.log)))


def cmd_announce(args: argparse.Namespace) -> int:
    from placement.draw import Intake
    from web.record.draw import DrawRecord
    from web.record.filelog import FileLog
    from web.service.intake_files import read_roster, read_teams

    intake = Intake(
        draw_id=args.draw_id,
        district=args.district,
        school=args.school,
        intake=args.intake,
        level=Level(args.level),
        year=args.year,
        scheduled=args.scheduled,
        witnesses=tuple(args.planned_witness or ()),
        beacon=args.beacon,
    )
    rec = DrawRecord.announce(
        Path(args.dir),
        FileLog(Path(args.log)),
        intake=intake,
        profile=PROFILES[args.policy],
        pupils=read_roster(Path(args.roster)),
        teams=read_teams(Path(args.teams)),
        signers=load_signers(args),
        now=_now(),
        token_bytes=secrets.token_bytes,
    )
    out(f"已公告 announced: {rec.draw_id} → {args.dir}/public/announcement.jws")
    return 0


def cmd_witness(args: argparse.Namespace) -> int:
    index = _record(args).add_witness(role=args.role, name=args.name, text=args.input, now=_now())
    out(f"见证人输入 #{index + 1} 已记录 witness input recorded")
    return 0


def cmd_reveal(args: argparse.Namespace) -> int:
    outcome = _record(args).reveal(
        beacon_value=args.beacon_value, now=_now(), signers=load_signers(args)
    )
    out(f"最终种子 final seed {outcome.final_seed.hex()}")
    out(f"结果摘要 result digest {outcome.result_digest.hex()}")
    out(outcome.report.table())
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    _record(args).cancel(reason=args.reason, now=_now(), signers=load_signers(args))
    out("公告已撤销并记入日志 announcement cancelled and logged")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from keys.store import KeyStore, write_atomic

    signers = load_signers(args)
    keyring = KeyStore(Path(args.keys)).keyring()
    data = _record(args).export(kind=args.kind, keyring=keyring, now=_now(), signers=signers)
    write_atomic(Path(args.out), data, mode=0o600 if args.kind == "archive" else 0o644)
    out(f"记录包 bundle ({args.kind}) → {args.out} ({len(data):,} bytes)")
    return 0


def cmd_receipt(args: argparse.Namespace) -> int:
    from keys.store import write_atomic
    from placement.canonical import canonical_json

    doc = _record(args).receipt(args.id_number)
    write_atomic(Path(args.out), canonical_json(doc), mode=0o600)
    out(f"回执 receipt → {args.out}")
    return 0


def cmd_amend(args: argparse.Namespace) -> int:
    """The v1 amendment's successor (spec §E1): a signed, logged ``correction`` request;
    the pupil moves only with ``placement record decide N --approve``."""
    from web.record import exceptions as rx
    from web.record.reading import RecordError

    rec = _record(args)
    index = rec.receipt(args.pupil_id_number)["index"]
    assert isinstance(index, int)
    pupil, current = rx.pupil_ref(rec, index)
    if current is None:
        raise RecordError("该学生已不在任何班", "that pupil is in no class any more")
    change: dict[str, Json] = {"from": current, "pupil": pupil, "to": args.to}
    detail: dict[str, Json] = {"changes": [change], "evidence": args.evidence}
    if rec.version() == 2:
        detail["version"] = 2
    doc = rx.request(
        rec,
        kind="correction",
        category=args.category,
        reason=args.reason,
        requested_by=args.requested_by,
        detail=detail,
        now=_now(),
        signers=load_signers(args),
    )
    n = doc["number"]
    out(
        f"第 {n} 号更正申请已签名并记入日志（第{current}班 → 第{args.to}班），待教育局批准 / "
        f"correction request {n} signed and logged (class {current} → {args.to}); "
        f"it takes effect once approved: placement record decide --number {n} --approve …"
    )
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    """A bureau admin's decision on exception N (§E2), checked by the verifier's replay."""
    from placement.exceptions import Decision, Waiver
    from web.record import exceptions as rx

    decision = Decision.APPROVED if args.approve else Decision.REFUSED
    doc, step = rx.decide(
        _record(args),
        number=args.number,
        decision=decision,
        approver=args.approver,
        reason=args.reason,
        waivers=[Waiver(w) for w in args.waive or ()],
        now=_now(),
        signers=load_signers(args),
    )
    classes = "、".join(str(c) for c in step.changed) or "-"
    out(
        f"第 {args.number} 号例外：{'已批准' if args.approve else '不予批准'}，"
        f"变动班级 {classes} / exception {args.number} {decision.value}; "
        f"classes changed: {classes}; placed: {doc['placed']}"
    )
    return 0


def _common(p: argparse.ArgumentParser, *, signs: bool) -> None:
    p.add_argument("--dir", required=True, help="the draw's record folder")
    p.add_argument("--log", default="instance/log", help="transparency log folder")
    if signs:
        p.add_argument("--keys", default="instance/keys", help="key store folder")
        p.add_argument("--bureau-key", required=True, help="bureau signing key name")
        p.add_argument("--log-key", required=True, help="log signing key name")
        p.add_argument("--supervisor-key", help="supervisor key name, to cosign")
        p.add_argument("--passphrase-env", default=ENV_VAR)
        p.add_argument("--supervisor-passphrase-env", default="PLACEMENT_SUPERVISOR_PASSPHRASE")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rec = sub.add_parser("record", help="one draw's signed record (公告、见证、开奖、导出)")
    steps = rec.add_subparsers(dest="step", required=True)
    p = steps.add_parser("announce", help="validate, commit and publish the signed announcement")
    _common(p, signs=True)
    p.add_argument("--roster", required=True)
    p.add_argument("--teams", required=True)
    p.add_argument("--draw-id", required=True)
    p.add_argument("--district", default="吉林省白城市洮北区")
    p.add_argument("--school", required=True)
    p.add_argument("--intake", required=True, help="e.g. 2024级一年级")
    p.add_argument("--level", choices=[lv.value for lv in Level], required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--policy", choices=sorted(PROFILES), default="taobei-2024")
    p.add_argument(
        "--scheduled", required=True, help="planned start, e.g. 2024-08-14T09:00:00+08:00"
    )
    p.add_argument("--planned-witness", action="append", help="role and name, repeatable")
    p.add_argument("--beacon", help="public beacon round declared in advance")
    p.set_defaults(func=cmd_announce)
    p = steps.add_parser("witness", help="record one witness input as typed")
    _common(p, signs=False)
    p.add_argument("--role", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--input", required=True)
    p.set_defaults(func=cmd_witness)
    p = steps.add_parser("reveal", help="reveal the seed, draw, sign the result and class lists")
    _common(p, signs=True)
    p.add_argument("--beacon-value")
    p.set_defaults(func=cmd_reveal)
    p = steps.add_parser("cancel", help="cancel an announcement (stays in the log)")
    _common(p, signs=True)
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_cancel)
    p = steps.add_parser("export", help="write a public or archive record bundle")
    _common(p, signs=True)
    p.add_argument("--kind", choices=["public", "archive"], default="public")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_export)
    p = steps.add_parser("receipt", help="write one pupil's private receipt")
    _common(p, signs=False)
    p.add_argument("--id-number", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_receipt)
    _exception_parsers(steps)


def _exception_parsers(steps: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = steps.add_parser(
        "amend", help="request a correction of class (更正); it needs the bureau's decision"
    )
    _common(p, signs=True)
    p.add_argument("--pupil-id-number", required=True, help="the pupil's resident ID number")
    p.add_argument("--to", type=int, required=True, help="the class number to move to")
    p.add_argument("--reason", required=True)
    p.add_argument("--evidence", required=True, help="the document proving the error")
    p.add_argument("--category", choices=["data-error", "twin-wish", "other"], default="data-error")
    p.add_argument("--requested-by", required=True, help="the school's requester")
    p.set_defaults(func=cmd_amend)
    p = steps.add_parser("decide", help="approve or refuse exception N (bureau admin)")
    _common(p, signs=True)
    p.add_argument("--number", type=int, required=True)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--approve", action="store_true")
    which.add_argument("--refuse", action="store_true")
    p.add_argument("--approver", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--waive", action="append", choices=["cap", "first-year"])
    p.set_defaults(func=cmd_decide)
