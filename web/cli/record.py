"""``placement record …``: one draw from the command line, step by step.

placement record announce --dir D --roster R.csv --teams T.csv --school … --intake …
placement record witness  --dir D --role 家长代表 --name 张三 --input "3 1 4 1 5 9"
placement record reveal   --dir D [--beacon-value V]
placement record export   --dir D --kind public|archive --out bundle.zip
placement record receipt  --dir D --id-number 220802… --out receipt.json
placement record cancel   --dir D --reason …
placement record amend    --dir D --pupil-id-number 220802… --to 3 --reason … \
                          --approved-by … --approved-on YYYY-MM-DD
"""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import datetime
from pathlib import Path

from keys.passphrase import ENV_VAR, read_passphrase
from keys.store import KeyStore, write_atomic
from placement.canonical import canonical_json
from placement.documents import Change
from placement.draw import Intake
from placement.policy import PROFILES, Level
from web.record import clock
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog
from web.record.reading import RecordError
from web.service.intake_files import read_roster, read_teams


def _now() -> datetime:
    return clock.now()


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def load_signers(args: argparse.Namespace) -> Signers:
    """The signers named by ``--keys``, ``--bureau-key``, ``--log-key``, ``--supervisor-key``."""
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
    return DrawRecord(Path(args.dir), FileLog(Path(args.log)))


def cmd_announce(args: argparse.Namespace) -> int:
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
    _out(f"已公告 announced: {rec.draw_id} → {args.dir}/public/announcement.jws")
    return 0


def cmd_witness(args: argparse.Namespace) -> int:
    index = _record(args).add_witness(role=args.role, name=args.name, text=args.input, now=_now())
    _out(f"见证人输入 #{index + 1} 已记录 witness input recorded")
    return 0


def cmd_reveal(args: argparse.Namespace) -> int:
    outcome = _record(args).reveal(
        beacon_value=args.beacon_value, now=_now(), signers=load_signers(args)
    )
    _out(f"最终种子 final seed {outcome.final_seed.hex()}")
    _out(f"结果摘要 result digest {outcome.result_digest.hex()}")
    _out(outcome.report.table())
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    _record(args).cancel(reason=args.reason, now=_now(), signers=load_signers(args))
    _out("公告已撤销并记入日志 announcement cancelled and logged")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    signers = load_signers(args)
    keyring = KeyStore(Path(args.keys)).keyring()
    data = _record(args).export(kind=args.kind, keyring=keyring, now=_now(), signers=signers)
    write_atomic(Path(args.out), data, mode=0o600 if args.kind == "archive" else 0o644)
    _out(f"记录包 bundle ({args.kind}) → {args.out} ({len(data):,} bytes)")
    return 0


def cmd_receipt(args: argparse.Namespace) -> int:
    doc = _record(args).receipt(args.id_number)
    write_atomic(Path(args.out), canonical_json(doc), mode=0o600)
    _out(f"回执 receipt → {args.out}")
    return 0


def cmd_amend(args: argparse.Namespace) -> int:
    rec = _record(args)
    index = rec.receipt(args.pupil_id_number)["index"]
    assert isinstance(index, int)
    current = rec.current_classes().get(index)
    if current is None:
        raise RecordError("该学生尚未分班 / that pupil has not been placed")
    doc = rec.amend(
        changes=[Change(pupil=index, from_class=current, to_class=args.to)],
        reason=args.reason,
        approved_by=args.approved_by,
        approved_on=args.approved_on,
        now=_now(),
        signers=load_signers(args),
    )
    _out(
        f"调整记录 #{doc['seq']} 已签署并记入日志 amendment {doc['seq']} signed and logged: "
        f"第{current}班 → 第{args.to}班 class {current} → {args.to} "
        f"→ {args.dir}/public/amendments/{doc['seq']}.jws"
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
    p = steps.add_parser("amend", help="sign and log an approved change of class (调整)")
    _common(p, signs=True)
    p.add_argument("--pupil-id-number", required=True, help="the pupil's resident ID number")
    p.add_argument("--to", type=int, required=True, help="the class number to move to")
    p.add_argument("--reason", required=True)
    p.add_argument("--approved-by", required=True)
    p.add_argument("--approved-on", required=True, help="YYYY-MM-DD")
    p.set_defaults(func=cmd_amend)
