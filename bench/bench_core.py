"""Benchmark of the pure core at district scale, against the SHA-256 floor.

    python bench/bench_core.py            # 100 000, 99 000 and 98 000 pupils into 2 000 classes
    python bench/bench_core.py --write    # the same, then update docs/benchmarks.md
    python bench/bench_core.py --pupils 5000 --classes 100   # a quick run of one size
    python bench/bench_core.py --profile  # cProfile of the validation and draw phases
    python bench/bench_core.py --max-backtracks 1000000   # raise the deal's search bound (labelled)

The roster is synthetic and generated here with a seeded ``random.Random`` (a
benchmark input, never a draw): well-formed ID numbers, ~48 % girls, ~5 % in
three strata, ~1 % twins in pairs wishing 同班 or 分班, and names drawn from
weighted pools so that 重名 arises as it would. Each phase runs ``--repeat``
times (default 3) and the median is reported, next to the *floor*: the SHA-256
work no implementation of the protocol can avoid (a hash per leaf, the n − 1
Merkle nodes, a ticket per pupil, on precomputed 64-byte inputs, then sorting
the tickets), timed in the same run. Each size runs in its own process so that
``ru_maxrss`` is that size's own peak. The exit status is 1 when the core refuses
a draw (the table then shows how far it got).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import hashlib
import io
import json
import os
import platform
import pstats
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Final, TypeVar

import placement.deal as core_deal
from placement.announcement import Announcement, stratum_counts
from placement.commitment import RosterCommitment, commit_roster
from placement.deal import Placement, deal, size_tolerance
from placement.draw import Intake, prepare, replay
from placement.errors import Infeasible, InvalidInput
from placement.idcard import check_character
from placement.policy import TAOBEI_2024, Level
from placement.report import BalanceReport, balance_report, result_digest, result_json
from placement.roster import PupilRecord, header_map, parse_row, validate_roster
from placement.seed import final_seed, seed_commitment
from placement.teams import Teacher, Team, TeamCommitment, commit_teams

T = TypeVar("T")

ROOT: Final = Path(__file__).resolve().parent.parent
DOC: Final = ROOT / "docs" / "benchmarks.md"
START: Final = "<!-- core-bench:start -->"
END: Final = "<!-- core-bench:end -->"

SEED: Final = "sunshine-placement bench_core v1"
# 100 000 fill every class (50); 98 000 divides evenly too (49 each, one seat spare), so
# 99 000 is the size whose classes differ (half of 50, half of 49).
FULL_SIZES: Final = ((100_000, 2_000), (99_000, 2_000), (98_000, 2_000))
PROFILE: Final = TAOBEI_2024
LEVEL: Final = Level.MIDDLE  # cap 50: 100 000 pupils fill 2 000 classes exactly
FLOOR_INPUT_BYTES: Final = 64
DEFAULT_MAX_STEPS: Final = core_deal.MAX_BACKTRACKS

HEADER: Final = (
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "学籍号",
    "双胞胎组",
    "双胞胎意愿",
    "特殊标记",
)
REGIONS: Final = (("220802", 70), ("220881", 12), ("220822", 10), ("220102", 5), ("110105", 3))
FIRST_BIRTH: Final = dt.date(2011, 9, 1)
BIRTH_DAYS: Final = 366  # 2011-09-01 … 2012-08-31
GIRLS: Final = 0.48
# Each flag is one stratum; together about 5 % of pupils.
FLAGS: Final = (("随迁子女", 0.030), ("留守儿童", 0.015), ("随班就读", 0.005))
TWIN_SHARE: Final = 0.01
TWIN_SAME: Final = 0.6  # the rest wish 分班
WITNESS_INPUTS: Final = ("3 1 4 1 5 9", "2 7 1 8 2 8", "1 4 1 4 2 1")
SUBJECTS: Final = ("语文", "数学", "英语", "道德与法治", "历史", "地理", "生物")

# Surnames with rough weights (north-east China), then a long tail of weight 1.
SURNAMES: Final = (
    *(("王", 10), ("李", 9), ("张", 9), ("刘", 8), ("赵", 5), ("孙", 4), ("杨", 4), ("陈", 3)),
    *(("于", 3), ("高", 3), ("徐", 3), ("马", 2), ("姜", 2), ("郭", 2), ("吴", 2), ("周", 2)),
    *(("黄", 2), ("朱", 2), ("胡", 2), ("林", 2), ("宋", 2), ("韩", 2)),
    *((s, 1) for s in "金何罗郑梁谢唐许冯邓曹彭董袁潘蒋蔡杜程苏魏吕丁任沈姚卢崔钟石贾付白孟秦尹"),
    *((s, 1) for s in "薛闫侯郝常武齐乔关包宫佟隋曲邹田范方汪龚万段雷钱汤易黎史顾毛邱葛江"),
)
# Given names popular for children born 2011-2012, most popular first (Zipf-weighted).
POPULAR: Final = {
    "M": "子轩 浩然 宇轩 浩宇 宇航 皓轩 子豪 梓轩 俊杰 博文 鑫磊 佳豪 天宇 昊然 家豪 明轩 浩轩 "
    "宇泽 志强 俊豪 文轩 子健 一鸣 晨阳 鹏飞 泽宇 思远 嘉乐 梓豪 铭轩 振宇 子恒 博涵 浩楠 "
    "天佑 雨泽 俊熙 睿泽 宇豪 锦程 子墨 浩哲 俊宇 嘉豪 智宸 子骞 鑫宇 家乐 伟杰 博宇 志豪",
    "F": "梓涵 欣怡 诗涵 雨涵 梦瑶 佳怡 子涵 可馨 思雨 雨欣 欣妍 雅琪 紫涵 梦琪 晓彤 佳琪 雨婷 "
    "诗琪 婧怡 嘉怡 一诺 语嫣 思琪 雨萱 欣悦 紫萱 佳欣 梦涵 雅婷 诗雨 馨怡 静怡 佳慧 美琪 "
    "雨桐 思涵 子萱 心怡 晨曦 艺涵 若曦 欣然 佳悦 婉婷 梦洁 雨晴 书涵 晓雪",
}
# Characters that given names are composed of, per sex: (first, second).
CHARS: Final = {
    "M": (
        (
            "子浩宇俊天明志家嘉博文思梓一鹏晨泽锦昊佳振雨铭智鑫伟建国晓海永立春宏瑞睿景承书奕逸"
            "皓煜凯晟祥光耀廷德兴庆长金成东卓宸沐胤润启云星辰修彦致怀若乐安亦正君弘铠骏泓毅翰晋"
            "靖禹楚信品"
        ),
        (
            "轩然航杰豪宇辰阳远泽鸣恒涛飞龙鑫磊强伟峰刚斌彬超亮明宁安康健凯诚翔晨霖琦熙哲楠鹏博"
            "文铭洋森楷川林波勇军华辉平源骁驰腾坤铮屹岩舟逸钧朗炜瀚霆澄骏延晖麟琛祺煜烁曦"
        ),
    ),
    "F": (
        (
            "梓欣诗雨梦佳子可思雅紫晓婧嘉一语美心若艺书婉静馨晨雪丽慧悦怡琳舒珊璐妍清芷沐依佩晶"
            "彩茹秀春玉凤月云灵韵素宛晴芮婷倩萌梅芳凌亦安如乐露冰蓝锦嫣湘伊蕊冉菡羽蔓"
        ),
        (
            "涵怡瑶琪彤萱婷悦馨欣然妍雪晴慧洁琳玥莹菲璐颖宁雯月茜蕾薇岚娜娴婕倩瑾珊曦诺桐霏蓓瑜"
            "媛娟丽芳华梅兰琴芸蓉萍娇妮楠希宜瑞羽童依柔影晗菁茹歆淇蕊琦滢"
        ),
    ),
}
NAME_MIX: Final = (("popular", 0.10), ("single", 0.04), ("composed", 0.86))


# --- synthetic roster -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterStats:
    pupils: int
    classes: int
    girls: int
    strata: dict[str, int]
    twin_pairs_same: int
    twin_pairs_apart: int
    same_name_groups: int
    same_name_pupils: int
    largest_same_name: int


@dataclass(frozen=True, slots=True)
class Synthetic:
    """Everything the pipeline reads: text rows as ``csv.reader`` gives them, teams, salts."""

    header: tuple[str, ...]
    rows: list[list[str]]
    teams: list[Team]
    salts: list[bytes]
    server_seed: bytes
    stats: RosterStats


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = [s for s, _ in SURNAMES]
        self.surname_weights = [w for _, w in SURNAMES]
        self.popular = {sex: names.split() for sex, names in POPULAR.items()}
        self.zipf = [1 / (r + 1) ** 0.8 for r in range(max(map(len, self.popular.values())))]

    def surname(self) -> str:
        return self.rng.choices(self.surnames, self.surname_weights)[0]

    def given(self, sex: str) -> str:
        rng = self.rng
        kind = rng.choices([k for k, _ in NAME_MIX], [w for _, w in NAME_MIX])[0]
        first, second = CHARS[sex]
        if kind == "popular":
            pool = self.popular[sex]
            return rng.choices(pool, self.zipf[: len(pool)])[0]
        if kind == "single":
            return rng.choice(second)
        return rng.choice(first) + rng.choice(second)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.regions = [r for r, _ in REGIONS]
        self.region_weights = [w for _, w in REGIONS]
        self.taken: set[str] = set()

    def issue(self, sexes: str) -> list[str]:
        """ID numbers for one birth (a single pupil, or twins): same region and date."""
        rng = self.rng
        while True:
            region = rng.choices(self.regions, self.region_weights)[0]
            born = FIRST_BIRTH + dt.timedelta(days=rng.randrange(BIRTH_DAYS))
            start = rng.randrange(0, 1000 - 2 * len(sexes))
            out = []
            code = start
            for sex in sexes:
                code += (code % 2 == 0) == (sex == "M")  # odd = male
                out.append(f"{region}{born:%Y%m%d}{code:03d}")
                code += 1
            if not self.taken.intersection(out):
                self.taken.update(out)
                return [first17 + check_character(first17) for first17 in out]


def _row(name: str, sex: str, id_number: str, twin: tuple[str, str], flag: str) -> list[str]:
    born = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
    gender = "女" if sex == "F" else "男"
    return [name, gender, id_number, born, f"G{id_number}", twin[0], twin[1], flag]


def synthesise(pupils: int, classes: int, seed: str = SEED) -> Synthetic:
    rng = random.Random(f"{seed} {pupils} {classes}")
    names, ids = _Names(rng), _Ids(rng)

    def sex() -> str:
        return "F" if rng.random() < GIRLS else "M"

    def flag() -> str:
        x = rng.random()
        for label, share in FLAGS:
            if x < share:
                return label
            x -= share
        return ""

    rows: list[list[str]] = []
    pairs = round(pupils * TWIN_SHARE / 2)
    same = 0
    for t in range(pairs):
        sexes = sex() + sex()
        surname = names.surname()
        given = [names.given(s) for s in sexes]
        while given[1] == given[0]:
            given[1] = names.given(sexes[1])
        wish = "同班" if rng.random() < TWIN_SAME else "分班"
        same += wish == "同班"
        # Flagged independently, and a 同班 pair never shares a stratum: two pupils of one
        # stratum in one class break "every stratum within 1 across classes" whenever the
        # stratum has no more pupils than there are classes, so the deal must refuse that.
        flags = [flag(), flag()]
        if wish == "同班" and flags[1] == flags[0]:
            flags[1] = ""
        for s, g, f, number in zip(sexes, given, flags, ids.issue(sexes), strict=True):
            rows.append(_row(surname + g, s, number, (f"T{t + 1:05d}", wish), f))
    while len(rows) < pupils:
        s = sex()
        rows.append(_row(names.surname() + names.given(s), s, ids.issue(s)[0], ("", ""), flag()))
    rng.shuffle(rows)

    by_name = Counter(r[0] for r in rows)
    groups = [c for c in by_name.values() if c > 1]
    stats = RosterStats(
        pupils=pupils,
        classes=classes,
        girls=sum(r[1] == "女" for r in rows),
        strata=dict(sorted(Counter(r[7] for r in rows if r[7]).items())),
        twin_pairs_same=same,
        twin_pairs_apart=pairs - same,
        same_name_groups=len(groups),
        same_name_pupils=sum(groups),
        largest_same_name=max(groups, default=0),
    )
    teams = [
        Team(
            number=c,
            label=f"2024级七年级（{c}）班",
            head_teacher=names.surname() + names.given(sex()),
            teachers=tuple(Teacher(sub, names.surname() + names.given(sex())) for sub in SUBJECTS),
        )
        for c in range(1, classes + 1)
    ]
    salts = [rng.randbytes(16) for _ in rows]
    return Synthetic(HEADER, rows, teams, salts, rng.randbytes(32), stats)


# --- the pipeline, step by step -----------------------------------------------------------

Steps = dict[str, float]


def _timed(steps: Steps, name: str, fn: Callable[[], T]) -> T:
    """Run one step and record its time, also when it raises (a refusal is timed too)."""
    start = time.perf_counter()
    try:
        return fn()
    finally:
        steps[name] = time.perf_counter() - start


def _parse(data: Synthetic) -> list[PupilRecord]:
    """What an import does with ``csv.reader`` rows: map the header, parse every row."""
    columns, issues = header_map(data.header)
    if issues:
        raise InvalidInput(issues)
    pupils: list[PupilRecord] = []
    for n, raw in enumerate(data.rows, start=2):
        parsed = parse_row(n, {key: raw[col] for key, col in columns.items()})
        if isinstance(parsed, list):
            raise InvalidInput(tuple(parsed))
        pupils.append(parsed)
    return pupils


def _validate(pupils: Sequence[PupilRecord], classes: int) -> None:
    issues = validate_roster(pupils, profile=PROFILE, level=LEVEL, class_count=classes)
    if issues:
        raise InvalidInput(issues)


def validation(data: Synthetic, steps: Steps) -> list[PupilRecord]:
    pupils = _timed(steps, "parse_row", lambda: _parse(data))
    _timed(steps, "validate_roster", lambda: _validate(pupils, len(data.teams)))
    return pupils


def commitment(
    data: Synthetic, pupils: Sequence[PupilRecord], steps: Steps
) -> tuple[RosterCommitment, TeamCommitment]:
    roster = _timed(steps, "commit_roster", lambda: commit_roster(pupils, data.salts))
    teams = _timed(steps, "commit_teams", lambda: commit_teams(data.teams))
    return roster, teams


def _announcement(
    roster: RosterCommitment, teams: TeamCommitment, commitment: bytes, tolerance: int
) -> Announcement:
    return Announcement(
        draw_id="bench-core",
        district="吉林省白城市洮北区",
        school="基准测试学校",
        intake="2024级七年级",
        level=LEVEL,
        year=2024,
        policy=PROFILE.key,
        class_cap=PROFILE.cap(LEVEL),
        roster_root=roster.root,
        roster_size=roster.size,
        strata=stratum_counts(roster.leaves),
        teams_root=teams.root,
        team_count=len(teams.teams),
        seed_commitment=commitment,
        size_tolerance=tolerance,
        beacon=None,
        witnesses=("家长代表甲", "家长代表乙", "区教育局监督员"),
        scheduled="2024-08-14T09:00:00+08:00",
    )


def draw(
    data: Synthetic, roster: RosterCommitment, teams: TeamCommitment, steps: Steps
) -> tuple[bytes, Placement]:
    """What ``prepare`` and ``perform`` do after committing: the announcement (whose
    ``size_tolerance`` refuses an impossible roster before the draw), the final seed,
    and the deal (which derives the tolerance again, as every verifier does)."""
    cap = PROFILE.cap(LEVEL)
    commit = _timed(steps, "seed_commitment", lambda: seed_commitment(data.server_seed))
    tolerance = _timed(
        steps, "size_tolerance", lambda: size_tolerance(roster.leaves, len(teams.teams), cap)
    )
    digest = _timed(
        steps, "announcement", lambda: _announcement(roster, teams, commit, tolerance).digest()
    )
    seed = _timed(
        steps,
        "final_seed",
        lambda: final_seed(
            announcement_digest=digest,
            server_seed=data.server_seed,
            witness_inputs=WITNESS_INPUTS,
            beacon=None,
        ),
    )
    placement = _timed(
        steps, "deal", lambda: deal(roster.leaves, roster.leaf_hashes, teams, seed, cap)
    )
    return digest, placement


def report(
    roster: RosterCommitment, digest: bytes, placement: Placement, steps: Steps
) -> tuple[BalanceReport, bytes]:
    rep = _timed(steps, "balance_report", lambda: balance_report(roster.leaves, placement))
    doc = _timed(steps, "result_json", lambda: result_json(placement, digest, rep))
    return rep, _timed(steps, "result_digest", lambda: result_digest(doc))


PHASES: Final = {
    "validation": ("parse_row", "validate_roster"),
    "commitment": ("commit_roster", "commit_teams"),
    "draw": ("seed_commitment", "size_tolerance", "announcement", "final_seed", "deal"),
    "report": ("balance_report", "result_json", "result_digest"),
}


@dataclass(slots=True)
class Run:
    steps: Steps = field(default_factory=dict)
    gc_seconds: float = 0.0  # time spent in the cyclic garbage collector during the run
    gc_full: int = 0  # generation-2 (full) collections during the run
    report: BalanceReport | None = None
    digest: bytes = b""
    refused: str = ""  # the core's Infeasible message when the draw was refused

    def gc_callback(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self.gc_seconds -= now
        else:
            self.gc_seconds += now
            self.gc_full += info["generation"] == 2


def pipeline(data: Synthetic) -> Run:
    run = Run()
    gc.callbacks.append(run.gc_callback)
    try:
        pupils = validation(data, run.steps)
        roster, teams = commitment(data, pupils, run.steps)
        digest, placement = draw(data, roster, teams, run.steps)
        run.report, run.digest = report(roster, digest, placement, run.steps)
    except Infeasible as e:
        run.refused = e.en
    finally:
        gc.callbacks.remove(run.gc_callback)
    return run


@dataclass(slots=True)
class RealRun:
    """One draw the way the service runs it (``web/record/draw.py``): ``prepare`` at the
    announcement and ``replay`` at the reveal, each with the cyclic collector paused
    (``_no_gc``), the deal at the announced τ. Parsing is the upload before it (GC on)."""

    parse: float = 0.0
    prepare: float = 0.0
    replay: float = 0.0
    # The same in CPU seconds of this process (time.process_time): on a machine shared
    # with other work, wall time also counts waiting for a core; CPU time does not.
    cpu_parse: float = 0.0
    cpu_prepare: float = 0.0
    cpu_replay: float = 0.0
    cpu_floor: float = 0.0  # the floor run just before, in CPU seconds
    digest: bytes = b""

    @property
    def draw(self) -> float:
        """Commit + draw + report: what the issue's ≤ 12× target is about."""
        return self.prepare + self.replay

    @property
    def cpu_draw(self) -> float:
        return self.cpu_prepare + self.cpu_replay


