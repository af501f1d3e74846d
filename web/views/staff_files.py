"""Staff downloads: record bundles and the printed sheets of a drawn intake. They are
POST forms, not links, because each one writes a log entry (``bundle.exported`` or
``sheets.printed``). Registered on the ``staff`` blueprint."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from web import workflow
from web.auth import requires
from web.db.engine import reading
from web.errors import ServiceError
from web.intake_sheets import print_intake
from web.services import services
from web.sheets.options import COPIES, DEFAULT_BASE_URL, Options
from web.views.staff import MAY, _load, _user, bp


def _draw_id(intake_id: int) -> str:
    with reading(services().engine) as s:
        return _load(s, intake_id).draw_id


def _bundle(intake_id: int, kind: str) -> ResponseReturnValue:
    draw_id = _draw_id(intake_id)
    data = workflow.export_bundle(services().env, intake_id, kind=kind, user=_user())
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{draw_id}-{kind}.zip"'},
    )


@bp.route("/intakes/<int:intake_id>/bundle/public", methods=["POST"])
@requires(*MAY["public_bundle"])
def public_bundle(intake_id: int) -> ResponseReturnValue:
    return _bundle(intake_id, "public")


@bp.route("/intakes/<int:intake_id>/bundle/archive", methods=["POST"])
@requires(*MAY["archive_bundle"])
def archive_bundle(intake_id: int) -> ResponseReturnValue:
    return _bundle(intake_id, "archive")


def _base_url() -> str:
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "")
    return base.rstrip("/") + "/verify/" if base else DEFAULT_BASE_URL


@bp.route("/intakes/<int:intake_id>/sheets", methods=["POST"])
@requires(*MAY["print"])
def sheets(intake_id: int) -> ResponseReturnValue:
    """One PDF: the chosen copies of every class list (gate, school, bureau archive),
    the announcement and ceremony sheets, and optionally the admission notices."""
    draw_id = _draw_id(intake_id)
    copies = [c for c in COPIES if request.form.get(f"copy_{c}")] or list(COPIES)
    notices = bool(request.form.get("notices"))
    with tempfile.TemporaryDirectory(prefix="sheets-") as tmp:
        result = print_intake(
            services().env,
            intake_id,
            Path(tmp),
            copies=copies,
            notices=notices,
            opts=Options(base_url=_base_url()),
            user=_user(),
            jobs=1,
        )
        if len(result.files) != 1:
            raise ServiceError("排版失败", "the sheets could not be laid out")
        data = result.files[0].read_bytes()
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{draw_id}-sheets.pdf"'},
    )
