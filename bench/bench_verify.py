"""Benchmark of full verification at district scale, against the SHA-256 floor.

    python bench/bench_verify.py            # 100 000 pupils / 2 000 classes, then 5 000 / 100
    python bench/bench_verify.py --write    # the same, then update docs/benchmarks.md
    python bench/bench_verify.py --pupils 5000 --classes 100   # a quick run of one size
    python bench/bench_verify.py --profile  # cProfile of verifying both bundles (one size)

The roster comes from ``bench_core``'s seeded generator, and the floor is
``bench_core.floor`` (SHA-256 of a leaf, the n − 1 Merkle nodes and a ticket per
pupil, then sorting the tickets: what any replay of the draw must hash), timed in
the same run as the verification so that the ratio compares like with like on a
shared machine. The record is built once with the real flow (``DrawRecord``:
announce, three witnesses, reveal, export of the public and the archive bundle)
into a temporary folder, with in-memory Ed25519 keys; that build is timed as
context. Then ``verify-placement BUNDLE --keyring keyring.json`` (``verifier._cli.main``,
stdout captured) is timed on each bundle, ``--repeat`` times (default 3, median),
and each named check of ``verifier.verify.BUNDLE_CHECKS`` is timed on its own, in
the verifier's order. A record's parts (members, leaves, documents …) are read
lazily, by the first check that asks for them; the table names them, and a second
table times every part read on its own. Next to the floor, the work besides hashing
that no verifier can skip (inflating the zip, decoding every JSON member and JWS
payload, checking every Ed25519 signature) is timed too, as a second reference. Peak
memory: tracemalloc over one more in-process verification (of the bytes, and of the
whole CLI run), and the peak RSS (``VmHWM``) of a fresh interpreter that only imports
the verifier and verifies the bundle (what a parent's laptop needs). Each size runs
in its own process. The exit status is 1 when a bundle does not verify (the tables
then name the failed checks).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gc
import io
import json
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final, TypeVar

from bench_core import (
    FLOOR_INPUT_BYTES,
    LEVEL,
    PROFILE,
    SEED,
    Synthetic,
    floor,
    machine,
    synthesise,
    validation,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from keys.signer import Signer
from placement.canonical import canonical_json
from placement.draw import Intake
from placement.keyring import CST, KeyEntry, Keyring, KeyRole
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog

T = TypeVar("T")

ROOT: Final = Path(__file__).resolve().parent.parent
DOC: Final = ROOT / "docs" / "benchmarks.md"
START: Final = "<!-- verify-bench:start -->"
END: Final = "<!-- verify-bench:end -->"
CORE_END: Final = "<!-- core-bench:end -->"
HEADING: Final = "## Verifying a record bundle at district scale (`bench/bench_verify.py`)"

SIZES: Final = ((100_000, 2_000), (5_000, 100))
KINDS: Final = ("public", "archive")
TARGET: Final = 12.0  # verification of the public bundle within 12× the floor (issue 16)
TARGET_WORK: Final = 3.0  # … and within 3× the work any verifier does (floor + decoding)
TOP: Final = 12  # functions listed per profile
NOW: Final = datetime(2024, 8, 14, 9, 30, tzinfo=CST)
VALID_FROM: Final = date(2024, 6, 1)
WITNESSES: Final = (
    ("家长代表", "贾雪", "3 1 4 1 5 9"),
    ("家长代表", "周明", "2 7 1 8 2 8"),
    ("监督员", "王强", "1 4 1 4 2 1"),
)
BUILD_STEPS: Final = ("validation", "announce", "witnesses", "reveal", *KINDS)


# --- the record -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Built:
    folder: Path
    keyring: Path  # keyring.json, passed to the verifier as the trusted keyring
    bundles: dict[str, Path]  # kind → bundle.zip
    steps: dict[str, float]  # seconds per step of the build
    sizes: dict[str, int]  # kind → bytes


def _signers() -> tuple[Signers, Keyring]:
    def key(name: str, role: KeyRole) -> Signer:
        return Signer(f"bench.example/{name}", role, Ed25519PrivateKey.generate())

    signers = Signers(
        bureau=key("bureau", KeyRole.BUREAU),
        log=key("log", KeyRole.LOG),
        supervisor=key("supervisor", KeyRole.SUPERVISOR),
    )
    everyone = (signers.bureau, signers.log, signers.supervisor)
    ring = Keyring(
        tuple(
            KeyEntry(vkey=s.vkey, role=s.role, label=s.role.value, valid_from=VALID_FROM)
            for s in everyone
            if s is not None
        )
    )
    return signers, ring


def _token_bytes(data: Synthetic) -> Callable[[int], bytes]:
    """The generator's salts, then its server seed, in the order ``announce`` asks."""
    stream = iter([*data.salts, data.server_seed])

    def take(n: int) -> bytes:
        value = next(stream)
        if len(value) != n:
            raise ValueError(f"asked for {n} bytes, the synthetic input has {len(value)}")
        return value

    return take