def real_flow(data: Synthetic) -> RealRun:
    run = RealRun()
    start, cpu = time.perf_counter(), time.process_time()
    pupils = _parse(data)
    run.parse, run.cpu_parse = time.perf_counter() - start, time.process_time() - cpu
    intake = Intake(
        draw_id="bench-core",
        district="吉林省白城市洮北区",
        school="基准测试学校",
        intake="2024级七年级",
        level=LEVEL,
        year=2024,
        scheduled="2024-08-14T09:00:00+08:00",
        witnesses=("家长代表甲", "家长代表乙", "区教育局监督员"),
    )
    was = gc.isenabled()
    gc.disable()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        prepared = prepare(
            intake=intake,
            profile=PROFILE,
            pupils=pupils,
            teams=data.teams,
            salts=data.salts,
            server_seed=data.server_seed,
        )
        run.prepare, run.cpu_prepare = time.perf_counter() - start, time.process_time() - cpu
        del pupils  # the reveal is a later request: the service no longer holds them
        start, cpu = time.perf_counter(), time.process_time()
        outcome = replay(
            announcement=prepared.announcement,
            leaves=prepared.roster.leaves,
            teams=prepared.teams,
            server_seed=data.server_seed,
            witness_inputs=WITNESS_INPUTS,
            beacon_value=None,
        )
        run.replay, run.cpu_replay = time.perf_counter() - start, time.process_time() - cpu
    finally:
        if was:
            gc.enable()
    run.digest = outcome.result_digest
    return run


