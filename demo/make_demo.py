"""Write the synthetic demo intakes, teacher teams and parent pool in ``demo/``.

    python3 demo/make_demo.py           # (re)write the files
    python3 demo/make_demo.py --check   # exit 1 if any file on disk differs

Everything is made up. The names come from lists of common names, the ID numbers
are well formed (GB 11643-1999) but belong to nobody. The generator uses only the
standard library and a ``random.Random`` with a fixed string seed, so a re-run
gives the same bytes. This is demo data, not a placement draw: real draws never
use Python's ``random``.

Before writing, the script parses its own output back and checks it (ID check
characters, birth dates, gender digits, uniqueness, twin groups, the counts in
each ``Intake``); any failure stops it with exit status 2.
"""

# The seeded ``random.Random`` is deliberate here: demo data, not a draw (S311).
# ``demo/`` is a folder holding a script and its data, not a package (INP001).
# ruff: noqa: S311, INP001

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import itertools
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

SEED: Final = "sunshine-placement 演示数据 洮北区 2024 v1"
HERE: Final = Path(__file__).resolve().parent
YEAR: Final = 2024

HEADERS: Final = (
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "学籍号",
    "双胞胎组",
    "双胞胎意愿",
    "特殊标记",
)
TEAM_HEADERS: Final = ("班号", "班级", "班主任", "任课教师")

# GB 11643-1999 / ISO 7064 MOD 11-2.
WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS: Final = "10X98765432"

LOCAL: Final = "220802"
REGIONS: Final = {
    "220802": "白城市洮北区",
    "220881": "白城市洮南市",
    "220822": "白城市通榆县",
    "220102": "长春市南关区",
}

MALE: Final = "男"
FEMALE: Final = "女"
TOGETHER: Final = "同班"
APART: Final = "分班"
FLAG_ORDER: Final = ("留守儿童", "随迁子女", "随班就读")  # the order of flags inside one cell
FLAG_SEPARATOR: Final = "、"
MIGRANT, LEFT_BEHIND, INCLUSION = "随迁子女", "留守儿童", "随班就读"
TWIN_LABEL: Final = re.compile(r"T\d{2}")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Surnames with rough weights for north-east China (王 李 张 刘 lead; 于 姜 佟 隋 are local).
SURNAMES: Final = (
    ("王", 10), ("李", 9), ("张", 9), ("刘", 8), ("赵", 5), ("孙", 4), ("杨", 4), ("陈", 3),
    ("于", 3), ("高", 3), ("徐", 3), ("马", 2), ("姜", 2), ("郭", 2), ("吴", 2), ("周", 2),
    ("黄", 2), ("朱", 2), ("胡", 2), ("林", 2), ("宋", 2), ("韩", 2), ("金", 1), ("何", 1),
    ("罗", 1), ("郑", 1), ("梁", 1), ("谢", 1), ("唐", 1), ("许", 1), ("冯", 1), ("邓", 1),
    ("曹", 1), ("彭", 1), ("董", 1), ("袁", 1), ("潘", 1), ("蒋", 1), ("蔡", 1), ("杜", 1),
    ("程", 1), ("苏", 1), ("魏", 1), ("吕", 1), ("丁", 1), ("任", 1), ("沈", 1), ("姚", 1),
    ("卢", 1), ("崔", 1), ("钟", 1), ("石", 1), ("贾", 1), ("付", 1), ("白", 1), ("孟", 1),
    ("秦", 1), ("尹", 1), ("薛", 1), ("闫", 1), ("侯", 1), ("郝", 1), ("常", 1), ("武", 1),
    ("齐", 1), ("乔", 1), ("关", 1), ("包", 1), ("宫", 1), ("佟", 1), ("隋", 1), ("曲", 1),
)  # fmt: skip

