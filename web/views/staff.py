"""Staff pages: intakes and their workflow."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlmodel import col, select

from web.auth import current_user, requires
from web.db.engine import reading
from web.db.models import Intake, School
from web.roles import STAFF, Role
from web.services import services

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@requires(*STAFF)
def index() -> str:
    user = current_user()
    assert user is not None
    with reading(services().engine) as s:
        q = select(Intake, School).join(School, col(School.id) == col(Intake.school_id))
        if user.role == Role.OPERATOR:
            q = q.where(Intake.school_id == user.school_id)
        rows = s.exec(q.order_by(col(School.code), col(Intake.id))).all()
    return render_template("staff/index.html", rows=rows)
