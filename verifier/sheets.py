"""A class-list PDF that verifies itself (spec §18.4): its embedded record, its embedded
class statements, and the names printed on each page against the signed statement.

The PDF is read with pypdf (pure Python). Embedded files are found in the document's
``/EmbeddedFiles`` name tree: ``record-archive.zip`` or ``record-public.zip`` (a record
bundle, §17) and ``statements/NN.jws``. A page's names are read from its text layer: the
sheet writes each column of the pupil list as one block of lines, so the text holds, per
half of the list, the numbers ``k … m``, then as many names, then as many 男/女.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO

from placement import jws
from placement.errors import PlacementError
from placement.keyring import Keyring, keyring_from_json
from verifier.checks import Check, Status
from verifier.errors import UnusableInput
from verifier.report import Report
from verifier.verify import verify_bundle, verify_statement

MAX_PAGES = 2_000
SEX = {"M": "男", "F": "女"}
BUNDLES = ("record-archive.zip", "record-public.zip")


def looks_like_pdf(data: bytes) -> bool:
    return data[:5] == b"%PDF-"


@dataclass(frozen=True, slots=True)
class Statement:
    name: str
    text: str
    label: str
    rows: tuple[tuple[str, str], ...]  # (name, 男/女)


def _check(
    name: str, zh: str, en: str, problems: Sequence[tuple[str, str]], ok: tuple[str, str]
) -> Check:
    if problems:
        return Check(
            name,
            zh,
            en,
            Status.FAIL,
            "；".join(p[0] for p in problems),
            "; ".join(p[1] for p in problems),
        )
    return Check(name, zh, en, Status.PASS, ok[0], ok[1])


def printed_rows(text: str) -> list[tuple[str, str]]:
    """(name, sex) of every pupil on a page, from its text layer, in 序号 order."""
    lines = [ln.strip() for ln in text.splitlines()]
    rows: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        want = len(rows) + 1
        if lines[i] != str(want):
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j] == str(want + j - i):
            j += 1
        n = j - i
        names, sexes = lines[j : j + n], lines[j + n : j + 2 * n]
        if len(sexes) == n and all(s in SEX.values() for s in sexes):
            rows += zip(names, sexes, strict=True)
            i = j + 2 * n
        else:
            i += 1
    return rows


def _statements(files: dict[str, bytes]) -> Iterator[Statement | tuple[str, str]]:
    for name in sorted(f for f in files if f.startswith("statements/")):
        try:
            text = files[name].decode("utf-8").strip()
            doc = jws.parse(text).document()
            pupils = doc["pupils"]
            assert isinstance(pupils, list)
            rows = tuple((str(p[0]), SEX[str(p[1])]) for p in pupils if isinstance(p, list))
            yield Statement(name, text, str(doc["label"]), rows)
        except (UnicodeDecodeError, PlacementError, KeyError, AssertionError, IndexError) as e:
            yield (
                f"{name} 无法读取（{type(e).__name__}）",
                f"{name} cannot be read ({type(e).__name__})",
            )


def verify_sheets(data: bytes, *, keyring: Keyring | None, source: str = "") -> Report:
    from pypdf import PdfReader  # noqa: PLC0415 - only for PDF input
    from pypdf.errors import PyPdfError  # noqa: PLC0415

    try:
        reader = PdfReader(BytesIO(data))
        files = {name: content[0] for name, content in reader.attachments.items() if content}
        pages = [p.extract_text() for p in reader.pages[:MAX_PAGES]]
    except (PyPdfError, ValueError, KeyError, TypeError) as e:
        raise UnusableInput(f"无法读取 PDF（{e}）", f"cannot read the PDF ({e})") from e
    checks: list[Check] = []
    bundle_name = next((b for b in BUNDLES if b in files), None)
    bundle_statements: dict[str, bytes] = {}
    if bundle_name is None:
        checks.append(
            Check(
                "sheets.record",
                "内嵌记录包",
                "embedded record bundle",
                Status.SKIP,
                "PDF 未内嵌记录包",
                "the PDF embeds no record bundle",
                optional=True,
            )
        )
    else:
        report = verify_bundle(files[bundle_name], trusted=keyring, source=bundle_name)
        checks += [
            Check(
                f"record.{c.name}",
                c.title_zh,
                c.title_en,
                c.status,
                c.message_zh,
                c.message_en,
                c.optional,
            )
            for c in report.checks
        ]
        bundle_statements = _bundle_statements(files[bundle_name])
        if keyring is None:  # as for a bundle: its own keyring, said so in record.keyring
            keyring = keyring_from_json(json.loads(bundle_statements.pop("keyring.json")))
    found = list(_statements(files))
    statements = [s for s in found if isinstance(s, Statement)]
    problems = [s for s in found if not isinstance(s, Statement)]
    for s in statements:
        r = verify_statement(s.text, keyring=keyring, source=s.name)
        if not r.verified:
            problems.append((f"{s.name} 签名核验未通过", f"{s.name} does not verify"))
        inside = bundle_statements.get(s.name)
        if bundle_name and inside is not None and inside.strip() != s.text.encode():
            problems.append((f"{s.name} 与记录包中的不同", f"{s.name} differs from the bundle's"))
    if not statements:
        problems.append(("PDF 未内嵌班级名单声明", "the PDF embeds no class statement"))
    checks.append(
        _check(
            "sheets.statements",
            "内嵌名单声明",
            "embedded class statements",
            problems,
            (f"{len(statements)} 份声明签名有效", f"{len(statements)} statements verify"),
        )
    )
    checks.append(_pages(pages, statements))
    return Report("sheets", source, tuple(checks))


def _bundle_statements(data: bytes) -> dict[str, bytes]:
    import zipfile  # noqa: PLC0415

    with zipfile.ZipFile(BytesIO(data)) as z:
        names = [n for n in z.namelist() if n.startswith("statements/") or n == "keyring.json"]
        return {n: z.read(n) for n in names}


def _pages(pages: list[str], statements: list[Statement]) -> Check:
    problems: list[tuple[str, str]] = []
    seen = 0
    for number, text in enumerate(pages, 1):
        match = [s for s in statements if f"{s.label} 分班名单" in text]
        if len(match) != 1:
            problems.append(
                (
                    f"第 {number} 页对应不到唯一一份声明",
                    f"page {number} matches no single statement",
                )
            )
            continue
        rows = printed_rows(text)
        if tuple(rows) != match[0].rows:
            problems.append(
                (
                    f"第 {number} 页的姓名与签名声明不符",
                    f"page {number}: names differ from the signed statement",
                )
            )
        seen += 1
    if not pages:
        problems.append(("PDF 没有页面", "the PDF has no pages"))
    return _check(
        "sheets.pages",
        "每页姓名与声明一致",
        "names on each page = signed statement",
        problems,
        (
            f"{seen} 页的姓名与签名声明一致",
            f"the names on {seen} pages equal their signed statements",
        ),
    )
