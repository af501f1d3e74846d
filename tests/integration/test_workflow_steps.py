"""The workflow on the database, step by step (SQLite, and PostgreSQL when configured):
import → freeze → announce → witnesses → draw → publish, each refused out of order,
and the exported bundle accepted by the standalone verifier."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import zipfile
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from servicekit import DEMO, Service
from sqlmodel import col, select

from keys.signer import Signer
from placement.keyring import CST, KeyRole
from verifier.verify import verify_bundle
from web.db.engine import reading
from web.db.models import AuditEvent, LogEntry, Pupil, RecordBlob
from web.record.draw import Signers
from web.service import intake_db, workflow
from web.service.errors import Conflict, ServiceError
from web.service.intakes import Stage, get_intake

ROSTER = (DEMO / "taobei-2024-primary-school.csv").read_bytes()
TEAMS = (DEMO / "taobei-2024-primary-teams.csv").read_bytes()


def new_intake(svc: Service, draw_id: str = "tb-2024-shiyan") -> int:
    return workflow.create_intake(
        svc.env,
        school_id=svc.schools["洮北区实验小学"],
        draw_id=draw_id,
        name="2024级一年级",
        year=2024,
        profile="taobei-2024",
        scheduled="2024-08-14T09:00:00+08:00",
        planned_witnesses=["家长代表 贾雪", "区教育局监督员"],
        user="admin",
    )


def imported(svc: Service) -> int:
    iid = new_intake(svc)
    assert intake_db.import_roster(svc.env, iid, filename="r.csv", data=ROSTER, user="t") == 400
    assert intake_db.import_teams(svc.env, iid, filename="t.csv", data=TEAMS, user="t") == 9
    return iid


def stage(svc: Service, iid: int) -> str:
    with reading(svc.env.engine) as s:
        return get_intake(s, iid).stage


def test_full_workflow_verifies(service: Service) -> None:
    env = service.env
    iid = imported(service)
    workflow.freeze(env, iid, user="op")
    workflow.announce(env, iid, user="op")
    assert stage(service, iid) == Stage.ANNOUNCED
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="3 1 4 1 5 9", user="sv")
    workflow.add_witness(env, iid, role="监督员", name="王强", text="2 7 1 8 2 8", user="sv")
    workflow.draw(env, iid, beacon_value=None, user="op")
    assert stage(service, iid) == Stage.DRAWN
    workflow.publish(env, iid, user="op")
    assert stage(service, iid) == Stage.PUBLISHED
    archive = workflow.export_bundle(env, iid, kind="archive", user="admin")
    report = verify_bundle(archive, trusted=env.keyring())
    assert report.verified, report
    with reading(env.engine) as s:
        placed = s.exec(select(Pupil).where(col(Pupil.class_number).is_not(None))).all()
        events = [json.loads(e)["event"] for e in s.exec(select(LogEntry.data))]
    assert len(placed) == 400
    assert events.count("draw.performed") == 1
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert "result.jws" in z.namelist()


def test_downloads_are_audited_not_logged(service: Service) -> None:
    """Only steps that change the record write the public log: downloading a bundle
    again goes to the audit list, and the log keeps one export entry per kind."""
    env = service.env
    iid = imported(service)
    workflow.freeze(env, iid, user="op")
    workflow.announce(env, iid, user="op")
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="3 1 4 1 5 9", user="sv")
    workflow.draw(env, iid, beacon_value=None, user="op")
    workflow.publish(env, iid, user="op")

    def log_size() -> int:
        with reading(env.engine) as s:
            return len(s.exec(select(LogEntry.index)).all())

    first = workflow.export_bundle(env, iid, kind="archive", user="auditor")
    size = log_size()
    for kind in ("public", "archive", "public", "archive"):
        data = workflow.export_bundle(env, iid, kind=kind, user="auditor")
        assert verify_bundle(data, trusted=env.keyring()).verified
    assert log_size() == size
    assert verify_bundle(first, trusted=env.keyring()).verified
    with reading(env.engine) as s:
        events = [json.loads(e)["event"] for e in s.exec(select(LogEntry.data))]
        audited = s.exec(select(AuditEvent.action).where(AuditEvent.username == "auditor")).all()
    assert events.count("bundle.exported") == 2  # public at publish, archive on first export
    assert audited.count("bundle.public") == 2
    assert audited.count("bundle.archive") == 3


def test_steps_out_of_order_are_refused(service: Service) -> None:
    env = service.env
    iid = imported(service)
    with pytest.raises(Conflict):
        workflow.announce(env, iid, user="op")
    workflow.freeze(env, iid, user="op")
    with pytest.raises(Conflict):  # no edits after the freeze
        intake_db.import_roster(env, iid, filename="r.csv", data=ROSTER, user="t")
    workflow.announce(env, iid, user="op")
    with pytest.raises(ServiceError):  # no witness yet
        workflow.draw(env, iid, beacon_value=None, user="op")
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="1 2 3", user="sv")
    workflow.draw(env, iid, beacon_value=None, user="op")
    with pytest.raises(Conflict):  # one announcement, one draw
        workflow.draw(env, iid, beacon_value=None, user="op")
    with pytest.raises(Conflict):
        workflow.add_witness(env, iid, role="家长代表", name="x", text="9", user="sv")


def test_draw_outside_window_needs_admin_override(service: Service) -> None:
    env = service.env
    iid = imported(service)
    workflow.freeze(env, iid, user="op")
    workflow.announce(env, iid, user="op")
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="1 2 3", user="sv")
    service.at(datetime(2024, 8, 20, 9, 0, tzinfo=CST))
    with pytest.raises(Conflict, match="2024-08-14"):
        workflow.draw(env, iid, beacon_value=None, user="op")
    assert stage(service, iid) == Stage.ANNOUNCED
    workflow.record_override(env, iid, reason="暴雨推迟 / storm delay", user="admin")
    workflow.draw(env, iid, beacon_value=None, user="op")
    assert stage(service, iid) == Stage.DRAWN


def test_cancel_is_logged_and_final(service: Service) -> None:
    env = service.env
    iid = imported(service)
    workflow.freeze(env, iid, user="op")
    workflow.announce(env, iid, user="op")
    workflow.cancel(env, iid, reason="名单有误，重新公告", user="admin")
    assert stage(service, iid) == Stage.CANCELLED
    with pytest.raises(Conflict):
        workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="1", user="sv")
    public = workflow.export_bundle(env, iid, kind="public", user="admin")
    assert verify_bundle(public, trusted=env.keyring()).verified


def test_closed_school_names_receiving_school(service: Service) -> None:
    with pytest.raises(Conflict, match="第二中学"):
        workflow.create_intake(
            service.env,
            school_id=service.schools["铁路二中"],
            draw_id="tb-2024-tl2",
            name="2024级七年级",
            year=2024,
            profile="taobei-2024",
            scheduled="2024-08-14T09:00:00+08:00",
            user="admin",
        )


def test_same_child_on_two_schools_is_refused(service: Service) -> None:
    env = service.env
    imported(service)
    other = workflow.create_intake(
        env,
        school_id=service.schools["洮北区第一小学"],
        draw_id="tb-2024-x1",
        name="2024级一年级",
        year=2024,
        profile="taobei-2024",
        scheduled="2024-08-14T09:00:00+08:00",
        user="admin",
    )
    lines = ROSTER.decode("utf-8-sig").splitlines()
    data = "\n".join(lines[:4]).encode()
    with pytest.raises(ServiceError) as e:
        intake_db.import_roster(env, other, filename="r.csv", data=data, user="t")
    codes = {(i.row, i.field, i.code) for i in e.value.issues}
    assert (2, "id_number", "id.other_school") in codes
    assert all("洮北区实验小学" in i.zh for i in e.value.issues)
    with reading(env.engine) as s:  # nothing of the refused file was kept
        assert not s.exec(select(Pupil).where(Pupil.intake_id == other)).all()


def test_row_errors_and_district_duplicates_come_in_one_pass(service: Service) -> None:
    """The operator sees every problem of a file at once: a bad row and a child already on
    another school's roster, not one class of error after the other is fixed."""
    env = service.env
    imported(service)
    other = workflow.create_intake(
        env,
        school_id=service.schools["洮北区第一小学"],
        draw_id="tb-2024-x1",
        name="2024级一年级",
        year=2024,
        profile="taobei-2024",
        scheduled="2024-08-14T09:00:00+08:00",
        user="admin",
    )
    lines = ROSTER.decode("utf-8-sig").splitlines()[:6]
    lines[4] = "," + lines[4].split(",", 1)[1]  # row 5 has no name
    with pytest.raises(ServiceError) as e:
        intake_db.import_roster(
            env, other, filename="r.csv", data="\n".join(lines).encode(), user="t"
        )
    codes = {(i.row, i.code) for i in e.value.issues}
    assert (2, "id.other_school") in codes
    assert any(row == 5 and code != "id.other_school" for row, code in codes), codes
    with reading(env.engine) as s:
        assert not s.exec(select(Pupil).where(Pupil.intake_id == other)).all()


