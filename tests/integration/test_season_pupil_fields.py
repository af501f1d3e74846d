"""The pupil fields from the parent's phone form and the school's desk into the draw: flags
and twins reach the derived draw roster (flags as the roster's, twins grouped with their
wish), and are never shown on the receipt, the 公示 page or in the draw's public bundle."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import datetime

import seasonflow
from seasonflow import at
from servicekit import Service, csrf
from sqlmodel import col, select

from verifier.verify import verify_bundle
from web.db.engine import reading
from web.db.models import Pupil
from web.demo import season as demo
from web.service import intake_db, workflow
from web.service.roles import Role
from web.service.season import steps
from web.service.season.roster import import_from_season

FLAG_WORDS = ("随班就读", "留守儿童", "随迁子女")
TEAMS = (
    "班号,班级,班主任,任课教师\n"
    "1,2024级一年级（1）班,林秀云,语文:林秀云\n"
    "2,2024级一年级（2）班,杜春梅,数学:杜春梅\n"
)


def fields(f, **extra: object) -> dict[str, object]:
    return {
        "school": demo.SY,
        **{k: getattr(f, k) for k in ("name", "sex", "id_number", "birth_date", "address")},
        **{k: getattr(f, k) for k in ("community", "guardian_name", "guardian_phone")},
        "proof": "hukou",
        **extra,
    }


def twins():
    """Two demo children born the same day at the same address."""
    a = demo.form(40, "新华社区")
    born = datetime.fromisoformat(a.birth_date).date()
    b = dataclasses.replace(
        demo.form(41, "新华社区"),
        id_number=demo.id_number(41, male=False, born=born),
        birth_date=a.birth_date,
        address=a.address,
    )
    return a, b


def posted_and_derived(svc: Service, listed: str) -> int:
    """Approve every application, post the 公示 (checked: a name, no flag), derive the
    roster and make the draw's intake; → its id."""
    led = steps.store_for(svc.env, demo.SEASON).read()
    numbers = sorted(led.current)
    assert len(numbers) == 3
    seasonflow.approved(svc, numbers)
    seasonflow.posted(svc)
    page = svc.app.test_client().get("/season/notice/0").get_data(as_text=True)
    assert listed in page
    assert not any(w in page for w in FLAG_WORDS)
    svc.at(at(8, 10))
    steps.derive(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="a")
    svc.at(at(8, 14, 8))
    return workflow.create_intake(
        svc.env,
        school_id=svc.schools[demo.SY],
        draw_id="tb-2024-shiyan",
        name=demo.PRIMARY,
        year=2024,
        profile="taobei-2024",
        scheduled="2024-08-14T09:00:00+08:00",
        planned_witnesses=["家长代表 贾雪"],
        user="admin",
    )


def test_flags_and_twins_reach_the_draw_roster_and_nothing_public(sqlite_service: Service):
    svc = sqlite_service
    svc.at(at(7, 1))
    steps.create(svc.env, catchment=demo.catchment(), plan=demo.plan(), user="admin")
    a, b = twins()
    parent = svc.app.test_client()
    svc.at(at(7, 15, 10))
    token = csrf(parent, "/season/register")
    r = parent.post(
        "/season/register",
        data=fields(a, flags=["留守儿童", "随班就读"], twin_id=b.id_number, csrf_token=token),
    )
    receipt = r.get_data(as_text=True)
    assert r.status_code == 200, receipt[:1000]
    assert not any(w in receipt for w in FLAG_WORDS)  # a photo of the receipt shows none
    assert b.id_number not in receipt
    # a bad twin link is refused by field, the form kept
    r = parent.post(
        "/season/register",
        data=fields(b, twin_id=b.id_number, twin_wish="same", csrf_token=token),
    )
    assert r.status_code == 422
    assert 'data-field="twin_id"' in r.get_data(as_text=True)
    r = parent.post("/season/register", data=fields(b, twin_id=a.id_number, csrf_token=token))
    assert r.status_code == 200
    # the desk enters a migrant child for a parent without a phone
    op = svc.client(Role.OPERATOR)
    c = demo.form(42, "新华社区")
    r = op.post(
        "/staff/season/desk",
        data=fields(c, flags="随迁子女", csrf_token=csrf(op, "/staff/season/")),
    )
    assert r.status_code == 302
    staff = op.get("/staff/season/").get_data(as_text=True)
    assert "留守儿童、随班就读" in staff  # the reviewer sees them (private view)
    seen = svc.client(Role.SUPERVISOR).get("/staff/season/").get_data(as_text=True)
    assert not any(w in seen.split('id="applications"')[1].split("</table>")[0] for w in FLAG_WORDS)

    iid = posted_and_derived(svc, a.name)
    assert import_from_season(svc.env, iid, season=demo.SEASON, user="admin") == 3
    with reading(svc.env.engine) as s:
        rows = {p.id_number: p for p in s.exec(select(Pupil).where(col(Pupil.intake_id) == iid))}
    assert rows[a.id_number].flags == "留守儿童、随班就读"
    assert rows[c.id_number].flags == "随迁子女"
    assert rows[b.id_number].flags == ""
    assert rows[a.id_number].twin_group == rows[b.id_number].twin_group != ""
    assert rows[a.id_number].twin_wish == rows[b.id_number].twin_wish == "same"
    assert rows[c.id_number].twin_group == ""

    intake_db.import_teams(svc.env, iid, filename="t.csv", data=TEAMS.encode(), user="t")
    workflow.freeze(svc.env, iid, user="op")
    workflow.announce(svc.env, iid, user="op")
    workflow.add_witness(svc.env, iid, role="家长代表", name="贾雪", text="2 7 1 8", user="sv")
    workflow.draw(svc.env, iid, beacon_value=None, user="op")
    workflow.publish(svc.env, iid, user="op")
    public = workflow.export_bundle(svc.env, iid, kind="public", user="admin")
    assert verify_bundle(public, trusted=svc.env.keyring()).verified
    with zipfile.ZipFile(io.BytesIO(public)) as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    assert not any(w in text for w in FLAG_WORDS)
    assert not re.search(r"多胞胎\d{4}-", text)  # the twin label stays private (opaque code)
