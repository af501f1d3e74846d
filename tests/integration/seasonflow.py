"""The demo season's steps as the service runs them, dated in 2024 Beijing time, for the
tests of the season's web pages: set up, register demo children, approve, post 公示."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from servicekit import Service

from placement.keyring import CST
from placement.policy import Level
from placement.season.outcome import Outcome
from placement.season.plan import Plan
from web.demo import season as demo
from web.service.season import steps


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=CST)


def started(svc: Service, plan: Plan | None = None) -> None:
    svc.at(at(7, 1))
    steps.create(svc.env, catchment=demo.catchment(), plan=plan or demo.plan(), user="admin")


def registered(
    svc: Service, serials: Iterable[int], *, day: tuple[int, int] = (7, 15)
) -> list[str]:
    """Demo children of 新华社区 applying to 实验小学, a minute apart; their numbers."""
    numbers = []
    for k, serial in enumerate(serials):
        svc.at(at(*day, 9, k))
        app = steps.register(
            svc.env,
            demo.SEASON,
            demo.form(serial, "新华社区"),
            school=demo.SY,
            intake=demo.PRIMARY,
            level=Level.PRIMARY,
        )
        numbers.append(app.number)
    return numbers


def approved(svc: Service, numbers: Iterable[str]) -> None:
    """Every one approved in the review window as a resident of the catchment."""
    svc.at(at(7, 22))
    for number in numbers:
        steps.decide(
            svc.env,
            demo.SEASON,
            number,
            outcome=Outcome.APPROVE,
            rule="catchment-resident",
            reason="户口本、房本齐全",
            reviewer="李老师",
            user="op",
        )


def posted(svc: Service) -> None:
    """实验小学's list committed on the first 公示 day."""
    svc.at(at(7, 29))
    steps.commit_notice(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="admin")
