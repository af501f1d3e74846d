"""A record bundle opened for checking: its parts, each read once, on demand.

Every part (the members, the keyring, each document, the log) is read the first
time a check asks for it. If it cannot be read, the check that *owns* the part
fails with the reason (:func:`owned`), and every other check that needs it is
skipped with "not checked: … is unusable", so one damaged file gives one failure
with a clear message instead of a cascade.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TypeVar, cast

from placement import jws
from placement.announcement import Announcement, from_json
from placement.canonical import Json, tagged_hash
from placement.commitment import PublicLeaf
from placement.documents import digest
from placement.errors import PlacementError
from placement.keyring import CST, Keyring, keyring_from_json
from placement.report import RESULT_TYPE
from placement.teams import TeamCommitment
from placement.tlog import Checkpoint, entry_from_json
from verifier import bundle, documents
from verifier.bundle import Manifest
from verifier.checks import optional_skip, require
from verifier.container import read_members
from verifier.errors import Failed, Need, Skipped
from verifier.formats import DRAW_ID, is_int, is_time, moment
from verifier.signatures import DocumentCache, parse_document, verify_checkpoint

T = TypeVar("T")
_Method = Callable[["BundleRecord"], T]


def part(zh: str, en: str) -> Callable[[_Method[T]], _Method[T]]:
    """Read a part once; later calls repeat its value, or raise :class:`Need`."""

    def wrap(fn: _Method[T]) -> _Method[T]:
        name = fn.__name__

        @functools.wraps(fn)
        def get(self: BundleRecord) -> T:
            if name not in self.memo:
                try:
                    self.memo[name] = (True, fn(self))
                except Skipped as e:  # a missing part underneath, or nothing to check
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
    """Read a part a check owns: its own reading problem is this check's failure."""
    try:
        return read()
    except Need as e:
        if e.part == getattr(read, "__name__", None):
            raise e.failure() from None
        raise


