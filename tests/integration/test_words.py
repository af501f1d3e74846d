"""Words for people on the staff pages: stage badges in both languages, the supervisor's
cosignature label says what applies to the reader (no "可选；监督员必填")."""

from __future__ import annotations

import re

from pagekit import intake_at, page_of, text
from servicekit import Service

from web.intakes import Stage
from web.roles import Role


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