def floor(inputs: Sequence[bytes]) -> None:
    """The unavoidable SHA-256 work: leaves, n − 1 Merkle nodes, tickets; then the sort."""
    sha = hashlib.sha256
    leaves = [sha(x).digest() for x in inputs]
    nodes = [sha(x).digest() for x in inputs[1:]]
    tickets = [sha(x).digest() for x in inputs]
    tickets.sort()
    del leaves, nodes


# --- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    stats: RosterStats
    repeat: int
    max_steps: int  # placement.deal.MAX_BACKTRACKS in force
    steps: dict[str, float]  # median seconds per step that ran
    total: float  # median of the per-run totals
    gc_seconds: float  # median time in the cyclic garbage collector, part of ``total``
    gc_full: int  # most full (generation-2) collections in one run
    floor: float  # median
    generate: float  # seconds to synthesise the input (not part of the pipeline)
    tracemalloc_peak: int  # bytes allocated by Python during one pipeline run, at peak
    rss_inputs: int  # ru_maxrss once the input is synthesised, bytes
    rss_peak: int  # ru_maxrss after the timed runs (whole process), bytes
    refused: str = ""
    real: dict[str, float] = field(default_factory=dict)  # RealRun medians: parse, prepare …
    real_tracemalloc_peak: int = 0  # bytes, parse + prepare + replay
    real_rss_peak: int = 0  # ru_maxrss after the real-flow runs, before the old pipeline
    size_tolerance: int = 0
    class_sizes: tuple[int, int] = (0, 0)
    spread: dict[str, int] = field(default_factory=dict)
    result_digest: str = ""

    @property
    def ratio(self) -> float:
        return self.total / self.floor

    @property
    def real_draw(self) -> float:
        return self.real.get("prepare", 0.0) + self.real.get("replay", 0.0)

    def phase(self, name: str) -> float | None:
        """Median seconds of a phase, or None when the draw was refused before its end."""
        names = PHASES[name]
        if any(s not in self.steps for s in names):
            return None
        return sum(self.steps[s] for s in names)


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _real_runs(
    data: Synthetic, inputs: Sequence[bytes], repeat: int, floors: list[float]
) -> list[RealRun]:
    """The real flow ``repeat`` times, each after a floor run (appended to ``floors``)."""
    reals: list[RealRun] = []
    for _ in range(repeat):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        floor(inputs)
        floors.append(time.perf_counter() - start)
        cpu_floor = time.process_time() - cpu
        gc.collect()
        try:
            reals.append(real_flow(data))
            reals[-1].cpu_floor = cpu_floor
        except Infeasible:  # the step-by-step pipeline times the refusal
            break
    return reals