def _timed(steps: dict[str, float], name: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = fn()
    steps[name] = time.perf_counter() - start
    return value


def build(data: Synthetic, folder: Path) -> Built:
    """Announce, three witnesses, reveal, export: the record as a bureau makes it."""
    steps: dict[str, float] = {}
    signers, ring = _signers()
    keyring = folder / "keyring.json"
    keyring.write_bytes(canonical_json(ring.to_json()))
    pupils = _timed(steps, "validation", lambda: validation(data, {}))
    intake = Intake(
        draw_id=f"bench-verify-{len(pupils)}",
        district="吉林省白城市洮北区",
        school="基准测试学校",
        intake="2024级七年级",
        level=LEVEL,
        year=2024,
        scheduled="2024-08-14T09:00:00+08:00",
        witnesses=tuple(f"{role} {name}" for role, name, _ in WITNESSES),
    )
    log = FileLog(folder / "log")
    rec = _timed(
        steps,
        "announce",
        lambda: DrawRecord.announce(
            folder / "draw",
            log,
            intake=intake,
            profile=PROFILE,
            pupils=pupils,
            teams=data.teams,
            signers=signers,
            now=NOW,
            token_bytes=_token_bytes(data),
        ),
    )

    def witnesses() -> None:
        for n, (role, name, text) in enumerate(WITNESSES, start=1):
            rec.add_witness(role=role, name=name, text=text, now=NOW + timedelta(minutes=n))

    _timed(steps, "witnesses", witnesses)
    _timed(
        steps,
        "reveal",
        lambda: rec.reveal(beacon_value=None, now=NOW + timedelta(minutes=10), signers=signers),
    )
    bundles: dict[str, Path] = {}
    for n, kind in enumerate(KINDS, start=1):
        path = folder / f"{kind}.zip"
        blob = _timed(
            steps,
            kind,
            functools.partial(
                rec.export, kind=kind, keyring=ring, now=NOW + timedelta(hours=n), signers=signers
            ),
        )
        path.write_bytes(blob)
        bundles[kind] = path
    sizes = {kind: path.stat().st_size for kind, path in bundles.items()}
    return Built(folder, keyring, bundles, steps, sizes)


# --- verifying ------------------------------------------------------------------------------


def verify_cli(bundle: Path, keyring: Path) -> int:
    """``verify-placement BUNDLE --keyring K`` as a user runs it, its table captured."""
    from verifier._cli import main  # noqa: PLC0415 - imported where it is measured

    with contextlib.redirect_stdout(io.StringIO()):
        return main([str(bundle), "--keyring", str(keyring)])


@dataclass(slots=True)
class GcTimer:
    seconds: float = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:  # noqa: ARG002
        self.seconds += time.perf_counter() * (1 if phase == "stop" else -1)


@contextlib.contextmanager
def gc_timed() -> Iterator[GcTimer]:
    timer = GcTimer()
    gc.callbacks.append(timer)
    try:
        yield timer
    finally:
        gc.callbacks.remove(timer)


@dataclass(frozen=True, slots=True)
class CheckTime:
    name: str
    status: str
    seconds: float
    parts: tuple[str, ...]  # parts of the record first read by this check


def unavoidable(bundle: Path, keyring: Path) -> Callable[[], None]:
    """The work besides hashing that no verifier can skip, as a function to time: inflate
    the zip (CRC-checked), decode every JSON member and JWS payload, and check every
    Ed25519 signature of every JWS (with keys looked up in advance)."""
    from placement import jws  # noqa: PLC0415
    from verifier._cli import load_keyring  # noqa: PLC0415
    from verifier.container import read_members  # noqa: PLC0415

    data = bundle.read_bytes()
    ring = load_keyring(str(keyring))
    keys = {k.kid: Ed25519PublicKey.from_public_bytes(k.public_key) for k in ring.keys}

    def work() -> None:
        for name, raw in read_members(data).items():
            if name.endswith(".json"):
                json.loads(raw)
            elif name.endswith(".jws"):
                parsed = jws.parse(raw.decode("ascii"))
                payload = parsed.payload
                if parsed.signatures[0].header.get("zip") == "DEF":
                    payload = zlib.decompress(payload, -15)
                json.loads(payload)
                for sig in parsed.signatures:
                    keys[sig.kid].verify(sig.signature, sig.signing_input)

    return work


def verify_bytes(bundle: Path, keyring: Path) -> bool:
    """``verify_bundle`` on bytes already read: the verification without the CLI around it."""
    from verifier._cli import load_keyring  # noqa: PLC0415
    from verifier.verify import verify_bundle  # noqa: PLC0415

    return verify_bundle(bundle.read_bytes(), trusted=load_keyring(str(keyring))).verified


def _failures(bundle: Path, keyring: Path) -> list[str]:
    from verifier._cli import load_keyring  # noqa: PLC0415
    from verifier.verify import verify_bundle  # noqa: PLC0415

    report = verify_bundle(bundle.read_bytes(), trusted=load_keyring(str(keyring)))
    return [f"{c.name}: {c.message_en}" for c in report.checks if c.status.value == "fail"]


def _traced(fn: Callable[[], object]) -> int:
    """Peak bytes Python allocates while ``fn`` runs (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def checks_once(bundle: Path, keyring: Path) -> list[CheckTime]:
    """Every named bundle check, timed one by one in the verifier's order."""
    from verifier._cli import load_keyring  # noqa: PLC0415
    from verifier.checks import run_one  # noqa: PLC0415
    from verifier.record import BundleRecord  # noqa: PLC0415
    from verifier.verify import BUNDLE_CHECKS  # noqa: PLC0415

    trusted = load_keyring(str(keyring))
    rec = BundleRecord(bundle.read_bytes(), trusted=trusted)
    out = []
    for spec in BUNDLE_CHECKS:
        before = set(rec.memo)
        start = time.perf_counter()
        result = run_one(spec, rec)
        seconds = time.perf_counter() - start
        parts = tuple(k for k in rec.memo if k not in before)
        out.append(CheckTime(spec.name, result.status.value, seconds, parts))
    return out


def parts_once(bundle: Path, keyring: Path) -> dict[str, float]:
    """Each part of the record read on its own, in definition order (so exclusive)."""
    from verifier._cli import load_keyring  # noqa: PLC0415
    from verifier.record import BundleRecord  # noqa: PLC0415

    rec = BundleRecord(bundle.read_bytes(), trusted=load_keyring(str(keyring)))
    names = [k for k, v in vars(BundleRecord).items() if hasattr(v, "__wrapped__")]
    out = {}
    for name in names:
        start = time.perf_counter()
        with contextlib.suppress(Exception):
            getattr(rec, name)()
        out[name] = time.perf_counter() - start
    return out


def profile_once(bundle: Path, keyring: Path, top: int) -> tuple[float, list[Hot]]:
    """cProfile of one verification: (profiled seconds, top functions by own time)."""
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.runcall(verify_cli, bundle, keyring)
    total = time.perf_counter() - start
    stats = pstats.Stats(prof)
    rows: list[Hot] = []
    raw = stats.stats  # type: ignore[attr-defined]
    for (path, line, fn), (_, calls, own, cum, _) in raw.items():
        rows.append(Hot(_where(path, line, fn), calls, own, cum))
    rows.sort(key=lambda h: -h.own)
    return total, rows[:top]


def _where(path: str, line: int, fn: str) -> str:
    if path == "~":
        return fn  # a built-in
    p = Path(path)
    try:
        rel = p.resolve().relative_to(ROOT)
    except ValueError:
        rel = Path(p.parent.name) / p.name if "site-packages" in path else Path(p.name)
    return f"{rel}:{line}({fn})"


def _maxrss_child(bundle: Path, keyring: Path) -> tuple[int, int, int]:
    """(exit status, peak RSS after imports, peak RSS after verifying) of a fresh process."""
    cmd = [sys.executable, __file__, "--rss-child", str(bundle), str(keyring)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    code, base, peak = json.loads(out)
    return int(code), int(base), int(peak)


def _peak_rss() -> int:
    """This address space's peak RSS in bytes: ``VmHWM`` on Linux, else ``ru_maxrss``.

    ``ru_maxrss`` survives ``execve``: a process started by a large one (this benchmark's
    measuring process) inherits its parent's peak, while ``VmHWM`` starts afresh."""
    try:
        for line in Path("/proc/self/status").read_text("ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource  # noqa: PLC0415 - POSIX only

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def rss_child(bundle: str, keyring: str) -> None:
    import verifier._cli  # noqa: PLC0415

    base = _peak_rss()
    with contextlib.redirect_stdout(io.StringIO()):
        code = verifier._cli.main([bundle, "--keyring", keyring])  # noqa: SLF001
    print(json.dumps([code, base, _peak_rss()]))


# --- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hot:
    where: str
    calls: int
    own: float
    cum: float


@dataclass(frozen=True, slots=True)
class KindResult:
    exit_code: int  # of verify-placement: 0 verified, 1 not verified
    failed: list[str]  # "check: message" of each failed check
    bytes: int
    verify: float  # median seconds of the whole CLI run
    decode: float  # median seconds of the unavoidable decoding and signature work
    gc_seconds: float  # median seconds in the cyclic GC during it
    checks: list[CheckTime]  # median seconds per check
    parts: dict[str, float]  # median seconds per part read on its own
    tracemalloc_peak: int  # verify_bundle on the bundle's bytes
    tracemalloc_cli: int  # the whole CLI run (its read buffer is sized to the 256 MiB limit)
    rss_base: int  # ru_maxrss of the fresh verifier process once imported
    rss_peak: int  # … after verifying
    profiled: float
    hot: list[Hot]


@dataclass(frozen=True, slots=True)
class Result:
    pupils: int
    classes: int
    repeat: int
    generate: float
    build: dict[str, float]
    floor: float
    kinds: dict[str, KindResult] = field(default_factory=dict)

    def ratio(self, kind: str) -> float:
        return self.kinds[kind].verify / self.floor


def _median_checks(runs: Sequence[Sequence[CheckTime]]) -> list[CheckTime]:
    first = runs[0]
    for run in runs:
        if [(c.name, c.status) for c in run] != [(c.name, c.status) for c in first]:
            sys.exit("error: the checks differ between runs")
    return [
        CheckTime(c.name, c.status, statistics.median(r[i].seconds for r in runs), c.parts)
        for i, c in enumerate(first)
    ]


def measure(pupils: int, classes: int, *, repeat: int) -> Result:
    start = time.perf_counter()
    data = synthesise(pupils, classes)
    generate = time.perf_counter() - start
    rng = random.Random(f"{SEED} floor {pupils}")
    inputs = [rng.randbytes(FLOOR_INPUT_BYTES) for _ in range(pupils)]

    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        built = build(data, Path(tmp))
        del data
        floors: list[float] = []
        totals: dict[str, list[float]] = {k: [] for k in KINDS}
        gcs: dict[str, list[float]] = {k: [] for k in KINDS}
        codes: dict[str, set[int]] = {k: set() for k in KINDS}
        decode = {k: unavoidable(built.bundles[k], built.keyring) for k in KINDS}
        decodes: dict[str, list[float]] = {k: [] for k in KINDS}
        for _ in range(repeat):
            gc.collect()
            start = time.perf_counter()
            floor(inputs)
            floors.append(time.perf_counter() - start)
            for kind in KINDS:
                gc.collect()
                start = time.perf_counter()
                decode[kind]()
                decodes[kind].append(time.perf_counter() - start)
                gc.collect()
                with gc_timed() as timer:
                    start = time.perf_counter()
                    codes[kind].add(verify_cli(built.bundles[kind], built.keyring))
                    totals[kind].append(time.perf_counter() - start)
                gcs[kind].append(timer.seconds)
        if any(len(c) != 1 for c in codes.values()):
            sys.exit(f"error: the verdict differs between runs: {codes}")
        kinds = {
            kind: _measure_kind(
                built,
                kind,
                repeat,
                Timings(totals[kind], gcs[kind], decodes[kind]),
                codes[kind].pop(),
            )
            for kind in KINDS
        }
    return Result(
        pupils=pupils,
        classes=classes,
        repeat=repeat,
        generate=generate,
        build=built.steps,
        floor=statistics.median(floors),
        kinds=kinds,
    )


@dataclass(frozen=True, slots=True)
class Timings:
    """Seconds per run measured next to the floor: the CLI, its GC time, the decoding."""

    verify: list[float]
    gc: list[float]
    decode: list[float]


def _measure_kind(built: Built, kind: str, repeat: int, t: Timings, code: int) -> KindResult:
    bundle = built.bundles[kind]
    check_runs, part_runs = [], []
    for _ in range(repeat):
        gc.collect()
        check_runs.append(checks_once(bundle, built.keyring))
        gc.collect()
        part_runs.append(parts_once(bundle, built.keyring))
    parts = {k: statistics.median(r[k] for r in part_runs) for k in part_runs[0]}
    peak_cli = _traced(lambda: verify_cli(bundle, built.keyring))
    peak = _traced(lambda: verify_bytes(bundle, built.keyring))
    child_code, rss_base, rss_peak = _maxrss_child(bundle, built.keyring)
    if child_code != code:
        sys.exit(f"error: a fresh process gives exit {child_code} for {kind}, not {code}")
    gc.collect()
    profiled, hot = profile_once(bundle, built.keyring, TOP)
    return KindResult(
        exit_code=code,
        failed=_failures(bundle, built.keyring),
        bytes=built.sizes[kind],
        verify=statistics.median(t.verify),
        gc_seconds=statistics.median(t.gc),
        decode=statistics.median(t.decode),
        checks=_median_checks(check_runs),
        parts=parts,
        tracemalloc_peak=peak,
        tracemalloc_cli=peak_cli,
        rss_base=rss_base,
        rss_peak=rss_peak,
        profiled=profiled,
        hot=hot,
    )


def measure_in_child(pupils: int, classes: int, repeat: int) -> Result:
    """One size in a fresh interpreter, so that sizes do not share a heap."""
    cmd = [sys.executable, __file__, "--json", "--repeat", str(repeat)]
    cmd += ["--pupils", str(pupils), "--classes", str(classes)]
    raw = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout)
    kinds = {}
    for kind, k in raw.pop("kinds").items():
        k["checks"] = [CheckTime(**{**c, "parts": tuple(c["parts"])}) for c in k["checks"]]
        k["hot"] = [Hot(**h) for h in k["hot"]]
        kinds[kind] = KindResult(**k)
    return Result(**raw, kinds=kinds)


def profile(pupils: int, classes: int, *, top: int) -> str:
    """cProfile tables of verifying the public and the archive bundle."""
    data = synthesise(pupils, classes)
    out = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        built = build(data, Path(tmp))
        for kind in KINDS:
            prof = cProfile.Profile()
            code = prof.runcall(verify_cli, built.bundles[kind], built.keyring)
            out.write(f"== verify {kind} bundle, {_n(pupils)} pupils (exit {code})\n")
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- reporting ------------------------------------------------------------------------------


def _s(seconds: float) -> str:
    return f"{seconds:.3f} s"


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def _n(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f} %"


def _size(r: Result) -> str:
    return f"{_n(r.pupils)} → {_n(r.classes)}"


def _rows_to_md(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(lines)


def summary(results: Sequence[Result]) -> str:
    rows: list[list[str]] = [["", *(_size(r) for r in results)]]

    def add(label: str, cell: Callable[[Result], str]) -> None:
        rows.append([label, *(cell(r) for r in results)])

    def add_kind(label: str, kind: str, cell: Callable[[KindResult, Result], str]) -> None:
        rows.append([label, *(cell(r.kinds[kind], r) for r in results)])

    add("**build the record** (once, context)", lambda r: f"**{_s(sum(r.build.values()))}**")
    for step in BUILD_STEPS:
        label = f"export {step}" if step in KINDS else step
        rows.append([f"· {label}", *(_s(r.build[step]) for r in results)])
    add("bundle size public / archive", lambda r: " / ".join(_mib_kb(r, k) for k in KINDS))
    add("floor: SHA-256 ×(3n − 1) + sort", lambda r: _s(r.floor))
    for kind in KINDS:
        add_kind(f"**verify {kind}**", kind, lambda k, _: f"**{_s(k.verify)}**")
        add_kind("· verdict (exit status)", kind, lambda k, _: _verdict(k))
        add_kind(
            "· of which cyclic GC",
            kind,
            lambda k, _: f"{_s(k.gc_seconds)} ({_pct(k.gc_seconds, k.verify)})",
        )
        add_kind(
            f"**verify {kind} / floor**",
            kind,
            lambda k, r: f"**{k.verify / r.floor:.1f}×**" + _vs_target(k.verify / r.floor),
        )
        add_kind(
            "· floor + unzip, JSON decoding, Ed25519 (work any verifier does); verify ÷ it",
            kind,
            lambda k, r: (
                f"{_s(r.floor + k.decode)}; {k.verify / (r.floor + k.decode):.1f}×"
                + _vs_target(k.verify / (r.floor + k.decode), TARGET_WORK)
            ),
        )
        add_kind(
            "· peak Python allocations (tracemalloc): verify_bundle / CLI",
            kind,
            lambda k, _: f"{_mib(k.tracemalloc_peak)} / {_mib(k.tracemalloc_cli)}",
        )
        add_kind(
            "· peak RSS, fresh verifier process (after imports)",
            kind,
            lambda k, _: f"{_mib(k.rss_peak)} ({_mib(k.rss_base)})",
        )
    return _rows_to_md(rows)


def _verdict(k: KindResult) -> str:
    if not k.failed:
        return f"verified ({k.exit_code})" if k.exit_code == 0 else f"not verified ({k.exit_code})"
    return f"**NOT verified** ({k.exit_code}): " + "; ".join(f"`{f}`" for f in k.failed)


def _vs_target(ratio: float, target: float = TARGET) -> str:
    return " ✓" if ratio <= target else f" (target ≤ {target:.0f}×)"


def _mib_kb(r: Result, kind: str) -> str:
    n = r.kinds[kind].bytes
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def budget(r: Result) -> str:
    """How much of the target the work no verifier can skip already takes."""
    k = r.kinds["public"]
    least = (r.floor + k.decode) / r.floor
    within = "within" if least <= TARGET else "over"
    return (
        f"At {_size(r)}, the floor plus the work no verifier of the public bundle can skip "
        f"(unzip, decoding, signatures: {_s(k.decode)}) is already {least:.1f}× the SHA-256 "
        f"floor, {within} the {TARGET:.0f}× budget before any check has run; the verifier as a "
        f"whole takes {r.ratio('public'):.1f}×."
    )


def checks_table(r: Result) -> str:
    """Per-check seconds for both bundles of one size (parts read lazily are named)."""
    header = ["check", *(f"{kind}" for kind in KINDS), "parts first read here"]
    rows: list[list[str]] = [header]
    by_kind = {kind: {c.name: c for c in r.kinds[kind].checks} for kind in KINDS}
    for c in r.kinds[KINDS[0]].checks:
        cells = []
        for kind in KINDS:
            k = by_kind[kind][c.name]
            skip = " (skip)" if k.status == "skip" else ""
            cells.append(f"{_s(k.seconds)} ({_pct(k.seconds, _sum(r, kind))}){skip}")
        parts = {p for kind in KINDS for p in by_kind[kind][c.name].parts}
        rows.append([f"`{c.name}`", *cells, ", ".join(sorted(parts)) or ""])
    rows.append(["**sum of checks**", *(f"**{_s(_sum(r, kind))}**" for kind in KINDS), ""])
    rows.append(
        [
            "CLI run (reading the file, keyring, report)",
            *(_s(r.kinds[kind].verify) for kind in KINDS),
            "",
        ]
    )
    return _rows_to_md(rows)


def _sum(r: Result, kind: str) -> float:
    return sum(c.seconds for c in r.kinds[kind].checks)


def parts_table(r: Result) -> str:
    rows: list[list[str]] = [["part (`BundleRecord` method)", *KINDS]]
    rows += [
        [f"`{name}`", *(_s(r.kinds[kind].parts[name]) for kind in KINDS)]
        for name in r.kinds[KINDS[0]].parts
    ]
    return _rows_to_md(rows)


def hot_table(r: Result, kind: str) -> str:
    k = r.kinds[kind]
    rows: list[list[str]] = [["function (by own time)", "calls", "own", "share", "cumulative"]]
    rows += [
        [f"`{h.where}`", _n(h.calls), _s(h.own), _pct(h.own, k.profiled), _s(h.cum)] for h in k.hot
    ]
    return _rows_to_md(rows)


def _today() -> str:
    return datetime.now(CST).date().isoformat()


def section(results: Sequence[Result]) -> str:
    big = max(results, key=lambda r: r.pupils)
    generate = ", ".join(f"{_s(r.generate)} for {_n(r.pupils)}" for r in results)
    return "\n".join(
        [
            START,
            (
                f"Measured {_today()} on {machine()}; every time is the median of "
                f"{results[0].repeat} runs."
            ),
            "",
            summary(results),
            "",
            budget(big),
            "",
            (
                f"Named checks at {_size(big)}, timed one by one in the verifier's order (share "
                "of their sum). Parts of the record are read by the first check that needs "
                "them, so that check carries their cost:"
            ),
            "",
            checks_table(big),
            "",
            f"Each part read on its own at {_size(big)} (what the checks above include):",
            "",
            parts_table(big),
            "",
            (
                f"cProfile of verifying the public bundle at {_size(big)}, top {TOP} functions "
                f"by own time (profiled run {_s(big.kinds['public'].profiled)}; the profiler "
                "inflates Python-heavy code, so read shares, not seconds):"
            ),
            "",
            hot_table(big, "public"),
            "",
            f"Synthesising the input is not timed ({generate}).",
            END,
        ]
    )


INTRO: Final = f"""{HEADING}

`verify-placement BUNDLE --keyring keyring.json` on a record built by the real flow
(`DrawRecord`: announce, three witness inputs, reveal, export of the public and the archive
bundle; Ed25519 keys made in memory) from `bench_core`'s synthetic roster, at 100 000 pupils
in 2 000 classes and at 5 000 in 100 for reference. The floor is `bench_core.floor`, timed
in the same run (replaying the draw must redo exactly that SHA-256 work); so is a second
reference, the floor plus the work besides hashing no verifier can skip (inflating the zip,
decoding every JSON member and JWS payload, checking every Ed25519 signature: 2 000 class
statements make 2 000 signatures). Building the record is timed once, as context. Each named
check is also timed alone; peak memory is tracemalloc over one in-process verification and
the peak RSS (`VmHWM`) of a fresh process that only verifies. Run it with
`python bench/bench_verify.py --write`; `--profile` prints cProfile tables.

**Target:** verifying the public bundle within **{TARGET:.0f}× the floor** and within
**{TARGET_WORK:.0f}× the work any verifier does** (the floor plus unzip, decoding, Ed25519).

"""


def write_doc(results: Sequence[Result]) -> None:
    text = section(results)
    old = DOC.read_text("utf-8") if DOC.exists() else "# Benchmarks\n"
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + text + rest.split(END, 1)[1]
    elif CORE_END in old:  # right after the core section, before any later section
        head, rest = old.split(CORE_END, 1)
        cut = rest.find("\n## ")
        body, tail = (rest, "") if cut < 0 else (rest[: cut + 1], rest[cut + 1 :])
        new = head + CORE_END + body.rstrip("\n") + "\n\n" + INTRO + text + "\n"
        new += "\n" + tail if tail else ""
    else:
        new = old.rstrip("\n") + "\n\n" + INTRO + text + "\n"
    DOC.write_text(new, "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark verifying a record bundle at scale.")
    parser.add_argument("--pupils", type=int, help="one size only (with --classes)")
    parser.add_argument("--classes", type=int, help="number of classes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--write", action="store_true", help=f"update {DOC.relative_to(ROOT)}")
    parser.add_argument("--profile", action="store_true", help="cProfile both verifications")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--rss-child", nargs=2, metavar=("BUNDLE", "KEYRING"), help=argparse.SUPPRESS
    )
    args, ignored = parser.parse_known_args(argv)  # ./dev bench passes every bench's flags
    if ignored:
        print(f"bench_verify: ignoring {' '.join(ignored)}", file=sys.stderr)
    if args.rss_child:
        rss_child(*args.rss_child)
        return 0
    if (args.pupils is None) != (args.classes is None):
        parser.error("--pupils and --classes go together")
    sizes = [(args.pupils, args.classes)] if args.pupils else list(SIZES)
    if args.profile:
        print(profile(*sizes[0], top=25))
        return 0
    if args.json:
        print(json.dumps(asdict(measure(*sizes[0], repeat=args.repeat))))
        return 0
    results = []
    for pupils, classes in sizes:
        print(f"… {_n(pupils)} pupils into {_n(classes)} classes", file=sys.stderr, flush=True)
        results.append(measure_in_child(pupils, classes, args.repeat))
    print(summary(results))
    print()
    big = max(results, key=lambda r: r.pupils)
    print(checks_table(big))
    print()
    print(parts_table(big))
    for kind in KINDS:
        print(f"\n{kind}:\n{hot_table(big, kind)}")
    if args.write:
        write_doc(results)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(k.exit_code for r in results for k in r.kinds.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
