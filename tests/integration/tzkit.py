"""One draw on a fresh service, its pages and sheets written out, run as a script in a
subprocess with its own ``TZ`` (test_time_zone.py runs it twice and compares).

The server clock is a fixed instant read the way a server reads its clock
(``datetime.fromtimestamp(t).astimezone()``: in the process's local zone), and every
random byte is seeded, so two runs differ only in what ``TZ`` changes.

usage: python tzkit.py OUT_DIR
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# 07:30 Beijing on the draw day is 23:30 UTC and 19:30 in New York on the day before.
DRAW_INSTANT = datetime.fromisoformat("2024-08-14T07:30:00+08:00").timestamp()
_RANDOM = random.Random(20240814)
secrets.token_bytes = _RANDOM.randbytes  # the seed, salts and witness code alike
Ed25519PrivateKey.generate = staticmethod(  # type: ignore[method-assign]  # the same keys
    lambda: Ed25519PrivateKey.from_private_bytes(_RANDOM.randbytes(32))
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clikit import small_intakes  # noqa: E402
from pagekit import created, ok, page_of, step, upload  # noqa: E402
from servicekit import make_service  # noqa: E402

from web.app.services import services  # noqa: E402
from web.service.intake_sheets import print_intake  # noqa: E402
from web.service.roles import Role  # noqa: E402
from web.sheets.options import Options  # noqa: E402

# Per-request tokens and nonces differ between any two runs; nothing else may.
_VOLATILE = re.compile(r'(csrf_token" value="|nonce="|nonce-)[^"\']+')


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    svc = make_service(out / "svc", "sqlite")
    tick = [0]

    def server_clock() -> datetime:
        tick[0] += 1  # a second per reading, so the steps are in order
        return datetime.fromtimestamp(DRAW_INSTANT + tick[0]).astimezone()

    services(svc.app).now = server_clock
    small = small_intakes("primary", pupils=60, classes=2)[0]
    c = svc.client(Role.ADMIN)
    iid = created(c, svc, draw_id="tb-2024-tz")
    ok(upload(c, iid, "roster", small.roster, "roster.csv"))
    ok(upload(c, iid, "teams", small.teams, "teams.csv"))
    for name in ("freeze", "announce"):
        ok(step(c, iid, name))
    ok(step(c, iid, "witness", {"role": "家长代表", "name": "贾雪", "input": "3 1 4 1 5 9"}))
    ok(step(c, iid, "draw"))
    ok(step(c, iid, "publish"))
    pages = {
        "intake": page_of(iid),
        "admin": "/admin/",
        "projector": f"/ceremony/{iid}/projector",
        "state": f"/ceremony/{iid}/state.json",
        "announcements": "/announcements",
        "announcement": "/announcements/tb-2024-tz",
        "results": "/results/tb-2024-tz",
    }
    seen: dict[str, str] = {}
    for name, path in pages.items():
        r = c.get(path)
        assert r.status_code == 200, (path, r.status_code)
        seen[name] = _VOLATILE.sub(r"\1…", r.get_data(as_text=True))
    env = svc.env
    result = print_intake(
        env, iid, out / "sheets", copies=["gate"], notices=False, opts=Options(), user="admin"
    )
    for pdf in result.files:
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode()
        seen[f"pdf-text:{pdf.name}"] = text
        prefix = out / "png" / pdf.stem
        prefix.parent.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(prefix)], check=True)
        for png in sorted(prefix.parent.glob(f"{pdf.stem}*.png")):
            seen[f"pdf-pixels:{png.name}"] = hashlib.sha256(png.read_bytes()).hexdigest()
    (out / "seen.json").write_text(json.dumps(seen, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
