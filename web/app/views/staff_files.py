"""Staff downloads: record bundles and the printed sheets of a drawn intake. Bundles and
print jobs are started by POST forms, not links, because each writes the audit list (and
the first bundle of a kind and every print job the log: ``bundle.exported``,
``sheets.printed``). Added to the ``staff`` blueprint by ``register``."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from web.app.auth import requires
from web.app.services import services
from web.app.views.staff_access import load_intake, print_root, user_name
from web.db.engine import reading
from web.db.models import School
from web.service import print_jobs, workflow
from web.service.intakes import Stage, require
from web.service.permissions import MAY
from web.sheets.options import COPIES, DEFAULT_BASE_URL, Options


def _draw_id(intake_id: int) -> str:
    with reading(services().engine) as s:
        return load_intake(s, intake_id).draw_id


def _bundle(intake_id: int, kind: str) -> ResponseReturnValue:
    draw_id = _draw_id(intake_id)
    data = workflow.export_bundle(services().env, intake_id, kind=kind, user=user_name())
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{draw_id}-{kind}.zip"'},
    )


def public_bundle(intake_id: int) -> ResponseReturnValue:
    return _bundle(intake_id, "public")


def archive_bundle(intake_id: int) -> ResponseReturnValue:
    return _bundle(intake_id, "archive")


def _base_url() -> str:
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "")
    return base.rstrip("/") + "/verify/" if base else DEFAULT_BASE_URL


def sheets(intake_id: int) -> ResponseReturnValue:
    """Start laying out one PDF: the chosen copies of every class list (gate, school,
    bureau archive), the announcement and ceremony sheets, optionally the notices. It
    renders in the background; the intake page lists it until it can be downloaded."""
    with reading(services().engine) as s:
        require(load_intake(s, intake_id), Stage.DRAWN, Stage.PUBLISHED)
    copies = [c for c in COPIES if request.form.get(f"copy_{c}")] or list(COPIES)
    job = print_jobs.start(
        services().env,
        print_root(),
        intake_id,
        copies=copies,
        notices=bool(request.form.get("notices")),
        opts=Options(base_url=_base_url()),
        user=user_name(),
    )
    flash("正在排版，完成后可下载 / laying out; download it when ready", "ok")
    return redirect(url_for("staff.sheets_job", intake_id=intake_id, job_id=job.id))


def sheets_job(intake_id: int, job_id: str) -> ResponseReturnValue:
    """A print job's progress (pages laid out of pages planned), refreshing itself while
    it runs, then the download: no script needed."""
    with reading(services().engine) as s:
        intake = load_intake(s, intake_id)
        school = s.get(School, intake.school_id)
    job = print_jobs.find(print_root(), intake_id, job_id)
    return render_template("staff/print_job.html", intake=intake, school=school, job=job)


def sheets_pdf(intake_id: int, job_id: str) -> ResponseReturnValue:
    """The PDF as a download (not opened in the browser's tab), named after the draw."""
    draw_id = _draw_id(intake_id)
    path = print_jobs.pdf(print_root(), intake_id, job_id)
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{draw_id}-sheets-{job_id}.pdf",
    )


def register(bp: Blueprint) -> None:
    """Add the download routes to the ``staff`` blueprint (``web.app.views.staff`` calls this
    once, before the blueprint is registered on any app)."""
    post = ["POST"]
    bp.add_url_rule(
        "/intakes/<int:intake_id>/bundle/public",
        view_func=requires(*MAY["public_bundle"])(public_bundle),
        methods=post,
    )
    bp.add_url_rule(
        "/intakes/<int:intake_id>/bundle/archive",
        view_func=requires(*MAY["archive_bundle"])(archive_bundle),
        methods=post,
    )
    bp.add_url_rule(
        "/intakes/<int:intake_id>/sheets", view_func=requires(*MAY["print"])(sheets), methods=post
    )
    bp.add_url_rule(
        "/intakes/<int:intake_id>/sheets/<job_id>",
        view_func=requires(*MAY["print"])(sheets_job),
    )
    bp.add_url_rule(
        "/intakes/<int:intake_id>/sheets/<job_id>.pdf",
        view_func=requires(*MAY["print"])(sheets_pdf),
    )
