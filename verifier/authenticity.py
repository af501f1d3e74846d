"""Who signed what: the keyring and every signature of the bundle's documents (§13, §14)."""

from __future__ import annotations

from placement.announcement import ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2
from placement.documents import (
    AMENDMENT_TYPE,
    CEREMONY_TYPE,
    CLASS_STATEMENT_TYPE,
    CLASS_STATEMENT_TYPE_V2,
)
from placement.keyring import KeyEntry, KeyRole
from placement.report import RESULT_TYPE
from verifier.checks import Catalogue, Passed, first, optional_skip
from verifier.errors import Failed
from verifier.record import BundleRecord, owned
from verifier.signatures import ROLE_ZH, VerifiedDocument, verify_jws

checks: Catalogue[BundleRecord] = Catalogue()
BUREAU = (KeyRole.BUREAU,)
COSIGNERS = (KeyRole.BUREAU, KeyRole.SUPERVISOR)


def _agrees(mine: KeyEntry, trusted: KeyEntry) -> bool:
    """Same key, role, start and holder; retirement and revocation as in the trusted
    keyring, or not yet known to the bundle (the trusted keyring may be newer)."""
    same = (mine.vkey, mine.role, mine.valid_from, mine.label)
    return (
        same == (trusted.vkey, trusted.role, trusted.valid_from, trusted.label)
        and mine.retired in {None, trusted.retired}
        and mine.revoked in {None, trusted.revoked}
    )


@checks.check("keyring.document", "公钥清单", "keyring")
def _keyring(rec: BundleRecord) -> Passed:
    ring = owned(rec.bundle_keyring)
    roles = "、".join(f"{ROLE_ZH[k.role]} {k.name}" for k in ring.keys)
    return Passed(
        f"记录包附带 {len(ring.keys)} 把公钥：{roles}",
        f"the bundle carries {len(ring.keys)} keys: "
        + ", ".join(f"{k.role.value} {k.name}" for k in ring.keys),
    )


@checks.check("keyring.trusted", "与受信公钥清单一致", "matches the trusted keyring")
def _trusted(rec: BundleRecord) -> Passed:
    if rec.trusted is None:
        raise optional_skip(
            "未提供受信公钥清单（--keyring），签名按记录包自带的公钥清单核验；"
            "请将其与教育局公布的公钥清单比对",
            "no trusted keyring given (--keyring): signatures were checked with the bundle's "
            "own keyring; compare it with the keyring the bureau publishes",
        )
    mine = rec.bundle_keyring()
    problems = []
    for k in mine.keys:
        t = rec.trusted.by_kid(k.kid)
        if t is None or not _agrees(k, t):
            problems.append(
                (
                    f"密钥 {k.name} 与受信公钥清单不符",
                    f"key {k.name} differs from the trusted keyring",
                )
            )
    if problems:
        raise first(problems)
    return Passed(
        "记录包的公钥均在受信公钥清单中；签名按受信清单核验",
        "every key of the bundle is in the trusted keyring; signatures were checked with it",
    )


def _passed(doc: VerifiedDocument, what: tuple[str, str]) -> Passed:
    zh, en = doc.describe()
    return Passed(f"{what[0]}的签名有效：{zh}", f"{what[1]} signature valid: {en}")


@checks.check("signature.announcement", "公告签名", "announcement signature")
def _announcement(rec: BundleRecord) -> Passed:
    text = rec.text("announcement.jws")
    v2 = rec.document("announcement.jws").get("t") == ANNOUNCEMENT_TYPE_V2
    doc = verify_jws(
        text,
        rec.keyring(),
        expected_type=ANNOUNCEMENT_TYPE_V2 if v2 else ANNOUNCEMENT_TYPE,
        roles=BUREAU,
        cosigner_roles=COSIGNERS,
        cache=rec.jws_documents,
    )
    return _passed(doc, ("公告", "announcement"))


@checks.check("signature.ceremony", "现场记录签名", "ceremony signature")
def _ceremony(rec: BundleRecord) -> Passed:
    rec.drawn()
    doc = verify_jws(
        rec.text("ceremony.jws"),
        rec.keyring(),
        expected_type=CEREMONY_TYPE,
        cache=rec.jws_documents,
    )
    return _passed(doc, ("现场记录", "ceremony"))


@checks.check("signature.result", "分班结果签名", "result signature")
def _result(rec: BundleRecord) -> Passed:
    rec.drawn()
    doc = verify_jws(
        rec.text("result.jws"),
        rec.keyring(),
        expected_type=RESULT_TYPE,
        roles=BUREAU,
        cosigner_roles=COSIGNERS,
        cache=rec.jws_documents,
    )
    return _passed(doc, ("分班结果", "result"))


def _each(rec: BundleRecord, prefix: str, expected: str) -> tuple[int, set[str]]:
    problems, signers = [], set()
    paths = rec.paths(prefix)
    for path in paths:
        try:
            doc = verify_jws(
                rec.text(path), rec.keyring(), expected_type=expected, cache=rec.jws_documents
            )
        except Failed as e:
            problems.append((f"{path}：{e.zh}", f"{path}: {e.en}"))
            continue
        signers.add(doc.describe()[1])
    if problems:
        raise first(problems)
    return len(paths), signers


@checks.check("signature.statements", "班级名单声明签名", "class statement signatures")
def _statements(rec: BundleRecord) -> Passed:
    rec.drawn()
    v2 = rec.document("announcement.jws").get("t") == ANNOUNCEMENT_TYPE_V2
    n, signers = _each(rec, "statements/", CLASS_STATEMENT_TYPE_V2 if v2 else CLASS_STATEMENT_TYPE)
    if not n:
        raise Failed("没有班级名单声明", "there are no class statements")
    return Passed(
        f"{n} 份班级名单声明的签名均有效",
        f"all {n} class statement signatures valid: {', '.join(sorted(signers))}",
    )


@checks.check("signature.amendments", "调整记录签名", "amendment signatures")
def _amendments(rec: BundleRecord) -> Passed:
    n, _ = _each(rec, "amendments/", AMENDMENT_TYPE)
    if not n:
        raise optional_skip("没有调整记录", "there are no amendments")
    return Passed(f"{n} 份调整记录的签名均有效", f"all {n} amendment signatures valid")
