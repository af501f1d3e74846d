"""The HTML of each sheet (spec §18.2), from the templates shipped in this package.

Each function returns one self-contained HTML document (CSS inline, QR codes as
``data:`` PNG images), so the renderer needs no files and no network.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Final

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from placement.canonical import Json
from placement.documents import digest
from placement.jws import parse
from placement.reference import statement_item
from placement.roster import Sex
from web.record.clock import local
from web.sheets.columns import fitted, halves
from web.sheets.options import COMPLAINT_DAYS, COPIES, PUBLIC_COPY, Options
from web.sheets.qr import document_url, qr_image, receipt_url, reference_url
from web.sheets.signing_key import key_text
from web.sheets.source import ClassList, DrawSource, SheetError

HEADINGS: Final = {"n": "序号", "name": "姓名", "sex": "性别", "no": "学籍号", "born": "出生日期"}
SIGN_NAME_MM: Final = 13.0  # the signer's name column (sheet.css .signlines .who), less a gap
SIGN_PT: Final = 9.5
MM_PER_MODULE: Final = 0.36  # a version-25 code (125 modules with its quiet zone) is 45 mm


@dataclass(frozen=True, slots=True)
class Copy:
    key: str
    zh: str
    note: str


@dataclass(frozen=True, slots=True)
class Code:
    """A QR image placed on a page."""

    src: str
    version: int
    mm: float
    px: int


@dataclass(frozen=True, slots=True)
class SignLine:
    role: str
    name: str

    @property
    def fitted(self) -> Markup:
        """The name in a size that keeps it on its line (the class list's signature lines)."""
        return fitted(self.name, SIGN_NAME_MM, SIGN_PT)


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("web.sheets", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def css() -> str:
    return (files("web.sheets") / "templates" / "sheet.css").read_text("utf-8")


@cache
def templates_digest() -> str:
    """Changes whenever a template or the CSS changes: part of the resume key."""
    h = hashlib.sha256()
    for item in sorted((files("web.sheets") / "templates").iterdir(), key=lambda p: p.name):
        h.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    return h.hexdigest()


def _render(template: str, ctx: dict[str, object], *, fragment: bool) -> str:
    body = _env().get_template(template).render(ctx)
    return body if fragment else document(str(ctx["title"]), [body])


def document(title: str, sheets: Sequence[str]) -> str:
    """One HTML document of several sheets rendered with ``fragment=True``: one
    WeasyPrint document, so one font subset for all its pages (spec §18.3)."""
    return _env().get_template("document.html").render(css=css(), title=title, sheets=sheets)


def front(src: DrawSource, opts: Options) -> str:
    """The announcement and (after the reveal) the ceremony record, in one document."""
    parts = [announcement(src, opts, fragment=True)]
    if src.ceremony is not None:
        parts.append(ceremony(src, opts, fragment=True))
    return document(f"{src.school} 分班公告与现场记录", parts)


def class_lists(src: DrawSource, copy: str, opts: Options) -> str:
    """Every class list of one copy, in class order, in one document."""
    zh = COPIES[copy][0]
    parts = [class_list(src, c.number, copy, opts, fragment=True) for c in src.classes]
    return document(f"{src.school} 分班名单（{zh}）", parts)


def code(url: str, minimum_mm: float) -> Code:
    img = qr_image(url)
    mm = round(max(minimum_mm, img.modules * MM_PER_MODULE), 1)
    src = "data:image/png;base64," + base64.b64encode(img.png).decode("ascii")
    return Code(src=src, version=img.version, mm=mm, px=img.modules)


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _time(text: str) -> str:
    t = datetime.fromisoformat(text)
    if t.tzinfo is not None:  # a record written with another offset still reads in Beijing
        t = local(t)
    return f"{_day(t.date())} {t:%H:%M}"


def _deadline(src: DrawSource, opts: Options) -> str:
    return _day(opts.complaint_deadline or src.draw_date + timedelta(days=COMPLAINT_DAYS))


def _common(src: DrawSource, opts: Options, title: str, kid: str) -> dict[str, object]:
    key = key_text(kid, src.version, opts.keys, opts.bundles)
    deadline = _deadline(src, opts)
    return {
        "css": css(),
        "title": title,
        "district": src.text("district"),
        "school": src.school,
        "intake": src.text("intake"),
        "draw_id": src.draw_id,
        "scheduled": _time(src.text("scheduled")),
        "hotline": src.hotline,
        "deadline": deadline,
        "kid_name": key.name,
        "kid_hex": key.fingerprint,
        "kid_known": key.known,
        "footer": f"投诉电话 {src.hotline}　异议受理截止 {deadline}　抽签编号 {src.draw_id}",
        "pageinfo": "",
    }


def _witness(src: DrawSource, word: str) -> list[str]:
    if src.ceremony is None:
        return []
    return [w.name for w in src.ceremony.witnesses if word in w.role]


def class_signers(src: DrawSource, cls: ClassList) -> list[SignLine]:
    """≥ 2 parent representatives, head teacher, principal, bureau supervisor."""
    parents = _witness(src, "家长")
    parents += [""] * max(0, 2 - len(parents))
    supervisors = _witness(src, "监督") or [""]
    return [
        *(SignLine("家长代表", p) for p in parents),
        SignLine("班主任", cls.team.head_teacher),
        SignLine("校长", ""),
        SignLine("教育局监督员", supervisors[0]),
    ]


def class_list(
    src: DrawSource, number: int, copy: str, opts: Options, *, fragment: bool = False
) -> str:
    if src.ceremony is None:
        raise SheetError("尚未抽签，没有分班名单", "not drawn yet: no class lists")
    cls = next((c for c in src.classes if c.number == number), None)
    if cls is None:
        raise SheetError(f"没有第 {number} 班", f"no class {number}")
    zh, note = COPIES[copy]
    archive = copy != PUBLIC_COPY
    if archive and src.private is None:
        raise SheetError("存档联需要 private/leaves.json", "archive copies need the private leaves")
    ctx = _common(src, opts, f"{src.school} {cls.label} 分班名单（{zh}）", cls.kid)
    ctx.update(
        copy=Copy(copy, zh, note),
        label=cls.label,
        number=cls.number,
        draw_date=_day(src.draw_date),
        seed_short=src.ceremony.final_seed[:16],
        result_short=src.ceremony.result_digest.hex()[:16],
        team=cls.team,
        males=cls.males,
        females=len(cls.rows) - cls.males,
        total=len(cls.rows),
        halves=halves(cls.rows, archive=archive),
        headings=HEADINGS,
        archive=archive,
        code=code(_statement_url(src, cls.statement, opts), 45),
        signers=class_signers(src, cls),
        pageinfo=f"{cls.label}　{zh}",
        version=cls.version,
        exception=cls.exception,
    )
    return _render("class_list.html", ctx, fragment=fragment)


def _strata(counts: Json) -> str:
    if not isinstance(counts, dict):
        return ""
    names = {"twin:same": "双胞胎同班", "twin:apart": "双胞胎分班"}
    parts = []
    for key, n in sorted(counts.items()):
        if key.startswith("sex:"):
            continue
        label = names.get(key, key.removeprefix("stratum:"))
        parts.append(f"{label} {n} 人")
    return "，".join(parts)


def announcement(src: DrawSource, opts: Options, *, fragment: bool = False) -> str:
    a = src.announcement
    roster, teams, counts = a["roster"], a["teams"], a["strata"]
    assert isinstance(roster, dict)
    assert isinstance(teams, dict)
    assert isinstance(counts, dict)
    ctx = _common(src, opts, f"{src.school} 分班公告", src.announcement_kid)
    ctx.update(
        algorithm=src.text("algorithm"),
        policy=src.text("policy"),
        roster_size=roster["size"],
        males=counts.get("sex:M", 0),
        females=counts.get("sex:F", 0),
        class_count=teams["count"],
        class_cap=a["class_cap"],
        tolerance=a["size_tolerance"],
        strata=_strata(counts),
        beacon=a.get("beacon"),
        roster_root=_grouped(str(roster["root"])),
        teams_root=_grouped(str(teams["root"])),
        seed_commitment=_grouped(src.text("seed_commitment")),
        digest=_grouped(src.announcement_digest.hex()),
        witnesses=a["witnesses"],
        teams=src.teams,
        code=code(
            reference_url(src.draw_id, "a", src.announcement_digest, opts.base_url)
            if src.version == 2
            else document_url(src.announcement_jws, opts.base_url),
            45,
        ),
        pageinfo="抽签前公示",
    )
    return _render("announcement.html", ctx, fragment=fragment)


def _grouped(hex_text: str) -> str:
    return " ".join(hex_text[i : i + 8] for i in range(0, len(hex_text), 8))


def ceremony(src: DrawSource, opts: Options, *, fragment: bool = False) -> str:
    cer = src.ceremony
    if cer is None:
        raise SheetError("尚未开奖，没有现场记录", "no ceremony yet")
    beacon = cer.doc.get("beacon")
    signers = [SignLine(w.role, w.name) for w in cer.witnesses]
    if not _witness(src, "监督"):
        signers.append(SignLine("教育局监督员", ""))
    ctx = _common(src, opts, f"{src.school} 分班抽签现场记录", cer.kid)
    ctx.update(
        revealed_at=_time(cer.revealed_at),
        announcement_short=src.announcement_digest.hex()[:16],
        witnesses=[
            {"role": w.role, "name": w.name, "input": w.input, "entered_at": _time(w.entered_at)}
            for w in cer.witnesses
        ],
        beacon=f"{beacon['round']}：{beacon['value']}" if isinstance(beacon, dict) else None,
        server_seed=_grouped(str(cer.doc["server_seed"])),
        final_seed=_grouped(cer.final_seed),
        result_digest=_grouped(cer.result_digest.hex()),
        code=code(
            reference_url(src.draw_id, "c", digest(cer.doc), opts.base_url)
            if src.version == 2
            else document_url(cer.jws, opts.base_url),
            45,
        ),
        signers=signers,
        pageinfo="现场记录",
    )
    return _render("ceremony.html", ctx, fragment=fragment)


def mask(text: str, keep_start: int = 4, keep_end: int = 4) -> str:
    if len(text) <= keep_start + keep_end:
        return text
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def _statement_url(src: DrawSource, statement: str, opts: Options) -> str:
    if src.version == 1:
        return document_url(statement, opts.base_url)
    doc = parse(statement).document()
    return reference_url(
        src.draw_id, statement_item(int(str(doc["class"]))), digest(doc), opts.base_url
    )


def _notice_url(src: DrawSource, number: object, opts: Options) -> str:
    """v2 (§22): the class statement of the pupil's class, before the draw the announcement:
    a photo of the notice shows what the gate copy shows, nothing about the pupil."""
    cls = next(
        (c for c in src.classes if number is not None and c.number == int(str(number))), None
    )
    if cls is not None:
        return _statement_url(src, cls.statement, opts)
    return reference_url(src.draw_id, "a", src.announcement_digest, opts.base_url)


def notices(
    src: DrawSource,
    receipts: Sequence[dict[str, Json]],
    opts: Options,
    *,
    fragment: bool = False,
) -> str:
    """Admission notices, one page per receipt, in the order given."""
    heads = {c.number: c.team.head_teacher for c in src.classes}
    v2 = src.version == 2
    items = []
    for r in receipts:
        leaf, private, cls = r["leaf"], r["private"], r["class"]
        assert isinstance(leaf, dict)
        assert isinstance(private, dict)
        number = cls.get("number") if isinstance(cls, dict) else None
        items.append(
            {
                "name": private["name"] if v2 else leaf["name"],
                "sex": Sex(str(leaf["sex"])).zh,
                "index": r["index"],
                "id_masked": mask(str(private["id_number"])),
                "student_no_masked": mask(str(private["student_no"]), 5),
                "cls": cls.get("label") if isinstance(cls, dict) else None,
                "head_teacher": heads.get(int(str(number)), "") if number else "",
                "code": code(
                    _notice_url(src, number, opts) if v2 else receipt_url(r, opts.base_url), 40
                ),
            }
        )
    ctx = _common(src, opts, f"{src.school} 入学通知书", src.announcement_kid)
    root = receipts[0]["root"] if receipts else ""
    ctx.update(
        notices=items,
        v2=v2,
        draw_date=_day(src.draw_date),
        size=len(src.leaves),
        root_short=str(root)[:16],
        footer=f"投诉电话 {src.hotline}　抽签编号 {src.draw_id}",
    )
    return _render("notices.html", ctx, fragment=fragment)