# Given names popular for children born 2017-2018 (about one in ten has a single character).
BOYS_2017: Final = _words(
    "浩宇 子轩 宇轩 浩然 梓豪 一诺 宇泽 俊熙 睿泽 子墨 皓轩 梓轩 沐宸 奕辰 博文 子睿 宇航 "
    "思远 天佑 明轩 晨阳 铭泽 俊宇 锦程 子豪 浩轩 宸宇 承泽 子航 博宇 梓睿 一鸣 文博 泽宇 "
    "昊天 俊豪 逸凡 子健 瑞霖 嘉豪 家乐 煜祺 宇辰 梓铭 梓宸 睿哲 睿轩 沐阳 浩辰 子骞 景行 "
    "子恒 书恒 一航 锦轩 昊然 俊杰 泽楷 天翊 鹏飞 乐天 奕泽 子越 明哲 "
    "睿 轩 硕 宸 昊 航 泽 鑫 磊 晨"
)
GIRLS_2017: Final = _words(
    "梓涵 一诺 欣怡 雨桐 子涵 诗涵 雨涵 可馨 梓萱 若汐 语桐 依诺 欣妍 思彤 紫涵 雨萱 佳怡 "
    "梦瑶 语汐 可欣 思琪 艺涵 芷若 沐晴 安琪 静怡 诗琪 梓琪 雅涵 欣悦 子萱 梦琪 紫萱 馨怡 "
    "婉清 语嫣 思雨 雨欣 一涵 梓沫 梓晴 诗雨 若曦 语涵 欣然 嘉怡 奕可 舒涵 佳琪 雨彤 梓妍 "
    "艺彤 思涵 紫琪 梦涵 书瑶 婉婷 沐瑶 清妍 "
    "悦 萌 妍 琪 瑶 楠 彤 璐 菲 冉"
)
# Given names popular for children born 2011-2012.
BOYS_2011: Final = _words(
    "子轩 浩然 宇轩 浩宇 宇航 皓轩 子豪 梓轩 俊杰 博文 鑫磊 佳豪 天宇 昊然 家豪 明轩 浩轩 "
    "宇泽 志强 俊豪 文轩 子健 一鸣 晨阳 鹏飞 泽宇 思远 嘉乐 梓豪 铭轩 振宇 子恒 博涵 浩楠 "
    "天佑 雨泽 俊熙 睿泽 宇豪 锦程 子墨 浩哲 俊宇 嘉豪 智宸 子骞 鑫宇 家乐 伟杰 博宇 志豪 "
    "鑫 磊 浩 宇 博 硕 旭 帅"
)
GIRLS_2011: Final = _words(
    "梓涵 欣怡 诗涵 雨涵 梦瑶 佳怡 子涵 可馨 思雨 雨欣 欣妍 雅琪 紫涵 梦琪 晓彤 佳琪 雨婷 "
    "诗琪 婧怡 嘉怡 一诺 语嫣 思琪 雨萱 欣悦 紫萱 佳欣 梦涵 雅婷 诗雨 馨怡 静怡 佳慧 美琪 "
    "雨桐 思涵 子萱 心怡 晨曦 艺涵 若曦 欣然 佳悦 婉婷 梦洁 雨晴 书涵 晓雪 "
    "悦 妍 琪 璐 楠 萌 丹 爽"
)
# Given names for adults born about 1970-1995 (teachers and parents).
WOMEN: Final = _words(
    "丽 芳 娜 静 敏 艳 婷 悦 红 霞 颖 丹 琳 雪 慧 晶 玲 莉 洁 爽 丽娟 晓燕 海燕 雪梅 春梅 "
    "玉梅 秀丽 丽华 红梅 晓丽 丹丹 婷婷 媛媛 佳慧 雅楠 晓雪 美玲 淑娟 秀云 春燕 丽丽 思雨 "
    "佳琪 晓琳 雪莹 海霞 凤霞 玉华 桂芝 淑艳 丽萍 立红 艳华 春艳"
)
MEN: Final = _words(
    "强 伟 刚 军 磊 鹏 勇 涛 斌 超 亮 峰 浩 明 宇 海涛 志刚 建军 晓东 宏伟 立新 振华 文博 "
    "国庆 建华 永强 志勇 海峰 立军 东升 春雷 金龙 宝山 成林 德胜 长海 铁军 庆丰 海波 洪亮"
)

PRIMARY_SUBJECTS: Final = ("语文", "数学", "道德与法治", "体育", "音乐", "美术")
MIDDLE_SUBJECTS: Final = ("语文", "数学", "英语", "道德与法治", "历史", "地理", "生物")


@dataclass(frozen=True, slots=True)
class Multiple:
    """A set of twins or triplets: members' genders in birth order and the parents' wish."""

    genders: str
    wish: str


