"""The policy's time zone: every time a person reads and every time a signed document
carries is in it, whatever the server's ``TZ`` says.

洮北区's policy counts days and hours in Beijing time (Asia/Shanghai). China has kept
UTC+8 without daylight saving since 1991, so the fixed offset *is* that zone for every
date a record can carry, and needs no tz database on the server.
"""

from __future__ import annotations

from datetime import UTC, datetime

from placement.keyring import CST

POLICY_ZONE = CST


def now() -> datetime:
    """The current time in the policy's zone (never the server's local zone)."""
    return datetime.now(POLICY_ZONE)


def local(t: datetime) -> datetime:
    """``t`` in the policy's zone; a naive time is taken as UTC (how the database keeps it)."""
    return (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).astimezone(POLICY_ZONE)


def shown(t: datetime) -> str:
    """A time as a person reads it: 2024-08-14 23:23:05, Beijing time."""
    return f"{local(t):%Y-%m-%d %H:%M:%S}"


def stamp(t: datetime) -> str:
    """A time as a signed document carries it: ISO 8601 with the explicit +08:00."""
    return local(t).isoformat(timespec="seconds")