def _real_figures(
    data: Synthetic, reals: Sequence[RealRun], digest: bytes
) -> tuple[dict[str, float], int]:
    """Median seconds per part of the real flow, and its tracemalloc peak."""
    if not reals:
        return {}, 0
    if {r.digest for r in reals} != {digest}:
        sys.exit("error: the real flow gives another result digest than the steps")
    real = {
        k: statistics.median(getattr(r, k) for r in reals)
        for k in ("parse", "prepare", "replay", "draw", "cpu_parse", "cpu_draw", "cpu_floor")
    }
    gc.collect()
    tracemalloc.start()
    real_flow(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return real, peak


def measure(pupils: int, classes: int, *, repeat: int) -> Result:
    start = time.perf_counter()
    data = synthesise(pupils, classes)
    generate = time.perf_counter() - start
    rng = random.Random(f"{SEED} floor {pupils}")
    inputs = [rng.randbytes(FLOOR_INPUT_BYTES) for _ in range(pupils)]
    rss_inputs = _maxrss()

    floors: list[float] = []
    reals = _real_runs(data, inputs, repeat, floors)
    real_rss = _maxrss()
    runs: list[Run] = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        floor(inputs)
        floors.append(time.perf_counter() - start)
        gc.collect()
        runs.append(pipeline(data))
    if len({(r.digest, r.refused) for r in runs}) != 1:
        sys.exit("error: the outcome differs between runs")
    first = runs[0]
    steps = {k: statistics.median(r.steps[k] for r in runs) for k in first.steps}
    total = statistics.median(sum(r.steps.values()) for r in runs)
    gc_seconds = statistics.median(r.gc_seconds for r in runs)
    gc_full = max(r.gc_full for r in runs)
    del runs[1:]  # keep one outcome for the checks below, not all of them
    rss_peak = _maxrss()  # before tracemalloc, whose own bookkeeping is large
    gc.collect()
    tracemalloc.start()
    pipeline(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    real, real_peak = _real_figures(data, reals, first.digest)

    result = Result(
        stats=data.stats,
        repeat=repeat,
        max_steps=core_deal.MAX_BACKTRACKS,
        steps=steps,
        total=total,
        gc_seconds=gc_seconds,
        gc_full=gc_full,
        floor=statistics.median(floors),
        generate=generate,
        tracemalloc_peak=peak,
        rss_inputs=rss_inputs,
        rss_peak=rss_peak,
        refused=first.refused,
        real=real,
        real_tracemalloc_peak=real_peak,
        real_rss_peak=real_rss if reals else 0,
    )
    if first.report is None:
        return result
    rep = first.report
    if rep.same_name_groups != data.stats.same_name_groups:
        sys.exit("error: the report counts other 重名 groups than the roster has")
    sizes = [c.size for c in rep.classes]
    return replace(
        result,
        size_tolerance=rep.size_tolerance,
        class_sizes=(min(sizes), max(sizes)),
        spread=rep.spread(),
        result_digest=first.digest.hex(),
    )


def measure_in_child(pupils: int, classes: int, repeat: int, max_steps: int | None) -> Result:
    """One size in a fresh interpreter, so that ``ru_maxrss`` is that size's own peak."""
    cmd = [sys.executable, __file__, "--json", "--repeat", str(repeat)]
    cmd += ["--pupils", str(pupils), "--classes", str(classes)]
    if max_steps is not None:
        cmd += ["--max-backtracks", str(max_steps)]
    raw = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout)
    raw["stats"] = RosterStats(**raw["stats"])
    raw["class_sizes"] = tuple(raw["class_sizes"])
    return Result(**raw)


def profile(pupils: int, classes: int, *, top: int) -> str:
    """cProfile of the validation and the draw phase, top functions by own time."""
    data = synthesise(pupils, classes)
    out = io.StringIO()
    prof = cProfile.Profile()
    records = prof.runcall(validation, data, {})
    out.write(f"== validation phase, {_n(pupils)} pupils\n")
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    roster, teams = commitment(data, records, {})
    prof = cProfile.Profile()
    try:
        prof.runcall(draw, data, roster, teams, {})
    except Infeasible as e:
        out.write(f"(the draw was refused: {e.en})\n")
    out.write(f"== draw phase, {_n(pupils)} pupils into {_n(classes)} classes\n")
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- reporting ----------------------------------------------------------------------------


def _s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.3f} s"


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def _n(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f} %"


