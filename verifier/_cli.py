"""``verify-placement PATH``: check a record bundle, a class statement or a pupil receipt.

PATH is a bundle (.zip), a file holding a class statement (compact JWS) or another
signed document, a pupil receipt (.json), or the text itself: a compact JWS, or a
link whose ``#`` fragment is one (``https://…/verify#<JWS>``, as v1 sheets carry), or
a v2 reference (``https://…/verify/#d=<draw>/<item>/<digest>``, checked in the bundle
given with ``--bundle``), or a printed class-list PDF
with its record embedded (spec §18.4). Exit status: 0 verified, 1 not verified (a check failed, or
a check that matters could not be done), 2 unusable input, 3 verified only with the
bundle's own keys (no ``--keyring`` or ``--key-fingerprint``: not authenticated).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import unquote

from placement.errors import PlacementError
from verifier.errors import UnusableInput

if TYPE_CHECKING:  # the checks are imported when a command needs them (start-up time)
    from placement.canonical import Json
    from placement.keyring import Keyring
    from verifier.report import Report

_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MAX_TEXT_BYTES = 4 << 20
_CHUNK = 1 << 20


def _unusable(zh: str, en: str) -> UnusableInput:
    return UnusableInput(zh, en)


def _read_at_most(f: BinaryIO, limit: int) -> bytes | None:
    """Up to ``limit + 1`` bytes of ``f`` in memory proportional to what is there, or
    None for a regular file larger than ``limit``: a regular file is read at once, by its
    size, anything else (a pipe) in chunks."""
    info = os.fstat(f.fileno())
    regular = stat.S_ISREG(info.st_mode)
    if regular and info.st_size > limit:
        return None
    chunks: list[bytes] = []
    total = 0
    want = info.st_size + 1 if regular else _CHUNK
    while total <= limit:
        chunk = f.read(min(want, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = _CHUNK
    return b"".join(chunks)


def _read(path: Path, limit: int, what: tuple[str, str]) -> bytes:
    try:
        with path.open("rb") as f:
            data = _read_at_most(f, limit)
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise _unusable(
            f"无法读取{what[0]} {path}（{reason}）", f"cannot read {what[1]} {path} ({reason})"
        ) from e
    if data is None or len(data) > limit:
        raise _unusable(f"{what[0]} {path} 过大", f"{what[1]} {path} is too large")
    return data


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise _unusable(
            f"{source} 不是记录包、签名文件或回执",
            f"{source} is not a bundle, a signed document or a receipt",
        ) from None


def load_keyring(path: str) -> Keyring:
    from placement.keyring import keyring_from_json

    data = _read(Path(path), MAX_TEXT_BYTES, ("公钥清单", "keyring"))
    try:
        return keyring_from_json(json.loads(data.decode("utf-8-sig")))
    except PlacementError as e:
        raise _unusable(
            f"公钥清单 {path} 无效：{e.zh}", f"the keyring {path} is invalid: {e.en}"
        ) from e
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        zh = en = str(e)
        raise _unusable(
            f"公钥清单 {path} 无效：{zh}", f"the keyring {path} is invalid: {en}"
        ) from e


def _jws_report(text: str, keyring: Keyring | None, source: str) -> Report:
    from placement import jws
    from placement.documents import CLASS_STATEMENT_TYPE, CLASS_STATEMENT_TYPE_V2
    from verifier.verify import verify_document, verify_statement

    try:
        typ = jws.parse(text).signatures[0].header.get("typ")
    except (PlacementError, IndexError, RecursionError):
        typ = CLASS_STATEMENT_TYPE  # a damaged statement: its checks say what is wrong
    if typ in {CLASS_STATEMENT_TYPE, CLASS_STATEMENT_TYPE_V2}:
        return verify_statement(text, keyring=keyring, source=source)
    return verify_document(text, keyring=keyring, source=source)


def _link_payload(text: str) -> str:
    """The signed text or receipt a verification link's ``#`` fragment carries."""
    from placement.links import LinkError, fragment_payload

    try:
        return fragment_payload(unquote(text.split("#", 1)[1]).strip())[1]
    except LinkError as e:
        raise _unusable(f"链接无法解读：{e.zh}", f"the link cannot be read: {e.en}") from e


@dataclass(frozen=True, slots=True)
class Context:
    """What the user gave besides PATH (spec §23: whose keys are trusted)."""

    keyring: Keyring | None = None
    pinned: frozenset[str] = frozenset()
    announcement: str | None = None
    result: str | None = None
    bundle: bytes | None = None
    draw: bytes | None = None  # with a season bundle (spec Part S): the draw it fed