def test_team_row_errors_and_numbering_come_in_one_pass(service: Service) -> None:
    iid = new_intake(service)
    lines = TEAMS.decode("utf-8-sig").splitlines()[:4]
    head = lines[2].split(",")
    lines[2] = ",".join(["1", *head[1:]])  # class number 1 twice
    cells = lines[3].split(",")
    cells[2] = ""  # no head teacher
    lines[3] = ",".join(cells)
    with pytest.raises(ServiceError) as e:
        intake_db.import_teams(
            service.env, iid, filename="t.csv", data="\n".join(lines).encode(), user="t"
        )
    codes = {i.code for i in e.value.issues}
    assert "team.number.duplicate" in codes
    assert len(codes) >= 2, codes


def test_a_second_intake_of_a_school_and_year_needs_the_admins_reason(service: Service) -> None:
    env = service.env
    new_intake(service)
    with pytest.raises(Conflict) as e:
        new_intake(service, "tb-2024-shiyan-2")
    assert "tb-2024-shiyan" in e.value.zh
    assert "reason" in e.value.en
    second = workflow.create_intake(
        env,
        school_id=service.schools["洮北区实验小学"],
        draw_id="tb-2024-shiyan-2",
        name="2024级一年级（插班）",
        year=2024,
        profile="taobei-2024",
        scheduled="2024-08-14T09:00:00+08:00",
        second_reason="新建校区单独派位 / a new campus draws on its own",
        user="admin",
    )
    with reading(env.engine) as s:
        audited = s.exec(
            select(AuditEvent.detail).where(
                AuditEvent.intake_id == second, AuditEvent.action == "intake.second"
            )
        ).all()
    assert audited == ["tb-2024-shiyan: 新建校区单独派位 / a new campus draws on its own"]


