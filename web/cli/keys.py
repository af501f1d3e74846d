"""``placement keys …``: create, import, list, rotate, revoke and publish signing keys.

Passphrases come from ``$PLACEMENT_KEY_PASSPHRASE`` or a prompt, never from the
command line. Dates default to today in China Standard Time (UTC+8).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from keys.errors import KeysError, PassphraseError
from keys.passphrase import ENV_VAR, read_passphrase
from placement.keyring import CST, KeyEntry, KeyRole
from web.service.console import out

if TYPE_CHECKING:
    from keys.store import KeyStore

DEFAULT_DIR = "instance/keys"

Handler = Callable[[argparse.Namespace], int]


def _today() -> date:
    return datetime.now(CST).date()


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"日期须为 YYYY-MM-DD / a date is YYYY-MM-DD: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _passphrase(args: argparse.Namespace, *, creating: bool) -> str:
    try:
        return read_passphrase(creating=creating, env_var=args.passphrase_env)
    except EOFError:
        raise PassphraseError("未输入口令", "no passphrase entered") from None


def _status(entry: KeyEntry) -> str:
    parts = []
    if entry.retired is not None:
        parts.append(f"停用 retired {entry.retired}")
    if entry.revoked is not None:
        parts.append(f"吊销 revoked {entry.revoked.day}（{entry.revoked.reason}）")
    return "；".join(parts) or "有效 active"


def _show(store: KeyStore, entry: KeyEntry) -> None:
    here = "本机有私钥 private key here" if store.has_private(entry) else "仅公钥 public only"
    out(f"{entry.name}")
    out(f"   角色 role {entry.role.value}   持有者 label {entry.label}")
    out(f"   密钥号 key id {entry.key_id.hex()}   启用 valid from {entry.valid_from}")
    out(f"   状态 status {_status(entry)}   {here}")
    out(f"   vkey {entry.vkey}")


def cmd_init(args: argparse.Namespace) -> int:
    from keys.store import KeyStore

    store = KeyStore(Path(args.dir))
    if store.init():
        out(f"已建立密钥目录 created key folder {store.directory}")
    else:
        out(f"密钥目录已存在 key folder exists {store.directory}")
    if args.name is None:
        return 0
    return cmd_create(args)


def cmd_create(args: argparse.Namespace) -> int:
    from keys.store import KeyStore

    if args.label is None:
        raise KeysError("请用 --label 注明密钥持有者", "give the key holder with --label")
    store = KeyStore(Path(args.dir))
    store.keyring()  # fail on a missing store before asking for a passphrase
    entry = store.create(
        args.name,
        KeyRole(args.role),
        args.label,
        args.valid_from or _today(),
        _passphrase(args, creating=True),
    )
    out("已生成密钥 created key:")
    _show(store, entry)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from keys.store import KeyStore

    store = KeyStore(Path(args.dir))
    keys = sorted(store.keyring().keys, key=lambda k: (k.role.value, k.valid_from, k.name))
    out(f"密钥目录 key folder {store.directory}：{len(keys)} 个密钥 keys")
    for entry in keys:
        out()
        _show(store, entry)
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    from keys.store import KeyStore

    store = KeyStore(Path(args.dir))
    store.find(args.old)
    day = args.day or _today()
    entry = store.rotate(args.old, args.new, day, _passphrase(args, creating=True))
    out(f"已轮换 rotated: {args.old} 于 {day} 停用 retired on {day}；新密钥 new key:")
    _show(store, entry)
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from keys.store import KeyStore

    store = KeyStore(Path(args.dir))
    entry = store.revoke(args.name, args.day or _today(), args.reason)
    out("已吊销 revoked:")
    _show(store, entry)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from keys.store import KeyStore

    store = KeyStore(Path(args.dir))
    entry = store.add_public(args.vkey, KeyRole(args.role), args.label, args.valid_from or _today())
    out("已导入公钥 imported public key:")
    _show(store, entry)
    return 0


def cmd_export_vkey(args: argparse.Namespace) -> int:
    from keys.store import KeyStore

    out(KeyStore(Path(args.dir)).find(args.name).vkey)
    return 0


def cmd_export_public(args: argparse.Namespace) -> int:
    from keys.store import KeyStore

    store = KeyStore(Path(args.dir))
    store.export_public(Path(args.path))
    out(f"已导出公钥环 exported the public keyring to {args.path}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``keys`` and its actions to the ``placement`` command."""
    keys = subparsers.add_parser("keys", help="signing keys: init, list, rotate … (签名密钥)")
    actions = keys.add_subparsers(dest="keys_command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--dir", default=DEFAULT_DIR, help=f"key folder (密钥目录), default {DEFAULT_DIR}"
    )
    secret = argparse.ArgumentParser(add_help=False)
    secret.add_argument(
        "--passphrase-env",
        default=ENV_VAR,
        metavar="VAR",
        help=f"environment variable holding the passphrase (default {ENV_VAR}); "
        "without it the passphrase is asked on the terminal",
    )
    new_key = argparse.ArgumentParser(add_help=False, parents=[secret])
    new_key.add_argument("--role", choices=[r.value for r in KeyRole], default="bureau")
    new_key.add_argument("--label", help="who holds the key, e.g. 洮北区教育局")
    new_key.add_argument("--valid-from", type=_day, help="YYYY-MM-DD, default today (UTC+8)")

    def action(
        name: str, handler: Handler, help_text: str, *extra: argparse.ArgumentParser
    ) -> argparse.ArgumentParser:
        # No abbreviations: "--passphrase …" must not pass for "--passphrase-env".
        p = actions.add_parser(name, parents=[common, *extra], help=help_text, allow_abbrev=False)
        p.set_defaults(func=handler)  # errors: the one boundary, web.cli.main
        return p

    p = action("init", cmd_init, "create the key folder, and a first key with --name", new_key)
    p.add_argument("--name", help="key name, e.g. taobei.edu.example/bureau-2024")
    p = action("create", cmd_create, "add a key to the folder (新增密钥)", new_key)
    p.add_argument("--name", required=True, help="key name, e.g. taobei.edu.example/log-2024")
    action("list", cmd_list, "show every key in the keyring (列出)")

    p = action("rotate", cmd_rotate, "replace a key; the old one is retired (轮换)", secret)
    p.add_argument("old", help="name of the key to retire")
    p.add_argument("new", help="name of the new key (same role and label)")
    p.add_argument("--day", type=_day, help="retire the old / start the new key, default today")

    p = action("revoke", cmd_revoke, "mark a key compromised from a day on (吊销)")
    p.add_argument("name", help="key name")
    p.add_argument("--reason", required=True, help="why (recorded in the public keyring)")
    p.add_argument("--day", type=_day, help="first day its signatures fail, default today")

    p = action(
        "import", cmd_import, "add someone else's public key, e.g. a supervisor's (导入公钥)"
    )
    p.add_argument("vkey", help="the key's vkey line, as `keys export-vkey` prints it")
    p.add_argument("--role", choices=[r.value for r in KeyRole], required=True)
    p.add_argument("--label", required=True, help="who holds the key, e.g. 洮北区纪委监委")
    p.add_argument("--valid-from", type=_day, help="YYYY-MM-DD, default today (UTC+8)")

    p = action("export-vkey", cmd_export_vkey, "print one key's vkey line to send (导出公钥)")
    p.add_argument("name", help="key name (or name+keyid)")

    p = action("export-public", cmd_export_public, "write the public keyring to a file (导出)")
    p.add_argument("path", help="where to write keyring.json")