def _from_bundle(ctx: Context, doc: Json, source: str) -> Report:
    """A receipt checked against the announcement and result of ``--bundle``."""
    from placement.keyring import keyring_from_json
    from verifier.container import read_members
    from verifier.errors import Failed
    from verifier.verify import verify_receipt

    assert ctx.bundle is not None
    try:
        members = read_members(ctx.bundle)
        ring = ctx.keyring or keyring_from_json(json.loads(members["keyring.json"]))
    except (Failed, KeyError, ValueError, PlacementError) as e:
        raise _unusable("--bundle 不是可读的记录包", "--bundle is not a readable bundle") from e
    n = doc.get("exception") if isinstance(doc, dict) else None  # an added pupil (§E6)
    names = ("announcement.jws", "result.jws", f"exceptions/{n}.request.jws")
    text = {m: members[m].decode("utf-8") for m in (*names, f"exceptions/{n}.decision.jws")
            if m in members}  # fmt: skip
    return verify_receipt(
        doc,
        announcement=ctx.announcement or text.get("announcement.jws"),
        result=ctx.result or text.get("result.jws"),
        keyring=ring,
        source=source,
        trust="keyring" if ctx.keyring is not None else "bundle",
        request=text.get(f"exceptions/{n}.request.jws"),
        decision=text.get(f"exceptions/{n}.decision.jws"),
    )


def _receipt(ctx: Context, doc: Json, source: str) -> Report:
    from verifier.verify import verify_receipt

    if ctx.bundle is not None:
        return _from_bundle(ctx, doc, source)
    return verify_receipt(
        doc, announcement=ctx.announcement, result=ctx.result, keyring=ctx.keyring, source=source
    )


def _reference(ctx: Context, fragment: str, source: str) -> Report:
    from placement.reference import parse_fragment
    from verifier.verify import verify_reference

    try:
        ref = parse_fragment(fragment)
    except PlacementError as e:
        raise _unusable(f"链接无法解读：{e.zh}", f"the link cannot be read: {e.en}") from e
    if ctx.bundle is None:
        raise _unusable(
            f"该二维码指向抽签 {ref.draw} 记录中的一份文件：请用 --bundle 给出该记录包",
            f"the code names a document of draw {ref.draw}: give its bundle with --bundle",
        )
    return verify_reference(ref, ctx.bundle, trusted=ctx.keyring, pinned=ctx.pinned, source=source)


def _container(ctx: Context, data: bytes, source: str) -> Report:
    """A printed PDF with its record embedded, a season bundle or a draw bundle."""
    from verifier.container import looks_like_zip
    from verifier.season_report import is_season_bundle, verify_season
    from verifier.sheets import looks_like_pdf, verify_sheets
    from verifier.verify import verify_bundle

    if looks_like_pdf(data):
        return verify_sheets(data, keyring=ctx.keyring, source=source)
    if looks_like_zip(data) and is_season_bundle(data):
        return verify_season(data, trusted=ctx.keyring, draw=ctx.draw, source=source)
    return verify_bundle(data, trusted=ctx.keyring, pinned=ctx.pinned, source=source)


