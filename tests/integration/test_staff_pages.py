"""The staff pages through the Flask client, as each role uses them: a whole intake from
creation to the published bundle, the import edge cases through the upload form,
refused forms shown again with their problems, overrides, amendments and downloads."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime

import openpyxl
from pagekit import (
    ROSTER,
    SCHOOL,
    TEAMS,
    create,
    created,
    intake_at,
    ok,
    page_of,
    post,
    step,
    text,
    upload,
)
from servicekit import PASSPHRASE, SUPERVISOR, Service, login
from sqlmodel import col, select

from placement.jws import parse
from placement.keyring import CST
from verifier.verify import verify_bundle
from web.db.engine import reading
from web.db.models import Intake, Pupil, RecordBlob, School, TeamRow, User
from web.service import exceptions as ex
from web.service.intakes import get_intake, record_of
from web.service.roles import Role
from web.service.stages import Stage

FULL_ID = re.compile(r"\b\d{17}[\dX]\b")


def stage_of(svc: Service, iid: int) -> str:
    with reading(svc.env.engine) as s:
        intake = s.get(Intake, iid)
        assert intake is not None
        return intake.stage


def pupils_in(svc: Service, iid: int) -> int:
    with reading(svc.env.engine) as s:
        return len(s.exec(select(Pupil).where(Pupil.intake_id == iid)).all())


def witness_code(page: str) -> str:
    m = re.search(r'id="witness-code">(\d{8})<', page)
    assert m, "no witness code on the page"
    return m.group(1)


def test_full_intake_through_the_pages(service: Service) -> None:
    """create → import → freeze → announce → witnesses → draw → publish → public bundle,
    each step a form by the role that does it; the verifier accepts the bundle."""
    admin = service.client(Role.ADMIN)
    op = service.client(Role.OPERATOR)
    iid = created(admin, service)
    assert 'aria-current="step"' in text(op.get(page_of(iid)))
    r = ok(upload(op, iid, "roster", ROSTER, "名单.csv"))
    assert r.headers["Location"].endswith(f"{page_of(iid)}#roster")
    page = text(op.get(page_of(iid)))
    assert "已导入学生名单 400 人" in page  # the flash after the redirect
    ok(upload(op, iid, "teams", TEAMS, "teams.csv"))
    ok(step(op, iid, "freeze"))
    assert stage_of(service, iid) == Stage.FROZEN
    ok(step(op, iid, "announce"))
    page = text(op.get(page_of(iid)))
    code = witness_code(page)
    # A witness's own phone: no account, the code from the room.
    phone = service.app.test_client()
    form = phone.get(f"/w/{iid}")
    assert form.status_code == 200
    r = post(
        phone,
        f"/w/{iid}",
        {"code": code, "role": "家长代表", "name": "贾雪", "input": "3 1 4 1 5 9"},
        on=f"/w/{iid}",
    )
    ok(r)
    # …and the supervisor at the operator's machine.
    sup = service.client(Role.SUPERVISOR)
    ok(step(sup, iid, "witness", {"role": "监督员", "name": "王强", "input": "2 7 1 8 2 8"}))
    page = text(op.get(page_of(iid)))
    assert "贾雪" in page
    assert "王强" in page
    ok(step(op, iid, "draw"))
    assert stage_of(service, iid) == Stage.DRAWN
    ok(step(op, iid, "publish"))
    assert stage_of(service, iid) == Stage.PUBLISHED
    auditor = service.client(Role.AUDITOR)
    r = post(auditor, f"{page_of(iid)}/bundle/public", on=page_of(iid))
    assert r.status_code == 200
    assert r.mimetype == "application/zip"
    assert "tb-2024-shiyan-public.zip" in r.headers["Content-Disposition"]
    report = verify_bundle(r.data, trusted=service.env.keyring())
    assert report.verified, report
    with reading(service.env.engine) as s:
        placed = s.exec(select(Pupil).where(col(Pupil.class_number).is_not(None))).all()
    assert len(placed) == 400


def test_step_bar_follows_the_stage(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    iid = intake_at(svc, "announced")
    page = text(admin.get(page_of(iid)))
    current = re.search(r'<li class="current" aria-current="step"><span class="n">(\d)', page)
    assert current
    assert current.group(1) == "3"  # 已公告
    assert page.count('<li class="done">') == 2
    step(admin, iid, "witness", {"role": "家长代表", "name": "贾雪", "input": "1 2 3"})
    page = text(admin.get(page_of(iid)))
    assert '<span class="n">4</span> 见证输入' in page.split('aria-current="step"')[1][:60]


def test_operator_sees_only_own_school(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    mine = created(admin, svc)
    other = created(admin, svc, school="洮北区第一小学", draw_id="tb-2024-x1")
    op = svc.client(Role.OPERATOR)
    listing = text(op.get("/staff/"))
    assert "tb-2024-shiyan" in listing
    assert "tb-2024-x1" not in listing
    assert op.get(page_of(mine)).status_code == 200
    assert op.get(page_of(other)).status_code == 403
    r = upload(op, other, "roster", ROSTER)
    assert r.status_code == 403
    assert pupils_in(svc, other) == 0
    assert "tb-2024-x1" in text(admin.get("/staff/"))


def test_id_numbers_are_masked(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "imported")
    page = text(svc.client(Role.AUDITOR).get(page_of(iid)))
    assert not FULL_ID.search(page)
    assert "220802********7027" in page  # 魏清妍, first row of the demo roster
    assert "400" in page


# -- imports through the upload form ---------------------------------------------------------


def test_import_gbk_bom_and_xlsx(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    iid = created(admin, svc)
    csv_text = ROSTER.decode("utf-8-sig")
    ok(upload(admin, iid, "roster", csv_text.encode("gbk"), "gbk.csv"))
    assert pupils_in(svc, iid) == 400
    ok(upload(admin, iid, "roster", b"\xef\xbb\xbf" + csv_text.encode("utf-8"), "bom.csv"))
    assert pupils_in(svc, iid) == 400
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for line in csv_text.splitlines()[:51]:
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    ok(upload(admin, iid, "roster", buf.getvalue(), "名单.xlsx"))
    assert pupils_in(svc, iid) == 50
    page = text(admin.get(page_of(iid)))
    assert "已导入学生名单 50 人" in page


def test_bad_rows_show_the_issues_table_and_keep_nothing(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    iid = created(admin, svc)
    ok(upload(admin, iid, "roster", ROSTER, "r.csv"))
    lines = ROSTER.decode("utf-8-sig").splitlines()
    broken = [*lines[:2], lines[2].replace("女", "X", 1), lines[3].replace("241621", "241620", 1)]
    r = upload(admin, iid, "roster", "\n".join(broken).encode(), "bad.csv")
    assert r.status_code == 400
    page = text(r)
    assert '<table class="issues">' in page
    rows = re.findall(  # fields in words: 性别 <small lang="en">sex</small>
        r"<tr><td>(\d+)</td><td>([^<]+) <small lang=\"en\">[^<]+</small></td><td>([^<]+)</td>"
        r"<td lang=\"en\">([^<]+)</td>",
        page,
    )
    fields = {(row, field) for row, field, _, _ in rows}
    assert ("3", "性别") in fields
    assert any(row == "4" and field == "身份证号" for row, field in fields)
    assert all(zh.strip() and en.strip() for _, _, zh, en in rows)
    assert "文件未导入" in page
    assert pupils_in(svc, iid) == 400  # the earlier roster is still the roster


def test_cross_school_duplicate_is_refused(sqlite_service: Service) -> None:
    svc = sqlite_service
    intake_at(svc, "imported")
    admin = svc.client(Role.ADMIN)
    other = created(admin, svc, school="洮北区第一小学", draw_id="tb-2024-x1")
    head = "\n".join(ROSTER.decode("utf-8-sig").splitlines()[:4]).encode()
    r = upload(admin, other, "roster", head, "dup.csv")
    assert r.status_code == 400
    page = text(r)
    assert page.count("一个孩子只能有一个学位") == 3
    assert "洮北区实验小学" in page
    assert "one child, one place" in page
    assert pupils_in(svc, other) == 0


def test_closed_school_refuses_an_intake(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    r = create(admin, svc, school="铁路二中", draw_id="tb-2024-tl2")
    assert r.status_code == 409
    page = text(r)
    assert "第二中学" in page
    assert "catchment goes to 第二中学" in page
    assert 'value="tb-2024-tl2"' in page  # what was typed is kept
    with reading(svc.env.engine) as s:
        assert not s.exec(select(Intake)).all()


def test_upload_without_a_file(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    iid = created(admin, svc)
    r = post(admin, f"{page_of(iid)}/roster", {}, on=page_of(iid))
    assert r.status_code == 400
    assert "请选择要上传的文件" in text(r)


# -- teams ------------------------------------------------------------------------------------


def test_team_edit_in_draft_only(sqlite_service: Service) -> None:
    svc = sqlite_service
    op = svc.client(Role.OPERATOR)
    iid = intake_at(svc, "imported")
    data = {
        "label": "2024级一年级（1）班",
        "head_teacher": "林老师",
        "teachers": "语文:林老师；数学：胡芳",
    }
    ok(post(op, f"{page_of(iid)}/teams/1", data, on=page_of(iid)))
    with reading(svc.env.engine) as s:
        row = s.exec(select(TeamRow).where(TeamRow.intake_id == iid, TeamRow.number == 1)).one()
    assert row.head_teacher == "林老师"
    assert json.loads(row.teachers) == [
        {"subject": "语文", "name": "林老师"},
        {"subject": "数学", "name": "胡芳"},
    ]
    bad = {**data, "teachers": "语文 林老师"}
    r = post(op, f"{page_of(iid)}/teams/1", bad, on=page_of(iid))
    assert r.status_code == 400
    assert 'value="语文 林老师"' in text(r)  # kept for correcting
    ok(step(op, iid, "freeze"))
    r = post(op, f"{page_of(iid)}/teams/1", {**data, "head_teacher": "赵"}, on=page_of(iid))
    assert r.status_code == 409
    assert "名单已冻结" in text(r)


# -- refusals, overrides, amendments ----------------------------------------------------------


def test_out_of_order_steps_flash_and_rerender(sqlite_service: Service) -> None:
    svc = sqlite_service
    op = svc.client(Role.OPERATOR)
    iid = intake_at(svc, "imported")
    r = step(op, iid, "announce")
    assert r.status_code == 409
    page = text(r)
    assert 'class="flash error"' in page
    assert "not allowed in stage draft" in page
    assert stage_of(svc, iid) == Stage.DRAFT


def test_freeze_refused_without_roster(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    iid = created(admin, svc)
    r = step(admin, iid, "freeze")
    assert r.status_code == 400
    assert "冻结前须导入学生名单和教师团队" in text(r)


def test_cancel_needs_a_reason_and_is_final(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    iid = intake_at(svc, "announced")
    r = step(admin, iid, "cancel", {"reason": "错"})
    assert r.status_code == 400
    assert 'value="错"' in text(r)
    ok(step(admin, iid, "cancel", {"reason": "名单有误，重新公告"}))
    assert stage_of(svc, iid) == Stage.CANCELLED
    page = text(admin.get(page_of(iid)))
    assert "公告已撤销" in page
    r = post(admin, f"{page_of(iid)}/bundle/public", on=page_of(iid))
    assert verify_bundle(r.data, trusted=svc.env.keyring()).verified


def test_draw_outside_window_needs_an_admin_override(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "witnessed")
    svc.at(datetime(2024, 8, 20, 9, 0, tzinfo=CST))
    op = svc.client(Role.OPERATOR)
    assert 'name="reason" required minlength="4"' not in text(op.get(page_of(iid)))
    r = step(op, iid, "draw")
    assert r.status_code == 409
    assert "2024-08-14" in text(r)
    admin = svc.client(Role.ADMIN)
    page = text(admin.get(page_of(iid)))
    assert "override" in page
    assert step(op, iid, "override", {"reason": "暴雨推迟"}).status_code == 403
    ok(step(admin, iid, "override", {"reason": "暴雨推迟 / storm delay"}))
    assert "暴雨推迟 / storm delay" in text(op.get(page_of(iid)))
    ok(step(op, iid, "draw"))
    assert stage_of(svc, iid) == Stage.DRAWN


def test_supervisor_draws_only_with_cosignature(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "witnessed")
    sup = svc.client(Role.SUPERVISOR)
    r = step(sup, iid, "draw")
    assert r.status_code == 400
    assert "联署" in text(r)
    r = step(sup, iid, "draw", {"supervisor_key": SUPERVISOR, "passphrase": "wrong passphrase"})
    assert r.status_code == 400
    assert 'name="passphrase" type="password" autocomplete="off">' in text(r)  # never echoed
    assert stage_of(svc, iid) == Stage.ANNOUNCED
    ok(step(sup, iid, "draw", {"supervisor_key": SUPERVISOR, "passphrase": PASSPHRASE}))
    with reading(svc.env.engine) as s:
        blob = s.exec(
            select(RecordBlob).where(
                RecordBlob.intake_id == iid, RecordBlob.name == "public/result.jws"
            )
        ).one()
    assert len(parse(blob.data.decode()).signatures) == 2


def test_amendment_form_files_a_correction_request(sqlite_service: Service) -> None:
    """The old amendment form (§15) now files a ``correction`` (§E1): without evidence it
    is refused and shown again; with it, a signed request is logged and nothing moves
    until a bureau admin approves it on the exceptions page."""
    svc = sqlite_service
    iid = intake_at(svc, "published")
    with reading(svc.env.engine) as s:
        pupil = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 2)).one()
    before = pupil.class_number
    with reading(svc.env.engine) as s:  # a correction into a full class is refused
        classes = ex.current_classes(record_of(s, get_intake(s, iid)))
    to = next(c.number for c in classes if c.size < 45 and c.number != before)
    admin = svc.client(Role.ADMIN)
    data = {"id_number": pupil.id_number, "to_class": str(to), "reason": "随迁子女信息录入错误"}
    r = step(admin, iid, "amend", data)
    assert r.status_code == 400
    assert "a correction names its evidence" in text(r)
    assert 'value="随迁子女信息录入错误"' in text(r)
    ok(step(admin, iid, "amend", {**data, "evidence": "户籍证明 2024-031"}))
    with reading(svc.env.engine) as s:
        same = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 2)).one()
        assert same.class_number == before
        assert [v.kind.value for v in ex.listing(svc.env, iid)] == ["correction"]
    decision = {"decision": "approve", "reason": "材料属实，予以更正"}
    exceptions = f"/staff/intakes/{iid}/exceptions"
    assert post(admin, f"{exceptions}/1/decide", decision, on=exceptions).status_code == 302
    with reading(svc.env.engine) as s:
        moved = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 2)).one()
    assert moved.class_number == to
    assert step(svc.client(Role.OPERATOR), iid, "amend", data).status_code == 403


def test_archive_bundle_for_admin_and_auditor_only(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "drawn")
    path = f"{page_of(iid)}/bundle/archive"
    for role in (Role.OPERATOR, Role.SUPERVISOR):
        assert post(svc.client(role), path, on=page_of(iid)).status_code == 403
    auditor = svc.client(Role.AUDITOR)
    page = text(auditor.get(page_of(iid)))
    assert f'action="{path}"' in page
    r = post(auditor, path, on=page_of(iid))
    assert r.status_code == 200
    assert verify_bundle(r.data, trusted=svc.env.keyring()).verified
    assert f'action="{path}"' not in text(svc.client(Role.OPERATOR).get(page_of(iid)))


def test_read_only_roles_see_no_action_buttons(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "imported")
    page = text(svc.client(Role.AUDITOR).get(page_of(iid)))
    # an action with or without the #fragment that opens the page again at its form
    for action in ("freeze", "roster", "teams", "announce"):
        assert not re.search(f'action="{page_of(iid)}/{action}[#"]', page)
    page = text(svc.client(Role.OPERATOR).get(page_of(iid)))
    for action in ("freeze", "roster", "teams"):
        assert re.search(f'action="{page_of(iid)}/{action}[#"]', page)


def test_roster_pages(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "imported")
    admin = svc.client(Role.ADMIN)
    page = text(admin.get(f"{page_of(iid)}?page=4"))
    assert "第 4 / 4 页" in page
    assert len(re.findall(r'<td class="mono">\d{6}\*{8}[\dX]{4}</td>', page)) == 100
    assert SCHOOL in page


# -- administration ---------------------------------------------------------------------------


def user_id(svc: Service, username: str) -> int:
    with reading(svc.env.engine) as s:
        uid = s.exec(select(User.id).where(User.username == username)).one()
    assert uid is not None
    return uid


def test_admin_creates_users(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    data = {
        "username": "op-x1",
        "display_name": "第一小学教务处",
        "role": "operator",
        "school_id": "",
        "password": "long-enough-pw",
    }
    r = post(admin, "/admin/users", data, on="/admin/users")
    assert r.status_code == 400
    assert "学校操作员须指定学校" in text(r)
    assert 'value="第一小学教务处"' in text(r)
    data["school_id"] = str(svc.schools["洮北区第一小学"])
    ok(post(admin, "/admin/users", data, on="/admin/users"))
    r = post(admin, "/admin/users", data, on="/admin/users")
    assert r.status_code == 400
    assert "已存在" in text(r)
    created(admin, svc, school="洮北区第一小学", draw_id="tb-2024-x1")
    op = svc.app.test_client()
    login(op, "op-x1", "long-enough-pw")
    assert "tb-2024-x1" in text(op.get("/staff/"))
    assert text(admin.get("/admin/users")).count("第一小学教务处") == 1


def test_admin_resets_passwords_and_never_deletes(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    auditor = svc.client(Role.AUDITOR)
    uid = user_id(svc, "auditor")
    path = f"/admin/users/{uid}/password"
    assert post(admin, path, {"password": "short"}, on="/admin/users").status_code == 400
    ok(post(admin, path, {"password": "a-new-password"}, on="/admin/users"))
    assert auditor.get("/staff/").status_code == 302  # the old session ended
    login(svc.app.test_client(), "auditor", "a-new-password")
    r = post(admin, f"/admin/users/{user_id(svc, 'admin')}/deactivate", on="/admin/users")
    assert r.status_code == 400
    assert "不能停用自己的账号" in text(r)
    ok(post(admin, f"/admin/users/{uid}/deactivate", on="/admin/users"))
    page = text(admin.get("/admin/users"))
    assert "已停用 deactivated" in page
    assert not [r for r in svc.app.url_map.iter_rules() if "delete" in r.rule]
    ok(post(admin, f"/admin/users/{uid}/activate", on="/admin/users"))
    login(svc.app.test_client(), "auditor", "a-new-password")


def test_admin_closes_a_school(sqlite_service: Service) -> None:
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    form = {"code": "TB-X9", "name": "洮北区第九小学", "level": "primary"}
    ok(post(admin, "/admin/schools", form, on="/admin/schools"))
    assert post(admin, "/admin/schools", form, on="/admin/schools").status_code == 400
    with reading(svc.env.engine) as s:
        school = s.exec(select(School).where(School.code == "TB-X9")).one()
    assert school.id is not None
    svc.schools[school.name] = school.id
    path = f"/admin/schools/{school.id}/close"
    assert post(admin, path, {"catchment_to": ""}, on="/admin/schools").status_code == 400
    ok(post(admin, path, {"catchment_to": "洮北区第一小学"}, on="/admin/schools"))
    assert "学区转至 洮北区第一小学" in text(admin.get("/admin/schools"))
    r = create(admin, svc, school="洮北区第九小学", draw_id="tb-2024-x9")
    assert r.status_code == 409
    assert "其学区学生由 洮北区第一小学 接收" in text(r)
    ok(post(admin, f"/admin/schools/{school.id}/reopen", on="/admin/schools"))
    ok(create(admin, svc, school="洮北区第九小学", draw_id="tb-2024-x9"))


def test_audit_events_list_and_filter(sqlite_service: Service) -> None:
    svc = sqlite_service
    intake_at(svc, "announced")
    auditor = svc.client(Role.AUDITOR)
    page = text(auditor.get("/admin/audit"))
    for action in ("intake.created", "roster.imported", "roster.frozen", "draw.announced"):
        assert action in page
    page = text(auditor.get("/admin/audit?action=roster."))
    assert "roster.imported" in page
    assert "draw.announced" not in page
    assert "login.ok" in text(svc.client(Role.ADMIN).get("/admin/"))
