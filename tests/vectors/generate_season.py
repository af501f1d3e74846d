"""Season vectors (spec Part S) under ``tests/vectors/season/v1/``; ``--check`` fails on drift.

    python tests/vectors/generate_season.py           # write
    python tests/vectors/generate_season.py --check   # exit 1 if a committed file drifted

Made by running a small 洮北 season (``tests/season/seasonkit.py``: 3 applications per
primary school, one returned, one pending then approved after 公示, one report upheld and
one rejected) with TEST keys whose Ed25519 seeds are SHA-256 of public labels — anyone can
sign with them; never put them in a real keyring. Everything is deterministic: salts are
SHA-256 of labels, times come from a monotone clock, Ed25519 signatures are deterministic.

    commitments.json   one application record, its submission and entry, the receipt (§S5),
                       and the same record with the optional pupil object
    sets.json          every notice and derivation: entries, leaf hashes, roots (§S7, §S9)
    log.json           every season log entry in order, the signed checkpoint (§S10)
    documents.json     every signed document (compact JWS) with its digest and type
    allocation.json    an allocation draw: pool, seed inputs, tickets, winners (§S11)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "season" / "v1"
sys.path.insert(0, str(HERE.parent / "season"))

import seasonkit  # noqa: E402

from placement import jws  # noqa: E402
from placement.canonical import canonical_json  # noqa: E402
from placement.documents import WitnessInput  # noqa: E402
from placement.idcard import check_character  # noqa: E402
from placement.merkle import leaf_hash  # noqa: E402
from placement.roster import TwinWish  # noqa: E402
from placement.season.allocation import allocation_document, allocation_result, ticket  # noqa: E402
from placement.season.application import Application  # noqa: E402
from placement.season.chain import summary_line  # noqa: E402
from placement.season.documents import digest  # noqa: E402
from placement.season.notice import entry_set  # noqa: E402
from placement.season.pupil import Pupil  # noqa: E402
from placement.seed import final_seed, seed_commitment  # noqa: E402
from placement.tlog import checkpoint_body  # noqa: E402

GENERATOR = "tests/vectors/generate_season.py"
WARNING = (
    "TEST KEYS ONLY: each Ed25519 seed is SHA-256('sunshine-placement season tests <role>'); "
    "anyone can sign with them."
)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _with_pupil(app: Application) -> dict[str, Any]:
    """The same record with the optional ``pupil`` object (spec S5): flags and a twin."""
    twin = twin_id(app)
    flagged = dataclasses.replace(app, pupil=Pupil(("留守儿童", "随班就读"), twin, TwinWish.APART))
    record = flagged.to_json()
    return {
        "record": record,
        "record_jcs": canonical_json(record).decode(),
        "submission": flagged.submission().hex(),
        "entry": flagged.entry().hex(),
    }


def twin_id(app: Application) -> str:
    """A valid ID number of a twin: same birth date, next order code (spec §3)."""
    first17 = app.id_number[:14] + f"{(int(app.id_number[14:17]) + 1) % 1000:03d}"
    return first17 + check_character(first17)


def render() -> dict[str, str]:
    made = seasonkit.run(per_school=3, reports=((0, True), (1, False)))
    led = made.ledger
    k = made.keys
    head = {
        "generator": GENERATOR,
        "spec": "docs/spec.md Part S",
        "warning": WARNING,
        "keyring": k.keyring.to_json(),
    }
    app = led.records[0]
    record = app.to_json()
    receipt = app.receipt()
    commitments = {
        **head,
        "record": record,
        "record_jcs": canonical_json(record).decode(),
        "submission": app.submission().hex(),
        "entry": app.entry().hex(),
        "entry_leaf_hash": leaf_hash(app.entry()).hex(),
        "receipt": receipt,
        "receipt_digest": digest(receipt).hex(),
        "receipt_jws": led.receipt_jws(app),
        "with_pupil": _with_pupil(app),
    }
    notices = [
        {
            "school": place[0],
            "intake": place[1],
            "entries": n.entries.hex_list(),
            "leaf_hashes": [leaf_hash(e).hex() for e in n.entries.entries],
            "root": n.entries.root.hex(),
            "document": n.document,
            "digest": n.digest.hex(),
        }
        for place, n in led.notices.items()
    ]
    rosters = [
        {
            "document": doc,
            "digest": digest(doc).hex(),
            "summary_en": summary_line(doc)[1],
            "summary_zh": summary_line(doc)[0],
            "entries": led.roster_sets[place].hex_list(),
        }
        for place, doc in led.rosters.items()
    ]
    body = checkpoint_body(k.log.name, len(led.log), led.log_root())
    log = {
        **head,
        "entries": led.log,
        "leaf_hashes": [h.hex() for h in led.leaf_hashes()],
        "root": led.log_root().hex(),
        "checkpoint": k.log.sign_note(body),
    }
    documents = {
        **head,
        "documents": [
            {"digest": d, "type": led.types[d], "jws": text, "payload": jws.parse(text).document()}
            for d, text in led.signed.items()
        ],
    }
    pool = sorted(n_e for n_e in (a.entry() for a in led.records[:5]))
    server = seasonkit.label_bytes("allocation server seed")
    alloc = allocation_document(
        season=seasonkit.SEASON,
        school=seasonkit.X3,
        intake=seasonkit.PRIMARY,
        places=2,
        pool=entry_set(pool),
        seed_commitment=seed_commitment(server),
        scheduled="2024-07-27T10:00:00+08:00",
        witnesses=["家长代表 王芳", "人大代表 李明"],
    )
    witnesses = [
        WitnessInput("家长代表", "王芳", "3 1 4 1 5", "2024-07-27T10:01:00+08:00"),
        WitnessInput("人大代表", "李明", "２ ７ １ ８", "2024-07-27T10:02:00+08:00"),
    ]
    ad = digest(alloc)
    result = allocation_result(
        allocation_digest=ad,
        pool=pool,
        places=2,
        server_seed=server,
        witnesses=witnesses,
        beacon=None,
    )
    seed = final_seed(
        announcement_digest=ad,
        server_seed=server,
        witness_inputs=[w.input for w in witnesses],
        beacon=None,
    )
    allocation = {
        **head,
        "announcement": alloc,
        "announcement_digest": ad.hex(),
        "server_seed": server.hex(),
        "final_seed": seed.hex(),
        "tickets": {e.hex(): ticket(seed, e).hex() for e in pool},
        "result": result,
        "result_digest": digest(result).hex(),
    }
    return {
        "commitments.json": _dump(commitments),
        "sets.json": _dump({**head, "notices": notices, "rosters": rosters}),
        "log.json": _dump(log),
        "documents.json": _dump(documents),
        "allocation.json": _dump(allocation),
    }


def drift() -> list[str]:
    want = render()
    have = {p.name for p in OUT.glob("*.json")}
    problems = [f"missing: {OUT / n}" for n in sorted(want.keys() - have)]
    problems += [f"extra: {OUT / n}" for n in sorted(have - want.keys())]
    problems += [
        f"differs: {OUT / n}"
        for n in sorted(want.keys() & have)
        if (OUT / n).read_text("utf-8") != want[n]
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 on any drift")
    args = parser.parse_args(argv)
    if args.check:
        problems = drift()
        for p in problems:
            print(p, file=sys.stderr)  # noqa: T201 - a command-line script
        if problems:
            print("run: python tests/vectors/generate_season.py", file=sys.stderr)  # noqa: T201 - a command-line script
            return 1
        print("season vectors up to date")  # noqa: T201 - a command-line script
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (OUT / name).write_text(text, "utf-8")
        print(f"wrote {OUT / name} ({len(text.encode()):,} bytes)")  # noqa: T201 - a command-line script
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