def _phase(r: Result, name: str) -> str:
    t = r.phase(name)
    return "—" if t is None else f"**{_s(t)}** ({_pct(t, r.total)})"


def _outcome(r: Result) -> str:
    if r.refused:
        return f"refused: {r.refused}"
    low, high = r.class_sizes
    spread = f"size {r.spread['size']}, F {r.spread['female']}, M {r.spread['male']}"
    return f"tolerance {r.size_tolerance}; sizes {low}–{high}; spread {spread}"


def table(results: Sequence[Result]) -> str:
    rows: list[list[str]] = [
        ["", *(f"{_n(r.stats.pupils)} → {_n(r.stats.classes)}" for r in results)]
    ]

    def add(label: str, cell: Callable[[Result], str]) -> None:
        rows.append([label, *(cell(r) for r in results)])

    def real(key: str) -> Callable[[Result], str]:
        return lambda r: _s(r.real.get(key))

    def ratio(seconds: Callable[[Result], float]) -> Callable[[Result], str]:
        return lambda r: f"**{seconds(r) / r.floor:.1f}×**" if r.real else "—"

    rows.append(["**real flow** (as `web/record/draw.py` runs it)", *("" for _ in results)])
    add("· parse_row (the upload, GC on)", real("parse"))
    add("· `prepare` (validate, commit, τ, announcement; GC paused)", real("prepare"))
    add(
        "· `replay` (leaf hashes, seed, deal at the announced τ, report; GC paused)", real("replay")
    )
    add("**commit + draw + report** (prepare + replay)", lambda r: f"**{_s(r.real.get('draw'))}**")
    add("**commit + draw + report / floor** (target ≤ 12×)", ratio(lambda r: r.real_draw))
    add("· with parsing / floor", ratio(lambda r: r.real_draw + r.real.get("parse", 0.0)))
    add(
        "· the same in CPU time: commit + draw + report / floor; with parsing",
        lambda r: (
            f"{r.real['cpu_draw'] / r.real['cpu_floor']:.1f}×; "
            f"{(r.real['cpu_draw'] + r.real['cpu_parse']) / r.real['cpu_floor']:.1f}×"
            if r.real
            else "—"
        ),
    )
    add(
        "· peak Python allocations (tracemalloc, parse to result)",
        lambda r: _mib(r.real_tracemalloc_peak),
    )
    add("· peak RSS of the process after the real-flow runs", lambda r: _mib(r.real_rss_peak))
    rows.append(
        [
            "**step by step** (GC on, τ searched again in `deal`: the old figure)",
            *("" for _ in results),
        ]
    )
    for name, steps in PHASES.items():
        rows.append([f"**{name}**", *(_phase(r, name) for r in results)])
        rows += [[f"· {step}", *(_s(r.steps.get(step)) for r in results)] for step in steps]
    add("**total**", lambda r: f"**{_s(r.total)}**" + (" (refused)" if r.refused else ""))
    add(
        "· of which cyclic GC (full collections)",
        lambda r: f"{_s(r.gc_seconds)} ({_pct(r.gc_seconds, r.total)}; {r.gc_full})",
    )
    add("floor: SHA-256 ×(3n − 1) + sort", lambda r: _s(r.floor))
    add("**total / floor**", lambda r: f"**{r.ratio:.1f}×**")
    add("peak Python allocations (tracemalloc)", lambda r: _mib(r.tracemalloc_peak))
    add("peak RSS of the process (ru_maxrss)", lambda r: _mib(r.rss_peak))
    add("· RSS once the input exists", lambda r: _mib(r.rss_inputs))
    add("girls", lambda r: f"{_n(r.stats.girls)} ({_pct(r.stats.girls, r.stats.pupils)})")
    add("strata", lambda r: ", ".join(f"{k} {_n(v)}" for k, v in r.stats.strata.items()))
    add(
        "twin pairs 同班 / 分班",
        lambda r: f"{r.stats.twin_pairs_same} / {r.stats.twin_pairs_apart}",
    )
    add(
        "重名 groups (pupils; largest)",
        lambda r: (
            f"{_n(r.stats.same_name_groups)} ({_n(r.stats.same_name_pupils)}; "
            f"{r.stats.largest_same_name})"
        ),
    )
    add("outcome", _outcome)
    add("result digest", lambda r: f"`{r.result_digest[:16]}…`" if r.result_digest else "—")
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(lines)


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


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def section(results: Sequence[Result]) -> str:
    limits = {r.max_steps for r in results}
    notes = [
        f"Measured {_today()} on {machine()}; every time is the median of {results[0].repeat} runs."
    ]
    if limits != {DEFAULT_MAX_STEPS}:
        notes.append(
            f"**Not the core as shipped:** `placement.deal.MAX_BACKTRACKS` was raised to "
            f"{', '.join(_n(x) for x in sorted(limits))} for this run (`--max-backtracks`)."
        )
    generate = ", ".join(f"{_s(r.generate)} for {_n(r.stats.pupils)}" for r in results)
    return "\n".join(
        [
            START,
            " ".join(notes),
            "",
            table(results),
            "",
            f"Synthesising the input is not timed ({generate}).",
            END,
        ]
    )


