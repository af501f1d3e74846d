"""Named checks and their results: what the verifier reports, one line each.

A check is a function of some input (a bundle, a statement, a receipt) that
returns a :class:`Passed` message or raises :class:`~verifier.errors.Failed` or
:class:`~verifier.errors.Skipped`. :func:`run` calls every check of a list and
turns whatever happens, unexpected exceptions included, into a :class:`Check`
value with a plain message: a verifier never answers with a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from placement.canonical import Json
from placement.errors import PlacementError
from verifier.errors import Failed, Need, Skipped

T = TypeVar("T")


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a check result, not a password
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Passed:
    """What a check returns when it passes: what it saw, in plain words."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Check:
    """The result of one named check (``name`` is a stable English id)."""

    name: str
    title_zh: str
    title_en: str
    status: Status
    message_zh: str
    message_en: str
    optional: bool = False  # a skip that still lets the input verify (nothing to check)

    @property
    def blocks(self) -> bool:
        """Does this result keep the input from verifying?"""
        return self.status is Status.FAIL or (self.status is Status.SKIP and not self.optional)

    def to_json(self) -> dict[str, Json]:
        return {
            "name": self.name,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "status": self.status.value,
            "optional": self.optional,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


@dataclass(frozen=True, slots=True)
class Spec(Generic[T]):
    """A check to run: id, titles, and the function doing it."""

    name: str
    title_zh: str
    title_en: str
    fn: Callable[[T], Passed]


class Catalogue(Generic[T]):
    """An ordered list of checks over one kind of input; ``@cat.check(...)`` adds one."""

    def __init__(self) -> None:
        self.specs: list[Spec[T]] = []

    def check(
        self, name: str, title_zh: str, title_en: str
    ) -> Callable[[Callable[[T], Passed]], Callable[[T], Passed]]:
        def add(fn: Callable[[T], Passed]) -> Callable[[T], Passed]:
            self.specs.append(Spec(name, title_zh, title_en, fn))
            return fn

        return add

    def run(self, subject: T) -> list[Check]:
        return run(self.specs, subject)


def run_one(spec: Spec[T], subject: T) -> Check:
    """One check; every exception becomes a failed or skipped result with a message."""

    def result(status: Status, zh: str, en: str, *, optional: bool = False) -> Check:
        return Check(spec.name, spec.title_zh, spec.title_en, status, zh, en, optional)

    try:
        passed = spec.fn(subject)
    except Need as e:
        return result(Status.SKIP, e.zh, e.en)
    except Skipped as e:
        return result(Status.SKIP, e.zh, e.en, optional=e.optional)
    except PlacementError as e:  # a check's Failed, or the core refusing what it reads
        return result(Status.FAIL, e.zh, e.en)
    except RecursionError:
        return result(Status.FAIL, "输入嵌套过深", "the input is nested too deeply")
    except Exception as e:  # noqa: BLE001 - a verifier reports every failure as a result
        what = f"{type(e).__name__}: {e}"
        return result(
            Status.FAIL,
            f"检查时出现意外错误（{what}）",
            f"unexpected error while checking ({what})",
        )
    return result(Status.PASS, passed.zh, passed.en)


def run(specs: Sequence[Spec[T]], subject: T) -> list[Check]:
    return [run_one(spec, subject) for spec in specs]


def require(condition: bool, zh: str, en: str) -> None:  # noqa: FBT001 - an assertion
    """Raise :class:`Failed` unless ``condition`` holds."""
    if not condition:
        raise Failed(zh, en)


def optional_skip(zh: str, en: str) -> Skipped:
    """A skip that still lets the input verify: there was nothing to check."""
    return Skipped(zh, en, optional=True)


def first(problems: Sequence[tuple[str, str]], limit: int = 3) -> Failed:
    """One failure naming the first few problems (each a (zh, en) pair)."""
    more = len(problems) - limit
    zh = "；".join(p[0] for p in problems[:limit]) + (f"（另有{more}处）" if more > 0 else "")
    en = "; ".join(p[1] for p in problems[:limit]) + (f" (+{more} more)" if more > 0 else "")
    return Failed(zh, en)


__all__ = [
    "Catalogue",
    "Check",
    "Failed",
    "Need",
    "Passed",
    "Skipped",
    "Spec",
    "Status",
    "first",
    "optional_skip",
    "require",
    "run",
]