@dataclass(frozen=True, slots=True)
class Intake:
    """What one demo intake must contain; the self-check compares the output with it."""

    key: str
    grade: str
    pupils: int
    boys: int
    classes: int
    cap: int
    first_birth: dt.date
    last_birth: dt.date
    movers: tuple[tuple[str, int], ...]  # pupils whose ID number is from another region
    multiples: tuple[Multiple, ...]
    same_names: tuple[tuple[str, str], ...]  # identical full names (重名) and their genders
    flags: tuple[tuple[str, int], ...]  # each 特殊标记 cell value and how many pupils carry it
    subjects: tuple[str, ...]
    boy_names: tuple[str, ...]
    girl_names: tuple[str, ...]
    female_teachers: float

    @property
    def roster_file(self) -> str:
        return f"taobei-{YEAR}-{self.key}-school.csv"

    @property
    def teams_file(self) -> str:
        return f"taobei-{YEAR}-{self.key}-teams.csv"

    def class_label(self, number: int) -> str:
        return f"{YEAR}级{self.grade}（{number}）班"


PRIMARY: Final = Intake(
    key="primary",
    grade="一年级",
    pupils=400,
    boys=208,
    classes=9,
    cap=45,
    first_birth=dt.date(2017, 9, 1),
    last_birth=dt.date(2018, 8, 31),
    movers=(("220881", 6), ("220822", 5), ("220102", 3)),
    multiples=(
        Multiple("男女", TOGETHER),
        Multiple("男男", TOGETHER),
        Multiple("女女", TOGETHER),
        Multiple("女男", TOGETHER),
        Multiple("男男", APART),
        Multiple("女男", APART),
        Multiple("男男女", TOGETHER),
    ),
    same_names=(("王浩宇", "男男"), ("张欣怡", "女女"), ("李一诺", "男女")),
    flags=(
        (INCLUSION, 4),
        (MIGRANT, 24),
        (LEFT_BEHIND, 14),
        (f"{LEFT_BEHIND}{FLAG_SEPARATOR}{INCLUSION}", 1),
        (f"{MIGRANT}{FLAG_SEPARATOR}{INCLUSION}", 1),
    ),
    subjects=PRIMARY_SUBJECTS,
    boy_names=BOYS_2017,
    girl_names=GIRLS_2017,
    female_teachers=0.8,
)

MIDDLE: Final = Intake(
    key="middle",
    grade="七年级",
    pupils=300,
    boys=156,
    classes=6,
    cap=50,
    first_birth=dt.date(2011, 9, 1),
    last_birth=dt.date(2012, 8, 31),
    movers=(("220881", 4), ("220822", 3), ("220102", 2)),
    multiples=(Multiple("男女", TOGETHER), Multiple("女女", APART)),
    same_names=(("刘子轩", "男男"), ("王欣怡", "女女")),
    flags=(
        (INCLUSION, 2),
        (MIGRANT, 12),
        (LEFT_BEHIND, 8),
        (f"{LEFT_BEHIND}{FLAG_SEPARATOR}{INCLUSION}", 1),
    ),
    subjects=MIDDLE_SUBJECTS,
    boy_names=BOYS_2011,
    girl_names=GIRLS_2011,
    female_teachers=0.65,
)

INTAKES: Final = (PRIMARY, MIDDLE)
PARENTS: Final = 60
PARENTS_FILE: Final = "parents.txt"
README_FILE: Final = "README.md"


class DemoDataError(Exception):
    """The generated data broke one of its own rules (a bug in this script)."""


@dataclass(frozen=True, slots=True)
class Pupil:
    name: str
    gender: str
    id_number: str
    twin_group: str = ""
    twin_wish: str = ""
    flags: str = ""

    @property
    def row(self) -> tuple[str, ...]:
        born = self.id_number[6:14]
        birth = f"{born[:4]}-{born[4:6]}-{born[6:]}"
        return (
            self.name,
            self.gender,
            self.id_number,
            birth,
            f"G{self.id_number}",
            self.twin_group,
            self.twin_wish,
            self.flags,
        )


# --- ID numbers --------------------------------------------------------------------------


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _with_parity(code: int, gender: str) -> int:
    """``code`` or the next number whose parity fits ``gender`` (odd = 男, even = 女)."""
    return code if (code % 2 == 1) == (gender == MALE) else code + 1


