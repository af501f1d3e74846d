"""Checks on the bundle as a package: the zip, the manifest, the members, privacy."""

from __future__ import annotations

from verifier import bundle
from verifier.checks import Catalogue, Passed, first, optional_skip
from verifier.record import BundleRecord, owned

checks: Catalogue[BundleRecord] = Catalogue()


@checks.check("bundle.open", "打开记录包", "open the bundle")
def _open(rec: BundleRecord) -> Passed:
    members = owned(rec.members)
    return Passed(
        f"zip 文件完好，共 {len(members)} 个文件，路径安全",
        f"the zip is intact: {len(members)} members, all with safe paths",
    )


@checks.check("bundle.manifest", "清单与文件哈希", "manifest and member hashes")
def _manifest(rec: BundleRecord) -> Passed:
    m = owned(rec.manifest)
    kind_zh = "公开包" if m.kind == "public" else "档案包"
    return Passed(
        f"{kind_zh}，抽签 {m.draw}，{len(m.files)} 个文件的 SHA-256 均与清单一致",
        f"{m.kind} bundle of draw {m.draw}; all {len(m.files)} member hashes match the manifest",
    )


@checks.check("bundle.members", "必备文件齐全", "required members present")
def _members(rec: BundleRecord) -> Passed:
    zh, en = bundle.check_members(rec.members(), rec.manifest().kind)
    return Passed(zh, en)


@checks.check("bundle.privacy", "公开包不含个人隐私", "public bundle holds no private data")
def _privacy(rec: BundleRecord) -> Passed:
    members = rec.members()
    if rec.manifest().kind == "archive":
        raise optional_skip(
            "档案包按设计含有身份证号和盐值，须妥善保管，不得公开",
            "an archive bundle holds ID numbers and salts by design: keep it safe, "
            "never publish it",
        )
    problems = bundle.privacy_problems(members, rec.jws_documents)
    if problems:
        raise first(problems)
    return Passed(
        "未发现身份证号、盐值或 private/ 文件",
        "no ID numbers, salts or private/ members found",
    )
