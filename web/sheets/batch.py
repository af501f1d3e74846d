"""Render the parts of a print run in parallel, then merge one PDF per school.

Parts are independent processes' work (WeasyPrint layouts cannot cross process
boundaries), so they are merged as finished PDF files with pypdf: concatenation
costs milliseconds a page, where re-laying out the whole school in one WeasyPrint
document would redo all the rendering in one process. A part is a whole copy's class
lists (or the notices of a class), so its font subset serves all its pages (spec §18.3).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TextIO

from keys.store import write_atomic
from placement.canonical import Json
from web.sheets import pages, render
from web.sheets.archive import VARIANT, embedded, xmp
from web.sheets.options import Options
from web.sheets.plan import PARTS, Job, SchoolRun, Sheet, safe_name
from web.sheets.receipts import receipts
from web.sheets.source import DrawSource, SheetError, load

PUBLIC_MODE = 0o644
PRIVATE_MODE = 0o600


@cache
def _source(draw: Path) -> DrawSource:
    return load(draw)


@cache
def _receipts(draw: Path) -> list[dict[str, Json]]:
    return receipts(_source(draw))


def html_of(sheet: Sheet, opts: Options) -> str:
    src = _source(sheet.draw)
    if sheet.kind == "front":
        return pages.front(src, opts)
    if sheet.kind == "classes":
        return pages.class_lists(src, sheet.copy, opts)
    if sheet.kind == "notices":
        all_receipts = _receipts(sheet.draw)
        return pages.notices(src, [all_receipts[i] for i in sheet.leaves], opts)
    raise SheetError(f"unknown sheet kind {sheet.kind!r}")


def render_job(job: Job, opts: Options) -> tuple[str, int, float]:
    """Build the HTML, render it and write the part atomically: (name, pages, seconds)."""
    start = time.perf_counter()
    sheet = job.sheet
    if sheet.kind == "classes":  # PDF/A-3b carrying its signed record (spec §18.4)
        src = _source(sheet.draw)
        files = [(f.name, f.data, f.description) for f in embedded(src, sheet.copy, opts.bundles)]
        data, count = render.pdf_pages(
            html_of(sheet, opts), variant=VARIANT, files=files, xmp=xmp(src, sheet.copy)
        )
    else:
        data, count = render.pdf_pages(html_of(sheet, opts))
    job.target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(job.target, data, mode=PRIVATE_MODE if job.sheet.private else PUBLIC_MODE)
    return job.sheet.name, count, time.perf_counter() - start


class Progress:
    """A one-line progress bar on a terminal; a line every 10 % elsewhere."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.start = time.perf_counter()
        self.tty = self.stream.isatty()
        self._last_step = -1

    def advance(self, label: str, n: int = 1) -> None:
        self.done += n
        elapsed = time.perf_counter() - self.start
        frac = self.done / self.total if self.total else 1.0
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        bar = "#" * int(frac * 30)
        line = (
            f"[{bar:<30}] {self.done}/{self.total} {frac:4.0%}  "
            f"{elapsed:5.1f} s  余 {eta:4.0f} s  {label}"
        )
        step = int(frac * 10)
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if self.done >= self.total:
                self.stream.write("\n")
        elif step != self._last_step or self.done >= self.total:
            self.stream.write(line + "\n")
        self._last_step = step
        self.stream.flush()


@dataclass(frozen=True, slots=True)
class Outcome:
    files: tuple[Path, ...]
    rendered: int
    skipped: int
    pages: int
    seconds: float


def _clean_temp(jobs: Sequence[Job]) -> None:
    for folder in {j.target.parent for j in jobs}:
        if folder.exists():
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)


def _context() -> multiprocessing.context.BaseContext:
    """Spawned workers: each starts clean and imports WeasyPrint itself (about 0.5 s,
    in parallel), never inheriting pango/fontconfig state from a parent that rendered;
    they are our own children, so their CPU time is accounted to us."""
    return multiprocessing.get_context("spawn")


def _run_parallel(
    todo: Sequence[Job], opts: Options, workers: int, tick: Callable[[Job], None]
) -> None:
    # Longest parts first, so a run of notices does not finish last on one core.
    ordered = sorted(todo, key=lambda j: -j.sheet.pages)
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        jobs: dict[Future[tuple[str, int, float]], Job] = {
            pool.submit(render_job, j, opts): j for j in ordered
        }
        running = set(jobs)
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for f in done:
                f.result()
                tick(jobs[f])


def merge(parts: Sequence[Path], target: Path) -> int:
    """Concatenate finished parts into ``target`` (atomically); returns its page count."""
    from pypdf import PdfWriter  # noqa: PLC0415 - only needed at the end of a run

    writer = PdfWriter()
    for p in parts:
        writer.append(p)
    writer.add_metadata({"/Creator": "sunshine-placement", "/Producer": "sunshine-placement"})
    buf = io.BytesIO()
    writer.write(buf)
    write_atomic(target, buf.getvalue(), mode=PRIVATE_MODE)
    return len(writer.pages)


def _separate(run: SchoolRun, out: Path) -> None:
    for job in run.jobs:
        draw = job.target.parent.name.rsplit("-", 1)[0]
        dest = out / safe_name(run.school) / draw / job.target.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        shutil.copyfile(job.target, tmp)
        tmp.chmod(job.target.stat().st_mode & 0o777)
        tmp.replace(dest)


def print_runs(
    runs: Sequence[SchoolRun],
    out: Path,
    opts: Options,
    *,
    jobs: int = 0,
    separate: bool = False,
    progress: TextIO | None = None,
    on_pages: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Render what is missing, merge one PDF per school, optionally copy the parts out.

    ``on_pages(done, total)`` hears the pages laid out so far after each part (its
    planned pages: one a sheet, one a notice), for a progress display."""
    start = time.perf_counter()
    all_jobs = [j for r in runs for j in r.jobs]
    _clean_temp(all_jobs)
    todo = [j for j in all_jobs if not j.target.exists()]
    bar = Progress(len(all_jobs), progress)
    total = sum(j.sheet.pages for j in all_jobs)
    pages_done = total - sum(j.sheet.pages for j in todo)
    if len(todo) < len(all_jobs):
        bar.advance("已完成的跳过 / finished parts skipped", len(all_jobs) - len(todo))
    if on_pages is not None:
        on_pages(pages_done, total)

    def finished(job: Job) -> None:
        nonlocal pages_done
        bar.advance(job.sheet.name)
        pages_done += job.sheet.pages
        if on_pages is not None:
            on_pages(pages_done, total)

    workers = min(jobs or os.cpu_count() or 1, len(todo))
    if workers <= 1:
        for j in todo:
            render_job(j, opts)
            finished(j)
    else:
        _run_parallel(todo, opts, workers, finished)
    files, count = [], 0
    for run in runs:
        target = out / f"{safe_name(run.school)}.pdf"
        count += merge([j.target for j in run.jobs], target)
        files.append(target)
        if separate:
            _separate(run, out)
    _drop_stale(out, all_jobs)
    return Outcome(
        tuple(files), len(todo), len(all_jobs) - len(todo), count, time.perf_counter() - start
    )


def _drop_stale(out: Path, jobs: Sequence[Job]) -> None:
    """Remove part folders of the same draws made with other inputs (older runs)."""
    current = {j.target.parent for j in jobs}
    prefixes = {p.name.rsplit("-", 1)[0] for p in current}
    for folder in (out / PARTS).iterdir():
        if folder not in current and folder.name.rsplit("-", 1)[0] in prefixes:
            shutil.rmtree(folder, ignore_errors=True)