class BundleRecord:
    """A bundle's bytes, an optional trusted keyring, and its parts read on demand."""

    def __init__(
        self,
        data: bytes,
        *,
        trusted: Keyring | None = None,
        pinned: frozenset[str] = frozenset(),
    ) -> None:
        self.data = data
        self.trusted = trusted
        self.pinned = pinned  # key fingerprints or vkeys the user pinned (§23.2)
        self.memo: dict[str, tuple[bool, object]] = {}
        self.jws_documents = DocumentCache()  # each JWS's document read once, by any check
        self._derived: dict[str, tuple[bool, object]] = {}
        self._leaf_hashes: tuple[bytes, ...] = ()

    def once(self, key: str, compute: Callable[[], T]) -> T:
        """A value several checks derive from the parts, computed once: later calls
        return it, or raise again what the first one raised."""
        if key not in self._derived:
            try:
                self._derived[key] = (True, compute())
            except Exception as e:  # noqa: BLE001 - raised again below, each time
                self._derived[key] = (False, e)
        ok, value = self._derived[key]
        if ok:
            return cast("T", value)
        assert isinstance(value, Exception)
        raise value

    def document(self, name: str) -> dict[str, Json]:
        """The document a member's JWS carries (signatures are checked elsewhere)."""
        return parse_document(self.text(name), self.jws_documents)

    @part("记录包", "the bundle")
    def members(self) -> Mapping[str, bytes]:
        return read_members(self.data)

    @part("清单", "the manifest")
    def manifest(self) -> Manifest:
        return bundle.manifest(self.members())

    def text(self, name: str) -> str:
        members = self.members()
        if name not in members:
            raise Failed(f"记录包缺少 {name}", f"the bundle has no {name}")
        try:
            return members[name].decode("utf-8")
        except UnicodeDecodeError:
            raise Failed(f"{name} 不是 UTF-8 文本", f"{name} is not UTF-8 text") from None

    def json(self, name: str) -> Json:
        return bundle.read_json(self.members(), name)

    @part("记录包中的公钥清单", "the bundle's keyring")
    def bundle_keyring(self) -> Keyring:
        raw = self.json("keyring.json")
        ring = keyring_from_json(raw)
        require(ring.to_json() == raw, "公钥未按 vkey 排序", "keys are not sorted by vkey")
        kids = [k.kid for k in ring.keys]
        require(len(set(kids)) == len(kids), "公钥重复", "a key is listed twice")
        return ring

    def keyring(self) -> Keyring:
        """The keyring signatures are checked with: the trusted one if given."""
        return self.trusted if self.trusted is not None else self.bundle_keyring()

    def drawn(self) -> bool:
        """Was the draw performed (ceremony or result present), or is this a cancelled draw?"""
        members = self.members()
        if any(p in members for p in bundle.DRAWN):
            return True
        raise optional_skip(
            "没有开奖记录：抽签已撤销（日志检查核对撤销记录）",
            "no ceremony or result: the draw was cancelled (the log checks confirm it)",
        )

    # -- documents ---------------------------------------------------------------------

    @part("公告", "the announcement")
    def announcement(self) -> Announcement:
        doc = self.document("announcement.jws")
        ann = from_json(doc)
        require(DRAW_ID.fullmatch(ann.draw_id) is not None, "抽签编号无效", "bad draw id")
        require(is_time(ann.scheduled), "计划时间格式无效", "scheduled is not a valid time")
        return ann

    @part("现场记录", "the ceremony")
    def ceremony(self) -> documents.Ceremony:
        self.drawn()
        return documents.ceremony(self.document("ceremony.jws"))

    @part("现场记录", "the ceremony")
    def ceremony_digest(self) -> bytes:
        self.drawn()
        return digest(self.document("ceremony.jws"))

    @part("分班结果", "the result")
    def result_doc(self) -> dict[str, Json]:
        self.drawn()
        return self.document("result.jws")

    @part("分班结果", "the result")
    def result(self) -> documents.Result:
        return documents.result(self.result_doc())

    @part("分班结果", "the result")
    def result_digest(self) -> bytes:
        doc = self.result_doc()
        parsed = jws.parse(self.text("result.jws"))
        if doc.get("t") == RESULT_TYPE and all("zip" not in s.header for s in parsed.signatures):
            # The payload as signed: reading the document checked that it is the canonical
            # (RFC 8785) bytes of ``doc``, so this is ``digest(doc)`` without redoing them.
            return tagged_hash(RESULT_TYPE, parsed.payload)
        return digest(doc)

    @part("学生名单叶子", "the roster leaves")
    def leaves(self) -> tuple[PublicLeaf, ...]:
        leaves, self._leaf_hashes = documents.roster_leaves(self.json("roster/leaves.json"))
        return leaves

    def leaf_hashes(self) -> tuple[bytes, ...]:
        """The leaf hash of each leaf, computed from its JSON as the leaves were read."""
        self.leaves()
        return self._leaf_hashes

    @part("教师团队", "the teacher teams")
    def teams(self) -> TeamCommitment:
        return documents.teams(self.json("teams.json"))

    def paths(self, prefix: str) -> list[str]:
        return sorted(p for p in self.members() if p.startswith(prefix))

    @part("班级名单声明", "the class statements")
    def statements(self) -> dict[str, dict[str, Json]]:
        self.drawn()
        # Later versions (``NN.vV.jws``, Part E) are checked by the exception replay.
        return {p: self.document(p) for p in self.paths("statements/") if ".v" not in p}

    @part("调整记录", "the amendments")
    def amendments(self) -> dict[str, dict[str, Json]]:
        return {p: self.document(p) for p in self.paths("amendments/")}

    def amendment_digests(self) -> list[str]:
        return [digest(doc).hex() for doc in self.amendments().values()]

    # -- log ---------------------------------------------------------------------------

    @part("日志条目", "the log entries")
    def entries(self) -> tuple[tuple[int, dict[str, Json]], ...]:
        """This draw's entries as listed, each a valid entry, indices increasing."""
        raw = self.json("log/entries.json")
        require(isinstance(raw, list) and bool(raw), "日志条目为空", "the log lists no entry")
        assert isinstance(raw, list)
        draw = self.manifest().draw
        out: list[tuple[int, dict[str, Json]]] = []
        for n, item in enumerate(raw):
            what = (f"第 {n + 1} 条日志", f"log item {n + 1}")
            f = documents.fields(item, {"entry", "index"}, what)
            index = f["index"]
            require(is_int(index), "日志序号无效", f"log item {n + 1} has no valid index")
            assert isinstance(index, int)
            require(not out or index > out[-1][0], "日志序号未递增", f"log index {index} repeats")
            try:
                e = entry_from_json(f["entry"])
            except PlacementError as err:
                raise Failed(
                    f"第 {index} 条日志无效：{err.zh}", f"log entry {index}: {err.en}"
                ) from err
            require(
                e["draw"] == draw,
                f"第 {index} 条日志属于另一抽签",
                f"log entry {index} is for another draw ({e['draw']})",
            )
            out.append((index, e))
        return tuple(out)

    def signed_checkpoint(self, text: str) -> Checkpoint:
        """A checkpoint whose log key was valid on the day of the last listed entry."""
        try:
            last = moment(str(self.entries()[-1][1]["time"])).astimezone(CST).date()
        except (Skipped, ValueError, IndexError, KeyError):
            last = None  # without readable entries the day is unknown
        return verify_checkpoint(text, self.keyring(), day=last)

    @part("日志检查点", "the log checkpoint")
    def checkpoint(self) -> Checkpoint:
        return self.signed_checkpoint(self.text("log/checkpoint"))