INTRO: Final = """# Benchmarks

First written {date} on {machine}; each section below says when it was last measured.

Run every benchmark with `./dev bench`, or this one with `python bench/bench_core.py --write`
(which rewrites its section below). `python bench/bench_core.py --pupils 5000 --classes 100`
is a quick run of one size, and `--profile` prints cProfile tables of the validation and
draw phases.

## Core pipeline at district scale (`bench/bench_core.py`)

100 000 pupils into 2 000 classes of at most 50 (every class full), 99 000 (classes of
49 and 50) and 98 000 (which also divides evenly: 49 each, one seat spare), on a
synthetic roster generated by the script: well-formed ID numbers, ~48 % girls,
~5 % in three strata, ~1 % twins in pairs wishing 同班 or 分班, and names drawn from
weighted pools of surnames, popular given names and characters, so that 重名 arises as it
would at this scale.

The **real flow** is what the service runs (`web/record/draw.py`): `placement.draw.prepare`
at the announcement (validate, commit the roster and the teams, search τ, the
announcement) and `placement.draw.replay` at the reveal (leaf hashes and the teams'
commitment again, the seed, the deal at the announced τ, the report and the result
digest), each with the cyclic garbage collector paused as `_no_gc` does; parsing the rows
is the upload before it (collector on). *Commit + draw + report* is prepare + replay. It
is timed in wall-clock seconds and in this process's CPU seconds (`time.process_time`),
the floor too: on a machine shared with other work, wall time also counts waiting for a
core. Both flows must give one result digest.

The **step-by-step** table is the old figure, kept for comparison: the same work as
separate steps, with the collector on and the τ search run again inside `deal`:

- **validation**: `parse_row` on the text rows a CSV import gives, then `validate_roster`;
- **commitment**: `commit_roster` with a 16-byte salt per pupil, and `commit_teams`;
- **draw**: `seed_commitment`, `size_tolerance` and the announcement digest (as
  `prepare` does), `final_seed`, then `deal` (which derives the tolerance again);
- **report**: `balance_report`, `result_json` and `result_digest`.

The **floor** is the SHA-256 work no implementation of the protocol can avoid, timed in
the same process: one hash per leaf, the n − 1 Merkle nodes and one ticket per pupil, on
precomputed 64-byte inputs, plus sorting the tickets. The time spent in Python's cyclic
garbage collector is shown as part of the total. Peak memory is measured on one more run:
tracemalloc (what Python allocates during the pipeline) and `ru_maxrss` (the whole
process after the timed runs; each size runs in its own process).

A draw the core refuses is timed up to the refusal; the steps after it show "—" and the
script exits with status 1. `--max-backtracks N` raises `placement.deal.MAX_BACKTRACKS` for one run
to measure past such a refusal; the section then says so.

**Targets** (issue 16): commit + draw + report of the real flow within **12× the floor**
at 100 000 pupils in 2 000 classes; peak memory within **200 MiB**.

"""


