"""Printing an intake's sheets in the background: a class list set takes ~35 s and with
admission notices ~100 s (400 pupils, docs/benchmarks.md), longer than a web request
should wait. A job renders in a thread of the serving process and leaves its PDF and a
small status file in the instance folder (0700), so any worker can report on it and
serve the PDF; the intake page lists the jobs."""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from keys.store import write_atomic
from web.service.errors import Conflict, NotFound
from web.service.intake_sheets import print_intake
from web.service.intakes import Env
from web.sheets.options import Options

STALE = 30 * 60  # a job still "running" after this was lost (its worker stopped)
KEEP = 24 * 3600  # finished jobs are cleared after a day


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    state: str  # running | done | failed
    started: float
    message: str = ""
    pages: int = 0
    done: int = 0  # pages laid out so far (planned pages: one a sheet, one a notice) …
    total: int = 0  # … of this many; 0 until the run is planned

    @property
    def ready(self) -> bool:
        return self.state == "done"

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0


def _folder(root: Path, intake_id: int) -> Path:
    folder = root / str(intake_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _save(folder: Path, job: Job) -> None:
    data = {
        "state": job.state,
        "started": job.started,
        "message": job.message,
        "pages": job.pages,
        "done": job.done,
        "total": job.total,
    }
    write_atomic(folder / f"{job.id}.json", json.dumps(data).encode(), mode=0o600)


def _read(path: Path) -> Job | None:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    state = str(raw["state"])
    if state == "running" and time.time() - float(raw["started"]) > STALE:
        state, raw["message"] = "failed", "排版中断 / interrupted"
    return Job(
        path.stem,
        state,
        float(raw["started"]),
        str(raw["message"]),
        int(raw["pages"]),
        int(raw.get("done", 0)),
        int(raw.get("total", 0)),
    )


def jobs(root: Path, intake_id: int) -> list[Job]:
    """This intake's jobs, newest first."""
    folder = root / str(intake_id)
    if not folder.is_dir():
        return []
    found = (_read(p) for p in folder.glob("*.json"))
    return sorted((j for j in found if j is not None), key=lambda j: -j.started)


def find(root: Path, intake_id: int, job_id: str) -> Job:
    """One job of this intake, as its status file says now."""
    job = _read(root / str(intake_id) / f"{job_id}.json") if job_id.isalnum() else None
    if job is None:
        raise NotFound("没有这项打印任务", "no such print job")
    return job


def pdf(root: Path, intake_id: int, job_id: str) -> Path:
    path = root / str(intake_id) / f"{job_id}.pdf"
    job = _read(root / str(intake_id) / f"{job_id}.json") if job_id.isalnum() else None
    if job is None or not job.ready or not path.is_file():
        raise NotFound("没有这份已排好的文件", "no such finished print job")
    return path


def start(
    env: Env,
    root: Path,
    intake_id: int,
    *,
    copies: Sequence[str],
    notices: bool,
    opts: Options,
    user: str,
) -> Job:
    """Start rendering in the background; one job per intake at a time."""
    folder = _folder(root, intake_id)
    now = time.time()
    for old in jobs(root, intake_id):
        if old.state == "running":
            raise Conflict("该批次正在排版，请稍候", "this intake's sheets are being laid out")
        if now - old.started > KEEP:
            for suffix in (".json", ".pdf"):
                (folder / f"{old.id}{suffix}").unlink(missing_ok=True)
    job = Job(secrets.token_hex(8), "running", now)
    _save(folder, job)
    threading.Thread(
        target=_run,
        args=(env, folder, job, intake_id),
        kwargs={"copies": list(copies), "notices": notices, "opts": opts, "user": user},
        name=f"print-{intake_id}",
        daemon=True,
    ).start()
    return job


def _run(
    env: Env,
    folder: Path,
    job: Job,
    intake_id: int,
    *,
    copies: list[str],
    notices: bool,
    opts: Options,
    user: str,
) -> None:
    work = Path(tempfile.mkdtemp(prefix="sheets-", dir=folder))
    try:

        def progress(done: int, total: int) -> None:
            _save(folder, Job(job.id, "running", job.started, done=done, total=total))

        result = print_intake(
            env,
            intake_id,
            work,
            copies=copies,
            notices=notices,
            opts=opts,
            user=user,
            jobs=1,
            on_pages=progress,
        )
        if len(result.files) != 1:
            raise RuntimeError("expected one PDF")  # noqa: TRY301 - reported like any failure
        shutil.move(result.files[0], folder / f"{job.id}.pdf")
        (folder / f"{job.id}.pdf").chmod(0o600)
        _save(
            folder,
            Job(
                job.id,
                "done",
                job.started,
                pages=result.pages,
                done=result.pages,
                total=result.pages,
            ),
        )
    except Exception as e:  # noqa: BLE001 - a background job reports, it cannot raise
        message = f"{getattr(e, 'zh', '排版失败')} / {getattr(e, 'en', type(e).__name__)}"
        _save(folder, Job(job.id, "failed", job.started, message=message))
    finally:
        shutil.rmtree(work, ignore_errors=True)