class IdNumbers:
    """Hands out distinct, valid ID numbers."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: set[str] = set()

    def issue(self, region: str, birth: dt.date, genders: str) -> list[str]:
        """Numbers for one birth: siblings get consecutive order codes of their gender's parity."""
        while True:
            code = _with_parity(self._rng.randrange(1, 990), genders[0])
            codes = [code]
            for gender in genders[1:]:
                codes.append(_with_parity(codes[-1] + 1, gender))
            first17s = [f"{region}{birth:%Y%m%d}{code:03d}" for code in codes]
            if not self._issued.intersection(first17s):
                self._issued.update(first17s)
                return [first17 + check_character(first17) for first17 in first17s]


# --- names -------------------------------------------------------------------------------


class Names:
    """Hands out full names, none of them twice (except the planned identical names)."""

    def __init__(self, rng: random.Random, taken: Iterable[str] = ()) -> None:
        self._rng = rng
        self.taken: set[str] = set(taken)
        self._surnames = [surname for surname, _ in SURNAMES]
        self._weights = [weight for _, weight in SURNAMES]

    def surname(self) -> str:
        return self._rng.choices(self._surnames, weights=self._weights)[0]

    def given(self, surname: str, pool: Sequence[str], prefix: str = "") -> str:
        """A free full name; a non-empty ``prefix`` prefers given names starting with it."""
        free = [given for given in pool if surname + given not in self.taken]
        alike = [given for given in free if prefix and len(given) == 2 and given[0] == prefix]
        if not free:
            return self.given(self.surname(), pool, prefix="")
        name = surname + self._rng.choice(alike or free)
        self.taken.add(name)
        return name

    def adult(self, *, female: bool) -> str:
        return self.given(self.surname(), WOMEN if female else MEN)


# --- building ----------------------------------------------------------------------------


def _random_birth(rng: random.Random, intake: Intake) -> dt.date:
    days = (intake.last_birth - intake.first_birth).days + 1
    return intake.first_birth + dt.timedelta(days=rng.randrange(days))


def _pool(intake: Intake, gender: str) -> tuple[str, ...]:
    return intake.boy_names if gender == MALE else intake.girl_names


def _multiples(rng: random.Random, intake: Intake, names: Names, ids: IdNumbers) -> list[Pupil]:
    pupils: list[Pupil] = []
    for index, multiple in enumerate(intake.multiples, start=1):
        surname = names.surname()
        first = names.given(surname, _pool(intake, multiple.genders[0]))
        # Twins' names often share a character (浩然 / 浩宇); prefer that when possible.
        members = [first] + [
            names.given(surname, _pool(intake, gender), prefix=first[1])
            for gender in multiple.genders[1:]
        ]
        numbers = ids.issue(LOCAL, _random_birth(rng, intake), multiple.genders)
        pupils += [
            Pupil(name, gender, number, f"T{index:02d}", multiple.wish)
            for name, gender, number in zip(members, multiple.genders, numbers, strict=True)
        ]
    return pupils


def _singles(
    rng: random.Random, intake: Intake, names: Names, ids: IdNumbers, siblings: list[Pupil]
) -> tuple[list[Pupil], list[str]]:
    """Pupils without siblings in the intake, and the region code of each."""
    count = intake.pupils - len(siblings)
    boys = intake.boys - sum(pupil.gender == MALE for pupil in siblings)
    genders = [MALE] * boys + [FEMALE] * (count - boys)
    planned: list[tuple[str, str]] = []
    for name, name_genders in intake.same_names:
        for gender in name_genders:
            genders.remove(gender)
            planned.append((name, gender))
    rng.shuffle(genders)
    planned += [("", gender) for gender in genders]
    regions = [code for code, movers in intake.movers for _ in range(movers)]
    regions += [LOCAL] * (count - len(regions))
    rng.shuffle(regions)
    # The first and the last eligible birthday are always present (cut-off cases).
    births = [intake.first_birth, intake.last_birth]
    births += [_random_birth(rng, intake) for _ in range(count - 2)]
    rng.shuffle(births)
    pupils = []
    for (name, gender), region, birth in zip(planned, regions, births, strict=True):
        full_name = name or names.given(names.surname(), _pool(intake, gender))
        pupils.append(Pupil(full_name, gender, ids.issue(region, birth, gender)[0]))
    return pupils, regions