def write_doc(results: Sequence[Result]) -> None:
    text = section(results)
    if not DOC.exists():
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(INTRO.format(date=_today(), machine=machine()) + text + "\n", "utf-8")
        return
    old = DOC.read_text("utf-8")
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + text + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    DOC.write_text(new, "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the placement core at scale.")
    parser.add_argument("--pupils", type=int, help="one size only (with --classes)")
    parser.add_argument("--classes", type=int, help="number of teacher teams")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--write", action="store_true", help=f"update {DOC.relative_to(ROOT)}")
    parser.add_argument("--profile", action="store_true", help="cProfile validation and draw")
    parser.add_argument(
        "--max-backtracks",
        dest="max_steps",
        type=int,
        help="raise placement.deal.MAX_BACKTRACKS for this run (labelled as such in the output)",
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if (args.pupils is None) != (args.classes is None):
        parser.error("--pupils and --classes go together")
    if args.max_steps is not None:
        core_deal.MAX_BACKTRACKS = args.max_steps
    sizes: list[tuple[int, int]] = (
        [(args.pupils, args.classes)] if args.pupils else list(FULL_SIZES)
    )

    if args.profile:
        print(profile(*sizes[0], top=25))
        return 0
    if args.json:  # one size, for measure_in_child
        print(json.dumps(asdict(measure(*sizes[0], repeat=args.repeat))))
        return 0
    results = []
    for pupils, classes in sizes:
        print(f"… {_n(pupils)} pupils into {_n(classes)} classes", file=sys.stderr, flush=True)
        results.append(measure_in_child(pupils, classes, args.repeat, args.max_steps))
    print(table(results))
    if args.write:
        write_doc(results)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(r.refused for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
