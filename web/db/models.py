"""Tables. They map the core's values (``PupilRecord``, ``Team``, signed blobs, log
entries); the core's dataclasses stay the source of truth for what they mean."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=100)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)  # web.service.accounts.Role
    school_id: int | None = Field(default=None, foreign_key="school.id")
    active: bool = True
    created: datetime
    # Signed into each session cookie; logout and a new password raise it, which ends every
    # session the user holds on the server (a copied cookie no longer opens anything).
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100, unique=True)
    level: str = Field(max_length=16)  # placement.policy.Level
    closed: bool = False  # closed for intake (e.g. 铁路二中 in 2024)
    catchment_to: str = Field(default="", max_length=100)  # where a closed school's catchment goes


class Intake(SQLModel, table=True):
    """One draw: school × level × year."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    draw_id: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=64)  # 2024级一年级
    level: str = Field(max_length=16)
    year: int
    profile: str = Field(max_length=64)  # key of placement.policy.PROFILES
    stage: str = Field(default="draft", max_length=16, index=True)  # web.service.workflow.Stage
    scheduled: str = Field(default="", max_length=40)  # planned time, ISO 8601 with offset
    planned_witnesses: str = Field(default="", max_length=2000)  # one "role name" per line
    beacon: str = Field(default="", max_length=200)
    witness_code: str = Field(default="", max_length=16)  # lets a witness's own device enter input
    override_reason: str = Field(default="", max_length=500)  # draw outside the window
    override_by: str = Field(default="", max_length=64)
    # digest of the season's roster derivation the roster came from (spec S9), or ""
    enrolment: str = Field(default="", max_length=64)
    version: int = 0  # bumped on every change; the projector polls it
    created: datetime
    updated: datetime


class Pupil(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("intake_id", "row"),
        Index("ix_pupil_id_number", "id_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    intake_id: int = Field(foreign_key="intake.id", index=True)
    row: int  # row of the imported file (what error messages name)
    name: str = Field(max_length=64)
    sex: str = Field(max_length=2)
    id_number: str = Field(max_length=18)
    birth_date: date
    student_no: str = Field(default="", max_length=32)
    twin_group: str = Field(default="", max_length=32)
    twin_wish: str = Field(default="", max_length=16)
    flags: str = Field(default="", max_length=200)  # "、"-joined
    class_number: int | None = None  # set by the draw (and approved amendments)
    class_label: str = Field(default="", max_length=32)


class TeamRow(SQLModel, table=True):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("intake_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    intake_id: int = Field(foreign_key="intake.id", index=True)
    number: int
    label: str = Field(max_length=32)
    head_teacher: str = Field(max_length=64)
    teachers: str = Field(default="[]", max_length=4000)  # JSON [{"subject", "name"}]


class RecordBlob(SQLModel, table=True):
    """One named blob of a draw's signed record (see ``web.record.store.Blobs``)."""

    __tablename__ = "record_blob"
    __table_args__ = (UniqueConstraint("intake_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    intake_id: int = Field(foreign_key="intake.id", index=True)
    name: str = Field(max_length=200)
    private: bool = False
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogEntry(SQLModel, table=True):
    """The transparency log (spec §16): entry bytes by index, never updated."""

    __tablename__ = "log_entry"

    index: int = Field(primary_key=True)
    draw_id: str = Field(max_length=64, index=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogHead(SQLModel, table=True):
    """One row, locked by every append so two writers cannot take the same index."""

    __tablename__ = "log_head"

    id: int = Field(default=1, primary_key=True)
    size: int = 0


class Checkpoint(SQLModel, table=True):
    size: int = Field(primary_key=True)
    text: str = Field(max_length=4000)


class AuditEvent(SQLModel, table=True):
    """Who did what in the service (logins, imports, refusals); not the transparency log."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    time: datetime = Field(index=True)
    username: str = Field(default="", max_length=64)
    action: str = Field(max_length=64)
    intake_id: int | None = Field(default=None, index=True)
    detail: str = Field(default="", max_length=4000)


class SeasonDocument(SQLModel, table=True):
    """A signed document of the enrollment season (spec Part S), by digest; never updated."""

    __tablename__ = "season_document"

    digest: str = Field(primary_key=True, max_length=64)
    season: str = Field(max_length=128, index=True)
    type: str = Field(max_length=100)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # compact JWS


class SeasonApplication(SQLModel, table=True):
    """One application record (private: name, ID number, address, phone, salt)."""

    __tablename__ = "season_application"
    __table_args__ = (UniqueConstraint("season", "number", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    season: str = Field(max_length=128, index=True)
    number: str = Field(max_length=16, index=True)
    revision: int
    id_number: str = Field(max_length=18, index=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the record's JSON


class SeasonEntrySet(SQLModel, table=True):
    """The entries of a 公示 or derivation document (its digest), as a JSON list."""

    __tablename__ = "season_entry_set"

    digest: str = Field(primary_key=True, max_length=64)
    season: str = Field(max_length=128, index=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SeasonAllocation(SQLModel, table=True):
    """A 统筹 draw's private state: pool numbers, the secret server seed, the result."""

    __tablename__ = "season_allocation"

    digest: str = Field(primary_key=True, max_length=64)  # the allocation announcement's
    season: str = Field(max_length=128, index=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