def check_input(  # noqa: PLR0912 - one branch per kind of input
    target: str,
    *,
    keyring: Keyring | None,
    announcement: str | None,
    context: Context | None = None,
) -> Report:
    """Decide what ``target`` is and run its checks; raise :class:`UnusableInput`."""
    from placement.documents import ADDED_RECEIPT_TYPE, RECEIPT_TYPE, RECEIPT_TYPE_V2
    from placement.links import REFERENCE_KEY
    from verifier.container import MAX_BUNDLE_BYTES, looks_like_zip
    from verifier.sheets import looks_like_pdf

    ctx = context or Context(keyring=keyring, announcement=announcement)
    path = Path(target)
    try:
        is_file = len(target) < 4096 and path.is_file()
    except (OSError, ValueError):
        is_file = False
    source = target if is_file else (target[:60] + "…" if len(target) > 60 else target)
    if is_file:
        data = _read(path, MAX_BUNDLE_BYTES, ("文件", "file"))
        if looks_like_pdf(data) or looks_like_zip(data) or path.suffix.lower() == ".zip":
            return _container(ctx, data, source)
        if len(data) > MAX_TEXT_BYTES:
            raise _unusable(f"{target} 过大", f"{target} is too large")
        text = _text(data, target)
    else:
        text = target.strip()
    if "#" in text and not text.startswith("{"):
        fragment = unquote(text.split("#", 1)[1]).strip()
        if fragment.startswith(f"{REFERENCE_KEY}="):
            return _reference(ctx, fragment, source)
        text = _link_payload(text)
    if _COMPACT.fullmatch(text):
        return _jws_report(text, keyring, source)
    if text.startswith("{"):
        try:
            doc: Json = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            doc = None
        if isinstance(doc, dict) and "payload" in doc and "signatures" in doc:
            return _jws_report(text, keyring, source)
        if isinstance(doc, dict) and doc.get("t") in {
            RECEIPT_TYPE,
            RECEIPT_TYPE_V2,
            ADDED_RECEIPT_TYPE,
        }:
            return _receipt(ctx, doc, source)
    if not is_file and not _COMPACT.fullmatch(text) and "#" not in target:
        raise _unusable(
            f"找不到文件 {source}，它也不是签名文字或链接",
            f"no such file {source}, and it is not a signed text or link either",
        )
    raise _unusable(
        f"{source} 不是记录包、签名文件或回执",
        f"{source} is not a bundle, a signed document or a receipt",
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="verify-placement",
        description="核验阳光分班记录 / verify a sunshine-placement record: a bundle (.zip), "
        "a class statement (JWS text, file or https://…#<JWS> link) or a pupil receipt (.json)",
    )
    p.add_argument("target", metavar="PATH", help="bundle, statement, link or receipt")
    p.add_argument("--keyring", help="trusted keyring.json (公钥清单) to check signatures with")
    p.add_argument(
        "--key-fingerprint",
        action="append",
        default=[],
        metavar="FP",
        help="trust only this signing key (固定密钥): the fingerprint printed on v2 sheets, "
        "20 hex digits, or a full vkey; repeatable",
    )
    p.add_argument("--announcement", help="signed announcement (.jws) to tie a receipt to")
    p.add_argument("--result", help="signed result (.jws) that places a receipt's pupil")
    p.add_argument(
        "--bundle", help="public bundle (.zip) a receipt or a v2 QR link is checked against"
    )
    p.add_argument("--draw", help="with a season bundle: the draw's bundle (.zip) it fed")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _pins(values: Sequence[str]) -> frozenset[str]:
    from placement.keyring import normalise_fingerprint

    pins = set()
    for v in values:
        fp = normalise_fingerprint(v)
        if fp is None and v.count("+") >= 2:  # a full vkey
            fp = v.strip()
        if fp is None:
            raise _unusable(
                f"指纹 {v!r} 无效：应为 20 位十六进制数（名单上印有），4 字节密钥编号太短",
                f"the fingerprint {v!r} is not 20 hex digits (as printed on v2 sheets) or a "
                "vkey; a 4-byte key id is too short to pin",
            )
        pins.add(fp)
    return frozenset(pins)


def _bundle(path: str, what: tuple[str, str]) -> bytes:
    from verifier.container import MAX_BUNDLE_BYTES

    return _read(Path(path), MAX_BUNDLE_BYTES, what)


def _write(stream: object, text: str) -> None:
    write = getattr(stream, "write", None)
    if write is not None:
        write(text)


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    try:
        keyring = load_keyring(args.keyring) if args.keyring else None
        announcement = None
        if args.announcement:
            data = _read(Path(args.announcement), MAX_TEXT_BYTES, ("公告", "announcement"))
            announcement = _text(data, args.announcement)
        result = None
        if args.result:
            data = _read(Path(args.result), MAX_TEXT_BYTES, ("分班结果", "result"))
            result = _text(data, args.result)
        bundle = _bundle(args.bundle, ("记录包", "bundle")) if args.bundle else None
        draw = _bundle(args.draw, ("派位记录包", "draw bundle")) if args.draw else None
        ctx = Context(keyring, _pins(args.key_fingerprint), announcement, result, bundle, draw)
        report = check_input(args.target, keyring=keyring, announcement=announcement, context=ctx)
        if announcement is not None and report.kind != "receipt":
            _write(
                sys.stderr,
                "verify-placement: --announcement 只用于学生回执，已忽略 / "
                "--announcement is only used with a receipt: ignored\n",
            )
    except (UnusableInput, MemoryError, RecursionError, OSError) as e:
        what = type(e).__name__
        problem = (
            e
            if isinstance(e, UnusableInput)
            else _unusable(f"无法处理该输入（{what}）", f"cannot process this input ({what})")
        )
        if args.json:
            out = {
                "verified": False,
                "exit_code": 2,
                "error_zh": problem.zh,
                "error_en": problem.en,
            }
            _write(sys.stdout, json.dumps(out, ensure_ascii=False, indent=1) + "\n")
        _write(sys.stderr, f"verify-placement: {problem.zh}\nverify-placement: {problem.en}\n")
        return 2
    if args.json:
        _write(sys.stdout, json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        _write(sys.stdout, report.table())
    return report.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