MIDDLE = (DEMO / "taobei-2024-middle-school.csv").read_bytes()


def middle_intake(svc: Service) -> int:
    return workflow.create_intake(
        svc.env,
        school_id=svc.schools["第二中学"],
        draw_id="tb-2024-z2",
        name="2024级七年级",
        year=2024,
        profile="taobei-2024",
        scheduled="2024-08-15T09:00:00+08:00",
        user="admin",
    )


def test_a_roster_of_the_wrong_level_is_refused(service: Service) -> None:
    env = service.env
    primary, middle = new_intake(service), middle_intake(service)
    for iid, data in ((primary, MIDDLE), (middle, ROSTER)):
        with pytest.raises(ServiceError) as e:
            intake_db.import_roster(env, iid, filename="r.csv", data=data, user="t")
        codes = {i.code for i in e.value.issues}
        assert "birth.level" in codes, codes
        assert all(i.zh and i.en for i in e.value.issues)
    # A middle-school roster without 学籍号 is refused row by row.
    lines = MIDDLE.decode("utf-8-sig").splitlines()
    cells = lines[3].split(",")
    cells[4] = ""
    lines[3] = ",".join(cells)
    with pytest.raises(ServiceError) as e:
        intake_db.import_roster(
            env, middle, filename="r.csv", data="\n".join(lines).encode(), user="t"
        )
    assert [(i.row, i.field, i.code) for i in e.value.issues] == [
        (4, "student_no", "student_no.missing")
    ]
    assert intake_db.import_roster(env, middle, filename="r.csv", data=MIDDLE, user="t") == 300
    with reading(env.engine) as s:
        assert not s.exec(select(Pupil).where(Pupil.intake_id == primary)).all()


def test_two_operators_drawing_at_once_make_one_draw(service: Service) -> None:
    env = service.env
    iid = imported(service)
    workflow.freeze(env, iid, user="op")
    workflow.announce(env, iid, user="op")
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="1 2 3", user="sv")
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            workflow.draw(env, iid, beacon_value=None, user="op")
            outcomes.append("drawn")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["drawn", "refused", "refused"]
    with reading(env.engine) as s:
        events = [json.loads(e)["event"] for e in s.exec(select(LogEntry.data))]
    assert events.count("draw.performed") == 1


def test_failed_step_leaves_nothing_behind(service: Service) -> None:
    """A step that fails at its very end (the log's tree head cannot be signed, after the
    blobs and log entries were written) rolls back whole."""
    env = service.env
    iid = imported(service)
    workflow.freeze(env, iid, user="op")
    good = env.signers()
    broken = dataclasses.replace(env, signers=lambda: Signers(bureau=good.bureau, log=_BrokenLog()))
    with pytest.raises(OSError, match="disk gone"):
        workflow.announce(broken, iid, user="op")
    assert stage(service, iid) == Stage.FROZEN
    with reading(env.engine) as s:
        assert not s.exec(select(RecordBlob).where(RecordBlob.intake_id == iid)).all()
        assert not s.exec(select(LogEntry)).all()
    workflow.announce(env, iid, user="op")  # and the step can simply be done again
    assert stage(service, iid) == Stage.ANNOUNCED


class _BrokenLog(Signer):
    def __init__(self) -> None:
        super().__init__("taobei.edu.example/broken", KeyRole.LOG, Ed25519PrivateKey.generate())

    def sign_note(self, body: str) -> str:  # noqa: ARG002 - fails whatever it is given
        raise OSError("disk gone")
