"""A season bundle opened for checking (spec Part S, S12): its parts, each read once.

A part that cannot be read fails the check that owns it; every other check that needs
it is skipped ("not checked: … is unusable"), as for draw bundles (verifier.record).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

from placement.canonical import Json, canonical_json
from placement.errors import PlacementError
from placement.keyring import Keyring, KeyRole, keyring_from_json
from placement.merkle import leaf_hash, root
from placement.season import catchment, plan
from placement.season.documents import (
    ADMISSION,
    ALLOCATION,
    ALLOCATION_RESULT,
    BUNDLE,
    LOG_ENTRY,
    NOTICE,
    ROSTER,
    SEASON_ID,
)
from placement.season.log import entry_bytes as season_entry_bytes
from placement.season.log import season_entry_from_json
from placement.tlog import Checkpoint, entry_from_json
from verifier.container import read_members
from verifier.errors import Failed, Need, Skipped, split_message
from verifier.signatures import VerifiedDocument, verify_checkpoint, verify_jws

T = TypeVar("T")
_Method = Callable[["SeasonRecord"], T]
DRAW_TYPE_PREFIX = "sunshine-placement/v"
V1_LOG_ENTRY = "sunshine-placement/v1/log-entry"


def part(zh: str, en: str) -> Callable[[_Method[T]], _Method[T]]:
    """Read a part once; later calls repeat its value, or raise :class:`Need`."""

    def wrap(fn: _Method[T]) -> _Method[T]:
        name = fn.__name__

        @functools.wraps(fn)
        def get(self: SeasonRecord) -> T:
            if name not in self.memo:
                try:
                    self.memo[name] = (True, fn(self))
                except Skipped as e:
                    self.memo[name] = (False, e)
                except Exception as e:  # noqa: BLE001 - the owning check reports it
                    self.memo[name] = (False, Need(zh, en, part=name, cause=e))
            ok, value = self.memo[name]
            if ok:
                return cast("T", value)
            assert isinstance(value, Skipped)
            raise value

        return get

    return wrap


def owned(read: Callable[[], T]) -> T:
    try:
        return read()
    except Need as e:
        if e.part == getattr(read, "__name__", None):
            raise e.failure() from None
        raise


@dataclass(frozen=True, slots=True)
class Logged:
    """A season document found in the bundle, with the log position of its entry."""

    index: int
    doc: dict[str, Json]
    digest: str
    path: str


def _json(data: bytes, what: str) -> Json:
    try:
        value: Json = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise Failed(f"{what} 不是 JSON", f"{what} is not JSON") from e
    return value


class SeasonRecord:
    """A season bundle's bytes, an optional draw bundle, and a trusted keyring."""

    def __init__(
        self, data: bytes, *, trusted: Keyring | None = None, draw: bytes | None = None
    ) -> None:
        self.data = data
        self.trusted = trusted
        self.draw_data = draw
        self.memo: dict[str, tuple[bool, object]] = {}

    @part("记录包", "the bundle")
    def members(self) -> Mapping[str, bytes]:
        files = read_members(self.data)
        raw = files.get("manifest.json")
        if raw is None:
            raise Failed("缺少 manifest.json", "manifest.json is missing")
        man = _json(raw, "manifest.json")
        if not isinstance(man, dict) or man.get("t") != BUNDLE or man.get("version") != 1:
            raise Failed("不是招生季记录包", "not a season bundle (manifest type)")
        if canonical_json(man) != raw:
            raise Failed("清单不是规范 JSON", "the manifest is not canonical JSON")
        listed = man.get("files")
        if not isinstance(listed, dict) or set(listed) != set(files) - {"manifest.json"}:
            raise Failed("清单与包内文件不一致", "the manifest does not list exactly the members")
        bad = [p for p, h in listed.items() if hashlib.sha256(files[p]).hexdigest() != h]
        if bad:
            raise Failed(f"文件摘要不符：{bad[:3]}", f"members differ from the manifest: {bad[:3]}")
        if man.get("kind") not in {"public", "archive"} or not SEASON_ID.fullmatch(
            str(man.get("season"))
        ):
            raise Failed("清单的类别或招生季编号无效", "the manifest's kind or season is invalid")
        return files

    def manifest(self) -> dict[str, Json]:
        man = json.loads(self.members()["manifest.json"])
        assert isinstance(man, dict)
        return man

    @property
    def season(self) -> str:
        return str(self.manifest()["season"])

    @property
    def archive(self) -> bool:
        return self.manifest()["kind"] == "archive"

    @part("公钥清单", "the keyring")
    def keyring(self) -> Keyring:
        if self.trusted is not None:
            return self.trusted
        raw = self.members().get("keyring.json")
        if raw is None:
            raise Failed("缺少 keyring.json", "keyring.json is missing")
        try:
            return keyring_from_json(_json(raw, "keyring.json"))
        except PlacementError as e:
            raise Failed(*split_message(str(e))) from e

    def signed(self, path: str, t: str) -> VerifiedDocument:
        raw = self.members().get(path)
        if raw is None:
            raise Failed(f"缺少 {path}", f"{path} is missing")
        return verify_jws(
            raw.decode("utf-8", "replace"), self.keyring(), expected_type=t, roles=(KeyRole.BUREAU,)
        )

    @part("透明日志", "the log")
    def log(self) -> tuple[Checkpoint, list[dict[str, Json]]]:
        files = self.members()
        cp_text, raw = files.get("log/checkpoint"), files.get("log/entries.json")
        if cp_text is None or raw is None:
            raise Failed("缺少日志检查点或条目", "log/checkpoint or log/entries.json is missing")
        cp = verify_checkpoint(cp_text.decode("utf-8", "replace"), self.keyring())
        entries = _json(raw, "log/entries.json")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise Failed("日志条目应为对象数组", "log entries must be an array of objects")
        out: list[dict[str, Json]] = []
        for n, e in enumerate(entries):
            assert isinstance(e, dict)
            try:
                t = str(e.get("t", ""))
                if t == LOG_ENTRY:
                    out.append(season_entry_from_json(e))
                elif t == V1_LOG_ENTRY:
                    out.append(entry_from_json(e))
                elif t.startswith(DRAW_TYPE_PREFIX):
                    out.append(e)  # a later protocol's draw entry: hashed, not interpreted
                else:
                    raise Failed(f"第 {n} 条日志类型未知", f"log entry {n} has an unknown type")
            except PlacementError as err:
                zh, en = split_message(str(err))
                raise Failed(f"第 {n} 条日志：{zh}", f"log entry {n}: {en}") from err
        hashes = [
            leaf_hash(season_entry_bytes(e) if e.get("t") == LOG_ENTRY else canonical_json(e))
            for e in out
        ]
        if len(out) != cp.size or root(hashes) != cp.root:
            raise Failed(
                f"日志条目（{len(out)} 条）算不出检查点的根（{cp.size} 条）：日志不完整或被改动",
                f"the {len(out)} entries do not give the checkpoint's root ({cp.size} entries): "
                "the log is incomplete or altered",
            )
        return cp, out

    def entries(self) -> list[dict[str, Json]]:
        return self.log()[1]

    def logged_digests(self) -> dict[str, int]:
        """Digest → log index of every season entry naming a document."""
        out: dict[str, int] = {}
        for i, e in enumerate(self.entries()):
            d = e.get("detail")
            if e.get("t") == LOG_ENTRY and isinstance(d, dict) and isinstance(d.get("digest"), str):
                out.setdefault(str(d["digest"]), i)
        return out

    @part("招生区域与计划", "the catchment and plan")
    def policy(self) -> tuple[catchment.Catchment, plan.Plan]:
        from placement.season.catchment import from_json as catchment_from_json  # noqa: PLC0415
        from placement.season.documents import CATCHMENT, PLAN  # noqa: PLC0415
        from placement.season.plan import from_json as plan_from_json  # noqa: PLC0415

        c = self.signed("policy/catchment.jws", CATCHMENT).document
        p = self.signed("policy/plan.jws", PLAN).document
        try:
            return catchment_from_json(c), plan_from_json(p)
        except PlacementError as e:
            raise Failed(*split_message(str(e))) from e

    def _documents(self, folder: str, t: str) -> list[Logged]:
        from placement.season.documents import digest  # noqa: PLC0415

        files = self.members()
        logged = self.logged_digests()
        out = []
        for path in sorted(p for p in files if p.startswith(folder) and p.endswith(".jws")):
            if path.endswith("-result.jws"):
                continue
            doc = self.signed(path, t).document
            d = digest(doc).hex()
            if d not in logged:
                raise Failed(f"{path} 未记入日志", f"{path} was never logged")
            out.append(Logged(logged[d], doc, d, path))
        return sorted(out, key=lambda x: x.index)

    @part("公示文件", "the notices")
    def notices(self) -> list[tuple[Logged, list[bytes]]]:
        out = []
        for n in self._documents("notices/", NOTICE):
            raw = self.members().get(n.path.removesuffix(".jws") + ".entries.json")
            if raw is None:
                raise Failed(f"缺少 {n.path} 的条目清单", f"the entry list of {n.path} is missing")
            listed = _json(raw, "entries.json")
            if not isinstance(listed, list) or not all(
                isinstance(x, str) and len(x) == 64 for x in listed
            ):
                raise Failed("条目清单格式错误", "an entry list is malformed")
            out.append((n, [bytes.fromhex(str(x)) for x in listed]))
        return out

    @part("派位名单推导", "the roster derivations")
    def rosters(self) -> list[Logged]:
        return self._documents("rosters/", ROSTER)

    @part("统筹摇号", "the allocation draws")
    def allocations(self) -> list[tuple[Logged, list[bytes], dict[str, Json], int]]:
        out = []
        logged = self.logged_digests()
        for a in self._documents("allocations/", ALLOCATION):
            stem = a.path.removesuffix(".jws")
            pool = _json(self.members().get(stem + ".pool.json", b"null"), "pool")
            if not isinstance(pool, list):
                raise Failed(f"缺少 {stem}.pool.json", f"{stem}.pool.json is missing")
            result = self.signed(stem + "-result.jws", ALLOCATION_RESULT).document
            from placement.season.documents import digest  # noqa: PLC0415

            r_index = logged.get(digest(result).hex())
            if r_index is None:
                raise Failed("摇号结果未记入日志", "the allocation result was not logged")
            out.append((a, [bytes.fromhex(str(x)) for x in pool], result, r_index))
        return out

    @part("录取文件", "the admission documents")
    def admissions(self) -> list[Logged]:
        return self._documents("admissions/", ADMISSION)
