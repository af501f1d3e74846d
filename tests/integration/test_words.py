"""Words for people on the staff pages: stage badges in both languages, the supervisor's
cosignature label says what applies to the reader (no "可选；监督员必填")."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from pagekit import ROSTER, created, intake_at, page_of, post, text, upload
from servicekit import Service

from web.service.errors import from_core
from web.service.intakes import Stage
from web.service.roles import Role


def badge(page: str) -> str:
    m = re.search(r'<span class="stage stage-\w+" id="stage">(.*?)</span>', page, re.DOTALL)
    assert m, "no stage badge"
    return re.sub(r"<[^>]+>", "", m.group(1))


def test_stage_badges_in_both_languages(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    admin = svc.client(Role.ADMIN)
    shown = badge(text(admin.get(page_of(iid))))
    assert "已公告，待见证输入" in shown
    assert "announced, awaiting witness inputs" in shown
    listing = text(admin.get("/staff/"))
    assert (
        '已公告，待见证输入 <small lang="en">announced, awaiting witness inputs</small>' in listing
    )
    for stage in Stage:  # every stage has words in both languages
        assert stage.zh
        assert stage.en
        assert stage.en.isascii()
        assert not stage.zh.isascii()


def test_supervisor_label_speaks_to_its_reader(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "witnessed")
    sup = text(svc.client(Role.SUPERVISOR).get(page_of(iid)))
    op = text(svc.client(Role.OPERATOR).get(page_of(iid)))
    for page in (sup, op):
        assert "可选；监督员必填" not in page
    assert "监督员开奖须本人联署" in sup
    assert '<select name="supervisor_key" required>' in sup
    assert "不联署 no cosignature" not in sup
    assert "监督员联署密钥（可选）" in op
    assert "不联署 no cosignature" in op


ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def error_texts(page: str) -> tuple[str, str]:
    """The Chinese and the English line of a refused form's error card."""
    m = re.search(
        r'<section class="card error"[^>]*>\s*<h2>(.*?)</h2>\s*<p lang="en">(.*?)</p>',
        page,
        re.DOTALL,
    )
    assert m, page[:3000]
    return m.group(1), m.group(2)


def test_rfc3797_errors_in_chinese_words(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    c = svc.client(Role.OPERATOR)
    path = f"/ceremony/{iid}/rfc3797"
    pool = "贾雪\n欧阳丽娜\n王建国"
    r = post(c, path, {"pool": pool, "sources": "北京——上海", "count": "2"}, on=path)
    assert r.status_code == 400
    zh, en = error_texts(text(r))
    assert not ENGLISH_WORD.search(zh), zh
    assert "随机来源" in zh
    assert "text source" in en  # the library's detail stays in the English line
    r = post(c, path, {"pool": pool, "sources": "9319", "count": "5"}, on=path)
    zh, en = error_texts(text(r))
    assert zh == "抽选人数须在 1 到 3（名单人数）之间"
    assert "between 1 and 3" in en


def test_core_errors_without_chinese_get_chinese_words() -> None:
    e = from_core(ValueError("base64url: non-canonical padding bits"))
    assert not ENGLISH_WORD.search(e.zh), e.zh
    assert e.en == "base64url: non-canonical padding bits"
    both = from_core(ValueError("名单为空 / the roster is empty"))
    assert (both.zh, both.en) == ("名单为空", "the roster is empty")


def test_issues_name_fields_in_words(sqlite_service: Service) -> None:
    svc = sqlite_service
    c = svc.client(Role.ADMIN)
    iid = created(c, svc)
    rows = ROSTER.decode("utf-8").splitlines()
    head, first = rows[0].split(","), rows[1].split(",")
    first[head.index("身份证号")] = "220802201806147021"  # a wrong check character
    bad = "\n".join([rows[0], ",".join(first), *rows[2:]]).encode()
    page = text(upload(c, iid, "roster", bad, "roster.csv"))
    table = page[page.index('<table class="issues">') :]
    table = table[: table.index("</table>")]
    assert '身份证号 <small lang="en">ID number</small>' in table
    assert "id_number" not in table
    long_cell = b"name,gender,id_number\n" + b'"' + b"x" * 200_000 + b'",M,1\n'
    page = text(upload(c, iid, "roster", long_cell, "roster.csv"))
    table = page[page.index('<table class="issues">') :]
    zh = re.findall(r"<td>(第\d+行CSV格式有误[^<]*)</td>", table)
    assert zh, table[:2000]
    assert not ENGLISH_WORD.search(zh[0].replace("CSV", "")), zh
    assert "field limit" in table  # the English column keeps the library's words


def test_favicon(sqlite_service: Service) -> None:
    c = sqlite_service.client()
    r = c.get("/favicon.ico")
    assert r.status_code == 200
    assert r.mimetype == "image/svg+xml"
    assert r.data.startswith(b"<svg")
    r.close()
    for path in ("/", "/login", "/verify/"):
        r = c.get(path)
        page = r.get_data(as_text=True)
        r.close()
        m = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
        assert m, path
        icon = c.get(urljoin(path, m.group(1)))
        assert icon.status_code == 200, (path, m.group(1))
        icon.get_data()
        icon.close()
