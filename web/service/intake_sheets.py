"""Printed sheets of an intake kept in the database: its record is copied (without the
secret seed file) into a work folder and printed by ``web.sheets`` exactly as a folder
record would be; the printing is then logged (``sheets.printed``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from keys.store import write_atomic
from web.db.engine import reading, writing
from web.service.intakes import Env, audit, get_intake, reading_of, record_of, require
from web.service.stages import Stage
from web.sheets.batch import Outcome, print_runs
from web.sheets.options import Options
from web.sheets.plan import plan

# Everything a sheet may need; never the secret seed (it is public in ceremony.jws anyway).
_PREFIXES = ("public/", "private/")


def materialize(env: Env, intake_id: int, folder: Path) -> str:
    """Write the intake's record into ``folder`` (a fresh copy); returns the draw id."""
    with reading(env.engine) as s:
        intake = get_intake(s, intake_id)
        rec = reading_of(s, intake)
        names = ["draw.json"] + [n for p in _PREFIXES for n in rec.store.names(p)]
        blobs = {n: rec.store.get(n) for n in names}
        draw_id = intake.draw_id
    if folder.exists():
        shutil.rmtree(folder)
    for name, data in blobs.items():
        if data is None:
            continue
        private = name.startswith("private/")
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o755)
        write_atomic(path, data, mode=0o600 if private else 0o644)
    return draw_id


def print_intake(  # noqa: PLR0913 - one print run, every option named
    env: Env,
    intake_id: int,
    out: Path,
    *,
    copies: Sequence[str],
    notices: bool,
    opts: Options,
    user: str,
    jobs: int = 1,
    on_pages: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Render the class lists (and notices) of a drawn intake to one PDF, then log it."""
    with reading(env.engine) as s:
        require(get_intake(s, intake_id), Stage.DRAWN, Stage.PUBLISHED)
    work = out / ".records" / str(intake_id)
    materialize(env, intake_id, work)
    # v2 sheets print the signing key's fingerprint (spec §23.1): the keyring's keys
    opts = replace(opts, keys=tuple(k.vkey for k in env.keyring().keys))
    runs = plan([work], out, copies, opts, notices=notices)
    result = print_runs(runs, out, opts, jobs=jobs, on_pages=on_pages)
    signers = env.signers()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        record_of(s, intake).log_printed(copies=len(copies), now=env.now(), signers=signers)
        audit(s, env.now(), user, "sheets.printed", intake_id, f"{len(copies)} copies")
    shutil.rmtree(work, ignore_errors=True)
    return result
