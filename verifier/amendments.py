"""Amendments (spec §15): the only way a placement changes after the draw."""

from __future__ import annotations

from placement.documents import AMENDMENT_TYPE
from verifier.checks import Catalogue, Passed, optional_skip, require
from verifier.documents import fields
from verifier.formats import is_date, is_int, is_text
from verifier.record import BundleRecord, owned

checks: Catalogue[BundleRecord] = Catalogue()
_KEYS = {"amends", "approved_by", "approved_on", "changes", "reason", "seq", "t"}


@checks.check("amendments.apply", "调整记录", "amendments")
def _apply(rec: BundleRecord) -> Passed:
    docs = owned(rec.amendments)
    if not docs:
        raise optional_skip("没有调整记录", "there are no amendments")
    res = rec.result()
    result = rec.result_digest().hex()
    numbers = {c.number for c in res.classes}
    class_of = {i: c.number for c in res.classes for i in c.pupils}
    ordered = sorted(docs.items(), key=lambda kv: int(kv[0].rsplit("/", 1)[1].split(".")[0]))
    moved = 0
    for seq, (path, doc) in enumerate(ordered, start=1):
        what = (f"调整记录 {path}", path)
        fields(doc, _KEYS, what)
        require(
            doc["t"] == AMENDMENT_TYPE
            and doc["amends"] == result
            and doc["seq"] == seq
            and path == f"amendments/{seq}.jws",
            f"{path} 不是对本结果的第 {seq} 次调整",
            f"{path} is not amendment {seq} of this result",
        )
        ok = is_date(doc["approved_on"]) and is_text(doc["approved_by"]) and is_text(doc["reason"])
        changes = doc["changes"]
        require(
            ok and isinstance(changes, list) and bool(changes),
            f"{path} 内容无效",
            f"{path} is malformed",
        )
        assert isinstance(changes, list)
        for change in changes:
            f = fields(change, {"from", "pupil", "to"}, what)
            pupil, src, dst = f["pupil"], f["from"], f["to"]
            require(
                is_int(pupil)
                and pupil in class_of
                and class_of[pupil] == src
                and dst in numbers
                and dst != src,
                f"{path}：学生 {pupil} 不在第{src}班，或目标班级无效",
                f"{path}: pupil {pupil} is not in class {src}, or the target class is invalid",
            )
            assert isinstance(pupil, int)
            assert isinstance(dst, int)
            class_of[pupil] = dst
            moved += 1
    return Passed(
        f"{len(docs)} 份调整记录依次有效，共调整 {moved} 人次",
        f"{len(docs)} amendments apply in order, {moved} moves in all",
    )