def _assign_flags(
    rng: random.Random, intake: Intake, pupils: list[Pupil], regions: list[str]
) -> list[Pupil]:
    """Flag single pupils; 随迁子女 go to non-local ID numbers first, 留守儿童 to local ones.

    ``pupils[: len(regions)]`` are the single pupils, the rest are twins and triplets, who
    may carry 随班就读 only (so one family never gets two different 随迁 / 留守 statuses).
    """
    movers = [i for i, region in enumerate(regions) if region != LOCAL]
    locals_ = [i for i, region in enumerate(regions) if region == LOCAL]
    rng.shuffle(movers)
    rng.shuffle(locals_)
    flags: dict[int, str] = {}
    # Cells naming 随迁 or 留守 first: they have fewer candidates than plain 随班就读.
    for cell, count in sorted(intake.flags, key=lambda item: item[0] == INCLUSION):
        if MIGRANT in cell:
            candidates = [i for i in movers + locals_ if i not in flags]
        elif LEFT_BEHIND in cell:
            candidates = [i for i in locals_ if i not in flags]
        else:
            candidates = sorted(set(range(len(pupils))) - flags.keys())
            rng.shuffle(candidates)
        flags.update(dict.fromkeys(candidates[:count], cell))
    return [replace(pupil, flags=flags.get(i, "")) for i, pupil in enumerate(pupils)]


def build_roster(rng: random.Random, intake: Intake, names: Names) -> list[Pupil]:
    ids = IdNumbers(rng)
    siblings = _multiples(rng, intake, names, ids)
    singles, regions = _singles(rng, intake, names, ids, siblings)
    pupils = _assign_flags(rng, intake, singles + siblings, regions)
    rng.shuffle(pupils)  # registration order
    return pupils


def build_teams(rng: random.Random, intake: Intake, names: Names) -> list[tuple[str, ...]]:
    """One filed team per class; the head teacher also teaches 语文 or 数学."""
    rows: list[tuple[str, ...]] = []
    for number in range(1, intake.classes + 1):
        staff = []
        for subject in intake.subjects:
            share = 0.3 if subject == "体育" else intake.female_teachers
            staff.append((subject, names.adult(female=rng.random() < share)))
        head = staff[rng.randrange(2)][1]
        subjects = ";".join(f"{subject}:{teacher}" for subject, teacher in staff)
        rows.append((str(number), intake.class_label(number), head, subjects))
    return rows


def build_parents(rng: random.Random, pupils: Sequence[Pupil], names: Names) -> list[str]:
    """One parent of each of ``PARENTS`` pupils: a father shares the pupil's surname."""
    parents = []
    for pupil in rng.sample(pupils, PARENTS):
        if rng.random() < 0.5:
            parents.append(names.given(pupil.name[0], MEN))
        else:
            parents.append(names.adult(female=True))
    return parents


# --- rendering ---------------------------------------------------------------------------


def render_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _intake_lines(intake: Intake) -> list[str]:
    flag_totals = _flag_totals(intake.flags)
    twins = sum(len(m.genders) == 2 for m in intake.multiples)
    triplets = len(intake.multiples) - twins
    together = sum(m.wish == TOGETHER for m in intake.multiples)
    movers = ", ".join(f"{code} {REGIONS[code]} ×{n}" for code, n in intake.movers)
    flags = ", ".join(f"{flag} {flag_totals[flag]}" for flag in FLAG_ORDER)
    doubles = sum(n for cell, n in intake.flags if FLAG_SEPARATOR in cell)
    same = ", ".join(f"{name}（{genders}）" for name, genders in intake.same_names)
    return [
        f"### {intake.roster_file} / {intake.teams_file}",
        "",
        (
            f"- {intake.pupils} 名 {intake.grade} 新生（男 {intake.boys}，女 "
            f"{intake.pupils - intake.boys}），{intake.classes} 个班，每班不超过 {intake.cap} 人 / "
            f"{intake.pupils} pupils, {intake.classes} classes, cap {intake.cap}."
        ),
        (
            f"- 出生日期 / born {intake.first_birth} … {intake.last_birth}"
            f"（含截止日 {intake.last_birth} 出生者 / includes the cut-off day）."
        ),
        f"- 身份证地址码 / region codes: {LOCAL} {REGIONS[LOCAL]} for most; {movers}.",
        (
            f"- 多胞胎 / multiples: {twins} 对双胞胎、{triplets} 组三胞胎 (T01…), "
            f"{together} 组同班、{len(intake.multiples) - together} 组分班."
        ),
        f"- 重名 / identical names: {same}.",
        f"- 特殊标记 / flags: {flags}; {doubles} 人有两项（用“、”连接）.",
        (
            f"- 教师团队 / teams: {len(intake.subjects)} 科（{'、'.join(intake.subjects)}）, "
            "班主任兼任语文或数学 / the head teacher also teaches 语文 or 数学."
        ),
        "",
    ]


