"""Printed sheets: our time per sheet against a bare WeasyPrint render, and two cores.

    python bench/bench_sheets.py            # measure and print the section
    python bench/bench_sheets.py --write    # the same, then update docs/benchmarks.md
    python bench/bench_sheets.py --quick    # fewer repeats, class lists only for the cores

The record is the demo primary intake (400 pupils, 9 classes), made with throwaway keys
in a temporary folder. Targets: ≤ 1.2× a bare render of the same HTML per sheet, and
≥ 1.8× from the second core for a whole school's print run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from web.demo.sheets import demo_record  # noqa: E402
from web.sheets import (  # noqa: E402
    batch,
    qr,
)
from web.sheets.options import COPIES, Options  # noqa: E402
from web.sheets.plan import Job, Sheet, plan  # noqa: E402
from web.sheets.receipts import receipts  # noqa: E402
from web.sheets.source import DrawSource, load  # noqa: E402

START: Final = "<!-- sheets-bench:start -->"
END: Final = "<!-- sheets-bench:end -->"
DOC: Final = ROOT / "docs/benchmarks.md"


@dataclass(frozen=True)
class Ratio:
    kind: str
    pages: int
    ours: float  # median seconds for the part
    bare: float

    @property
    def ratio(self) -> float:
        return self.ours / self.bare


def _median_pair(
    ours: Callable[[], object], bare: Callable[[], object], repeat: int
) -> tuple[float, float]:
    a, b = [], []
    for _ in range(repeat):  # interleaved, so load on the machine hits both alike
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        bare()
        b.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def per_sheet(src: DrawSource, work: Path, repeat: int) -> list[Ratio]:
    from weasyprint import HTML  # noqa: PLC0415

    opts = Options()
    d = src.directory
    first = src.classes[0]
    cases = [
        ("class list, gate copy", Sheet(d, "g", "class", first.number, "gate")),
        ("class list, bureau copy", Sheet(d, "b", "class", first.number, "bureau", private=True)),
        ("announcement", Sheet(d, "a", "announcement")),
        ("ceremony record", Sheet(d, "c", "ceremony")),
        (
            f"admission notices ({len(first.rows)}, one part)",
            Sheet(d, "n", "notices", leaves=tuple(r.leaf for r in first.rows), private=True),
        ),
    ]
    out = []
    for kind, sheet in cases:
        html = batch.html_of(sheet, opts)
        job = Job(sheet, work / f"{sheet.name}.pdf")
        batch.render_job(job, opts)  # warm: fonts, caches
        ours, bare = _median_pair(
            lambda job=job: batch.render_job(job, opts),
            lambda html=html: HTML(string=html).write_pdf(),
            repeat,
        )
        out.append(Ratio(kind, sheet.pages, ours, bare))
    return out


@dataclass(frozen=True)
class Run:
    wall: float
    ours: float  # CPU seconds of this process and its workers
    others: float  # average cores busy with other work during the run


@dataclass(frozen=True)
class Cores:
    parts: int
    pages: int
    one: Run
    two: Run
    attempts: int

    @property
    def speedup(self) -> float:
        return self.one.wall / self.two.wall


def _busy() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, wall clock) from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, time.monotonic()
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - fields[3] - fields[4]) / hz, time.monotonic()


def _ours() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def idle(seconds: float = 1.0) -> float:
    """Fraction of all CPUs idle over ``seconds``."""
    busy0, t0 = _busy()
    time.sleep(seconds)
    busy1, t1 = _busy()
    return max(0.0, 1 - (busy1 - busy0) / ((t1 - t0) * (os.cpu_count() or 1)))


def wait_quiet(limit: float) -> float:
    """Wait (up to ``limit`` s) until other work leaves the CPUs ≥ 90 % idle."""
    deadline = time.monotonic() + limit
    level = idle()
    while level < 0.9 and time.monotonic() < deadline:
        level = idle(5.0)
    return level


def _one_run(draw: Path, out: Path, jobs: int, *, notices: bool) -> tuple[Run, int, int]:
    runs = plan([draw], out, list(COPIES), Options(), notices=notices)
    busy0, t0 = _busy()
    ours0 = _ours()
    with Path(os.devnull).open("w") as quiet:
        result = batch.print_runs(runs, out, Options(), jobs=jobs, progress=quiet)
    busy1, t1 = _busy()
    ours = _ours() - ours0
    others = max(0.0, (busy1 - busy0) - ours) / max(1e-9, t1 - t0)
    return Run(t1 - t0, ours, others), sum(len(r.jobs) for r in runs), result.pages


def cores(draw: Path, work: Path, *, notices: bool, attempts: int) -> Cores:
    """One core against two, from empty output folders; retried while other work took
    more than a tenth of a core, keeping the least disturbed attempt."""
    best: Cores | None = None
    for n in range(1, attempts + 1):
        one, parts, pages = _one_run(draw, work / f"one-{n}", 1, notices=notices)
        two, _, _ = _one_run(draw, work / f"two-{n}", 2, notices=notices)
        c = Cores(parts, pages, one, two, n)
        if best is None or max(one.others, two.others) < max(best.one.others, best.two.others):
            best = c
        if max(one.others, two.others) < 0.1:
            break
    assert best is not None
    return Cores(best.parts, best.pages, best.one, best.two, attempts=n)


@dataclass(frozen=True)
class Versions:
    statements: dict[int, list[int]]  # class size → versions
    announcement: int
    ceremony: int
    receipt_400: int
    receipt_100k: int
    receipt_chars: tuple[int, int]


def versions(src: DrawSource, middle: DrawSource) -> Versions:
    by_size: dict[int, list[int]] = {}
    for s in (src, middle):
        for c in s.classes:
            v = qr.qr_image(qr.document_url(c.statement)).version
            by_size.setdefault(len(c.rows), []).append(v)
    r = receipts(src)[0]
    big = dict(r)
    big["size"] = 100_000
    big["index"] = 73_421
    big["proof"] = [secrets.token_hex(32) for _ in range(17)]  # ⌈log2 100 000⌉ hashes
    u400, u100k = qr.receipt_url(r), qr.receipt_url(big)
    assert src.ceremony is not None
    return Versions(
        by_size,
        qr.qr_image(qr.document_url(src.announcement_jws)).version,
        qr.qr_image(qr.document_url(src.ceremony.jws)).version,
        qr.qr_image(u400).version,
        qr.qr_image(u100k).version,
        (len(u400), len(u100k)),
    )


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} × {cpu}, Python {platform.python_version()} ({platform.system()})"


def section(
    ratios: list[Ratio], c: Cores, v: Versions, repeat: int, load: tuple[float, float], quiet: float
) -> str:
    import weasyprint  # noqa: PLC0415

    rows = [
        "| sheet | pages | ours (per page) | bare WeasyPrint (per page) | ours / bare |",
        "|---|---|---|---|---|",
    ]
    rows += [
        f"| {r.kind} | {r.pages} | {r.ours:.3f} s ({r.ours / r.pages:.3f} s) | "
        f"{r.bare:.3f} s ({r.bare / r.pages:.3f} s) | **{r.ratio:.2f}×** |"
        for r in ratios
    ]
    sizes = ", ".join(
        f"{n} pupils: version {'/'.join(str(x) for x in sorted(set(vs)))}"
        for n, vs in sorted(v.statements.items())
    )
    return "\n".join(
        [
            START,
            (
                f"Measured {dt.datetime.now(dt.UTC).date().isoformat()} on {machine()}, "
                f"WeasyPrint {weasyprint.__version__}, Noto Sans CJK SC; load average "
                f"{load[0]:.1f} before and {load[1]:.1f} after (other work shared the 2 cores). "
                f"Per-sheet times are medians of {repeat} interleaved runs in one process, "
                "after a warm-up render."
            ),
            "",
            (
                "**Per sheet.** *Ours* is `web.sheets.batch.render_job`: read the record "
                "(cached per process), build the HTML with its QR codes, render, write the part "
                "atomically (fsync). *Bare* is `weasyprint.HTML(string=html).write_pdf()` of the "
                "same HTML, built beforehand. Target ≤ 1.2×."
            ),
            "",
            *rows,
            "",
            (
                "What a notice adds to the bare render is mostly its QR code: `qrcode` encodes "
                "and lays out a version-24 symbol in pure Python (≈ 20 ms, after "
                "`web/sheets/qrmask.py` cut the mask search from ≈ 35 ms to ≈ 5 ms), against "
                "≈ 46 ms to render the page."
            ),
            "",
            (
                f"**Two cores.** The school's whole print run ({c.parts} parts, {c.pages} pages: "
                "announcement, ceremony record, 9 class lists × 3 copies"
                f"{', 400 admission notices' if c.pages > c.parts else ''}) "
                "with `--jobs 1` and `--jobs 2`, each from empty output folders, merge included: "
                f"{c.one.wall:.1f} s and {c.two.wall:.1f} s, **{c.speedup:.2f}×** from the second "
                f"core (target ≥ 1.8×); CPU time {c.one.ours:.1f} s and {c.two.ours:.1f} s. "
                f"Other work on the machine kept {c.one.others:.2f} and {c.two.others:.2f} cores "
                f"busy during the two runs (best of {c.attempts} attempts; the CPUs were "
                f"{quiet:.0%} idle before the first). A figure above 2× means the one-process "
                "run spent more CPU time than the two workers together (compare the CPU times)."
            ),
            "",
            (
                f"**QR versions at ECC M** (`#n=` digit pairs after the default base URL): "
                f"class statements {sizes}; announcement {v.announcement}; ceremony "
                f"{v.ceremony}. Receipt (`#r=`): version {v.receipt_400} for a 400-pupil roster "
                f"({v.receipt_chars[0]} characters, 9 proof hashes), version {v.receipt_100k} "
                f"for 100 000 pupils ({v.receipt_chars[1]} characters, 17 proof hashes)."
            ),
            END,
        ]
    )


def write(text: str) -> None:
    doc = DOC.read_text("utf-8")
    if START in doc:
        head, rest = doc.split(START, 1)
        doc = head + text + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n## Printed sheets (`bench/bench_sheets.py`)\n\n" + text + "\n"
    DOC.write_text(doc, "utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    p.add_argument("--quick", action="store_true", help="3 repeats; no notices in the core run")
    p.add_argument("--repeat", type=int, default=7)
    args, _ = p.parse_known_args(argv)  # ./dev bench passes every benchmark's flags
    repeat = 3 if args.quick else args.repeat
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-sheets-") as tmp:
        work = Path(tmp)
        print("making the demo records …", file=sys.stderr)
        draw = demo_record("primary", work / "primary")
        middle = load(demo_record("middle", work / "middle"))
        src = load(draw)
        print("per-sheet ratios …", file=sys.stderr)
        ratios = per_sheet(src, work / "parts", repeat)
        print("one core against two (waiting for idle CPUs) …", file=sys.stderr)
        quiet = wait_quiet(0 if args.quick else 300)
        c = cores(draw, work, notices=not args.quick, attempts=1 if args.quick else 3)
        v = versions(src, middle)
    text = section(ratios, c, v, repeat, (load0, os.getloadavg()[0]), quiet)
    print(text)
    if args.write:
        write(text)
    missed = [f"{r.kind}: {r.ratio:.2f}× > 1.2×" for r in ratios if r.ratio > 1.2]
    if c.speedup < 1.8:
        missed.append(f"second core: {c.speedup:.2f}× < 1.8×")
    for m in missed:  # reported, not fatal: shared machines are noisy
        print(f"target missed: {m}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
