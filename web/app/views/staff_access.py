"""What every staff view needs: the acting user, the intake it may touch, the print folder."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlmodel import Session

from web.app.auth import check_school, current_user
from web.db.models import Intake
from web.service.intakes import get_intake
from web.service.permissions import MAY
from web.service.roles import Role


def print_root() -> Path:
    """Where background print jobs leave their PDFs (``web.service.print_jobs``)."""
    return Path(current_app.instance_path) / "sheets"


def may(action: str) -> bool:
    user = current_user()
    return user is not None and Role(user.role) in MAY[action]


def user_name() -> str:
    user = current_user()
    assert user is not None  # every route here requires a role
    return user.username


def load_intake(s: Session, intake_id: int) -> Intake:
    intake = get_intake(s, intake_id)
    check_school(intake)
    return intake