def render_readme() -> bytes:
    lines = [
        "# 演示数据 / Demo data",
        "",
        (
            "<!-- 由 make_demo.py 生成，请修改脚本而不是本文件。"
            " Generated by make_demo.py: edit the script, not this file. -->"
        ),
        "",
        (
            "**本目录中的全部数据均为虚构。** 学生、教师和家长姓名取自常见姓名表随机组合，"
            "身份证号只符合 GB 11643-1999 的格式与校验规则，不属于任何真实的人。"
            "请勿把真实学生数据提交到本仓库。"
        ),
        "",
        (
            "**All data in this folder is synthetic.** Pupil, teacher and parent names are random "
            "combinations of common names; the ID numbers only follow the GB 11643-1999 format and "
            "check character and belong to nobody. Never commit real pupil data to this repository."
        ),
        "",
        "## 文件 / Files",
        "",
    ]
    for intake in INTAKES:
        lines += _intake_lines(intake)
    lines += [
        f"### {PARENTS_FILE}",
        "",
        (
            f"- {PARENTS} 个家长姓名，每行一个，用于按 RFC 3797 公开抽取家长代表 / "
            f"{PARENTS} parent names, one a line, the pool for an RFC 3797 selection of parent "
            "representatives (each is a parent of a different primary pupil)."
        ),
        "",
        "## 生成方法 / How it was generated",
        "",
        (
            "`make_demo.py` 只用 Python 标准库，随机数来自固定种子的 `random.Random`。"
            "这只是演示数据；正式分班不使用 Python 的 `random`。"
        ),
        "",
        (
            f"`make_demo.py` uses the standard library only, with `random.Random({SEED!r})`. "
            "This is demo data, not a draw: real placement draws never use Python's `random`."
        ),
        "",
        "- 学籍号 = `G` + 身份证号；出生日期与身份证号中的日期一致。",
        (
            "- 身份证号第 17 位：男为奇数、女为偶数。多胞胎同姓、同生日、同地址码，顺序码按性别"
            "奇偶依次相连（两个男孩如 013、015，一男一女如 014、015）。"
        ),
        "- CSV: UTF-8（无 BOM）、LF 换行、首行为表头；行按报名顺序打乱。",
        (
            "- 写出前脚本会回读并自检：校验位、出生日期范围、性别位、号码唯一、"
            "多胞胎组一致、各项人数。"
        ),
        "",
        "- 学籍号 is `G` + the ID number; 出生日期 equals the date inside the ID number.",
        (
            "- The 17th digit is odd for 男 and even for 女. Twins and triplets share surname, "
            "birth date and region code and have consecutive order codes of their gender's parity."
        ),
        "- CSV files are UTF-8 without BOM, LF line endings, a header row; rows are shuffled.",
        "- Before writing, the script reads its output back and checks every rule and count above.",
        "",
        "## 重新生成 / Regenerate",
        "",
        "```sh",
        "python3 demo/make_demo.py           # 写入文件 / write the files",
        (
            "python3 demo/make_demo.py --check   # 与磁盘上的文件比对，不一致时退出码为 1 / "
            "exit 1 if any file differs"
        ),
        "```",
        "",
    ]
    return "\n".join(lines).encode()


def build() -> dict[str, bytes]:
    """Every demo file by name, generated from ``SEED``."""
    rng = random.Random(SEED)
    reserved = [name for intake in INTAKES for name, _ in intake.same_names]
    rosters = {intake.key: build_roster(rng, intake, Names(rng, reserved)) for intake in INTAKES}
    # Adults never share a name with a pupil or with each other.
    adults = Names(rng, (pupil.name for pupils in rosters.values() for pupil in pupils))
    files: dict[str, bytes] = {}
    for intake in INTAKES:
        pupils = rosters[intake.key]
        files[intake.roster_file] = render_csv(HEADERS, (pupil.row for pupil in pupils))
        files[intake.teams_file] = render_csv(TEAM_HEADERS, build_teams(rng, intake, adults))
    parents = build_parents(rng, rosters[PRIMARY.key], adults)
    files[PARENTS_FILE] = "".join(f"{parent}\n" for parent in parents).encode()
    files[README_FILE] = render_readme()
    return files


