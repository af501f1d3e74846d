"""Which sheets a print run makes, in which order, and where each one is written.

Each part is one WeasyPrint document, so its pages share one font subset: the
announcement with the ceremony record, all class lists of one copy, the notices of one
class. A part is a PDF written atomically under
``OUT/.parts/<draw id>-<key>/``. The key hashes everything the part's bytes depend
on (the templates, the options, the record's digests), so a rerun with the same
inputs skips finished parts and a rerun with other inputs starts afresh.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from web.sheets.options import COPIES, Options
from web.sheets.pages import templates_digest
from web.sheets.source import DrawSource, SheetError, load

NOTICES_PER_PART: Final = 50
PARTS: Final = ".parts"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One part to render: the front sheets, one copy's class lists, or notices."""

    draw: Path
    name: str  # file stem, unique within the draw
    kind: str  # front | classes | notices
    copy: str = ""  # classes: gate | school | bureau
    leaves: tuple[int, ...] = ()  # notices: leaf indices, one page each
    private: bool = False  # holds ID-derived data: written 0600
    count: int = 1  # pages (before rendering: for ordering and progress)

    @property
    def pages(self) -> int:
        return len(self.leaves) or self.count


@dataclass(frozen=True, slots=True)
class Job:
    sheet: Sheet
    target: Path  # the part file


@dataclass(frozen=True, slots=True)
class SchoolRun:
    school: str
    jobs: tuple[Job, ...]  # in print order


def safe_name(text: str, limit: int = 48) -> str:
    """A file name from a school name or draw id (keeps Chinese, drops path syntax);
    a long one is cut and made unique with a short hash (names are ≤ 255 bytes)."""
    cleaned = re.sub(r'[\x00-\x1f/\\:*?"<>|\s]+', "_", text).strip("._") or "school"
    if len(cleaned) <= limit:
        return cleaned
    return f"{cleaned[:limit]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _key(src: DrawSource, opts: Options, copies: Sequence[str], *, notices: bool) -> str:
    cer = src.ceremony
    parts = [
        templates_digest(),
        opts.base_url,
        opts.complaint_deadline.isoformat() if opts.complaint_deadline else "",
        src.announcement_digest.hex(),
        cer.result_digest.hex() if cer else "",
        ",".join(copies),
        str(notices),
        str(src.private is not None),
        ",".join(f"{c.number}.v{c.version}" for c in src.classes),  # reprints after exceptions
        *(hashlib.sha256(Path(b).read_bytes()).hexdigest() for b in opts.bundles),
        ",".join(sorted(opts.keys)),  # v2 sheets print the signing key's fingerprint
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def sheets(src: DrawSource, copies: Sequence[str], *, notices: bool) -> list[Sheet]:
    """Print order: announcement, ceremony, class lists copy by copy, notices by class."""
    d = src.directory
    if src.private is None and src.classes and any(c != "gate" for c in copies):
        raise SheetError("存档联需要 private/leaves.json", "archive copies need the private leaves")
    out = [Sheet(d, "00-front", "front", count=2 if src.ceremony is not None else 1)]
    if src.classes:
        out.extend(
            Sheet(d, f"{i + 2:02d}-{copy}", "classes", copy, count=len(src.classes))
            for i, copy in enumerate(copies)
        )
    if notices:
        if src.private is None:
            raise SheetError(
                "入学通知书需要 private/leaves.json", "notices need the private leaves"
            )
        runs: list[tuple[str, tuple[int, ...]]] = []
        if src.classes:
            runs = [(f"class-{c.number:02d}", tuple(r.leaf for r in c.rows)) for c in src.classes]
        else:
            n = len(src.leaves)
            runs = [
                (f"{i // NOTICES_PER_PART + 1:03d}", tuple(range(i, min(n, i + NOTICES_PER_PART))))
                for i in range(0, n, NOTICES_PER_PART)
            ]
        out.extend(
            Sheet(d, f"90-notices-{tag}", "notices", leaves=leaves, private=True)
            for tag, leaves in runs
        )
    return [
        Sheet(s.draw, s.name, s.kind, s.copy, s.leaves, private=True, count=s.count)
        if s.kind == "classes" and s.copy != "gate"
        else s
        for s in out
    ]


def plan(
    dirs: Sequence[Path], out: Path, copies: Sequence[str], opts: Options, *, notices: bool
) -> list[SchoolRun]:
    """Group the draws by school, in the order given; one merged PDF per school."""
    unknown = [c for c in copies if c not in COPIES]
    if unknown or not copies:
        raise SheetError("未知的联", f"unknown copies {unknown}; choose from {sorted(COPIES)}")
    by_school: dict[str, list[Job]] = {}
    for d in dirs:
        src = load(d)
        folder = (
            out / PARTS / f"{safe_name(src.draw_id)}-{_key(src, opts, copies, notices=notices)}"
        )
        jobs = [Job(s, folder / f"{s.name}.pdf") for s in sheets(src, copies, notices=notices)]
        by_school.setdefault(src.school, []).extend(jobs)
    return [SchoolRun(school, tuple(jobs)) for school, jobs in by_school.items()]