# --- self-check --------------------------------------------------------------------------


def _flag_totals(cells: Iterable[tuple[str, int]]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for cell, count in cells:
        for flag in cell.split(FLAG_SEPARATOR):
            totals[flag] += count
    return totals


def _read_csv(data: bytes, header: Sequence[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(data.decode(), newline=""))
    if tuple(reader.fieldnames or ()) != tuple(header):
        message = f"header is {reader.fieldnames}, expected {list(header)}"
        raise DemoDataError(message)
    return list(reader)


def _id_problems(row: dict[str, str], intake: Intake) -> list[str]:
    number = row["身份证号"]
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return [f"{number}: not 17 digits and a check character"]
    problems = []
    if number[17] != check_character(number[:17]):
        problems.append(f"{number}: wrong check character")
    if number[:6] not in REGIONS:
        problems.append(f"{number}: unexpected region code")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return [*problems, f"{number}: no such date"]
    if not intake.first_birth <= born <= intake.last_birth:
        problems.append(f"{number}: born outside the intake's range")
    if row["出生日期"] != born.isoformat():
        problems.append(f"{number}: 出生日期 {row['出生日期']} differs from the ID number")
    if row["性别"] != (MALE if int(number[16]) % 2 else FEMALE):
        problems.append(f"{number}: gender digit does not match 性别 {row['性别']}")
    if row["学籍号"] != f"G{number}":
        problems.append(f"{number}: 学籍号 is not G + ID number")
    return problems


def _check_people(rows: list[dict[str, str]], intake: Intake) -> list[str]:
    problems = [p for row in rows for p in _id_problems(row, intake)]
    if len(rows) != intake.pupils:
        problems.append(f"{len(rows)} pupils, expected {intake.pupils}")
    if len(rows) > intake.classes * intake.cap:
        problems.append(f"{len(rows)} pupils do not fit {intake.classes} classes of {intake.cap}")
    genders = Counter(row["性别"] for row in rows)
    if genders != Counter({MALE: intake.boys, FEMALE: intake.pupils - intake.boys}):
        problems.append(f"genders {dict(genders)}")
    numbers = [row["身份证号"] for row in rows]
    if len(set(numbers)) != len(numbers) or len({row["学籍号"] for row in rows}) != len(rows):
        problems.append("ID numbers or 学籍号 are not distinct")
    if sum(number.endswith("X") for number in numbers) < 2:
        problems.append("fewer than two ID numbers end in X")
    if intake.last_birth.isoformat() not in {row["出生日期"] for row in rows}:
        problems.append("nobody is born on the cut-off day")
    names: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        names[row["姓名"]].append(row["性别"])
    same = {name: "".join(sorted(g)) for name, g in names.items() if len(g) > 1}
    if same != {name: "".join(sorted(g)) for name, g in intake.same_names}:
        problems.append(f"identical names {same}")
    return problems


def _consecutive(codes: list[int]) -> bool:
    """Each code is the next one after its predecessor that has its own parity."""
    return all(b - a == 1 or (b - a == 2 and a % 2 == b % 2) for a, b in itertools.pairwise(codes))


def _check_multiples(rows: list[dict[str, str]], intake: Intake) -> list[str]:
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    problems = []
    for row in rows:
        if row["双胞胎组"]:
            groups[row["双胞胎组"]].append(row)
        elif row["双胞胎意愿"]:
            problems.append(f"{row['身份证号']}: 双胞胎意愿 without 双胞胎组")
    expected = {f"T{i:02d}": m for i, m in enumerate(intake.multiples, start=1)}
    if sorted(groups) != sorted(expected):
        return [*problems, f"twin groups {sorted(groups)}"]
    for label, members in groups.items():
        members.sort(key=lambda row: row["身份证号"])
        numbers = [row["身份证号"] for row in members]
        if (
            not TWIN_LABEL.fullmatch(label)
            or len({row["姓名"][0] for row in members}) != 1
            or len({row["姓名"] for row in members}) != len(members)
            or len({number[:14] for number in numbers}) != 1
            or not _consecutive([int(number[14:17]) for number in numbers])
            or {row["双胞胎意愿"] for row in members} != {expected[label].wish}
            or sorted(row["性别"] for row in members) != sorted(expected[label].genders)
        ):
            problems.append(f"twin group {label} is inconsistent")
    mixes = {len(set(m.genders)) for m in intake.multiples if len(m.genders) == 2}
    wishes = {m.wish for m in intake.multiples if len(m.genders) == 2}
    if mixes != {1, 2} or wishes != {TOGETHER, APART}:
        problems.append("twin pairs lack a mixed or a same-gender pair, or a wish")
    return problems


def _check_flags(rows: list[dict[str, str]], intake: Intake) -> list[str]:
    problems = []
    for row in rows:
        flags = row["特殊标记"].split(FLAG_SEPARATOR) if row["特殊标记"] else []
        ordered = [flag for flag in FLAG_ORDER if flag in flags]
        if flags != ordered or {MIGRANT, LEFT_BEHIND} <= set(flags):
            problems.append(f"{row['身份证号']}: bad 特殊标记 {row['特殊标记']!r}")
    cells = Counter(row["特殊标记"] for row in rows if row["特殊标记"])
    if cells != Counter(dict(intake.flags)):
        problems.append(f"特殊标记 counts {dict(cells)}")
    return problems


def _check_teams(data: bytes, intake: Intake, teachers: set[str]) -> list[str]:
    """Check one teams file; ``teachers`` collects names across files (nobody is in two teams)."""
    rows = _read_csv(data, TEAM_HEADERS)
    problems = []
    if [row["班号"] for row in rows] != [str(n) for n in range(1, intake.classes + 1)]:
        problems.append(f"{intake.teams_file}: 班号 are not 1..{intake.classes}")
    for number, row in enumerate(rows, start=1):
        staff = {s: t for s, _, t in (item.partition(":") for item in row["任课教师"].split(";"))}
        people = set(staff.values())
        if (
            row["班级"] != intake.class_label(number)
            or row["班主任"] not in people
            or tuple(staff) != intake.subjects
            or not 5 <= len(staff) <= 7
            or len(people) != len(staff)
            or people & teachers
        ):
            problems.append(f"{intake.teams_file}: class {number} is inconsistent")
        teachers |= people
    return problems


def verify(files: dict[str, bytes]) -> list[str]:
    """Every broken rule in the generated files (empty when all is well)."""
    problems: list[str] = []
    teachers: set[str] = set()
    for intake in INTAKES:
        rows = _read_csv(files[intake.roster_file], HEADERS)
        for check in (_check_people, _check_multiples, _check_flags):
            problems += [f"{intake.roster_file}: {p}" for p in check(rows, intake)]
        problems += _check_teams(files[intake.teams_file], intake, teachers)
    parents = files[PARENTS_FILE].decode().splitlines()
    if len(set(parents)) != PARENTS or not all(2 <= len(name) <= 3 for name in parents):
        problems.append(f"{PARENTS_FILE}: expected {PARENTS} distinct names")
    return problems


def summary() -> str:
    parts = []
    for intake in INTAKES:
        totals = _flag_totals(intake.flags)
        flags = " ".join(f"{flag} {totals[flag]}" for flag in FLAG_ORDER)
        parts.append(
            f"{intake.key} {intake.pupils} pupils/{intake.classes} classes "
            f"({intake.boys} 男, {len(intake.multiples)} twin groups, "
            f"{len(intake.same_names)} 重名 pairs, {flags})"
        )
    return "; ".join(parts) + f"; {PARENTS} parents"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="compare with the files on disk; exit 1 on a diff"
    )
    args = parser.parse_args(argv)
    files = build()
    try:
        problems = verify(files)
    except DemoDataError as error:
        problems = [str(error)]
    if problems:
        sys.stderr.write("".join(f"make_demo: {problem}\n" for problem in problems))
        return 2
    if args.check:
        stale = [name for name, data in files.items() if _read(HERE / name) != data]
        if stale:
            sys.stderr.write(f"make_demo: out of date: {', '.join(stale)}\n")
            return 1
        sys.stdout.write(f"make_demo: up to date and checked: {summary()}\n")
        return 0
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    sys.stdout.write(f"make_demo: wrote {len(files)} files, all checks passed: {summary()}\n")
    return 0


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
