"""The lookup hands a family its child's receipt for its own browser to verify (spec §21.5).

The receipt (ID number, birth date, flags, salt) is never printed in a code any more.
After a successful lookup (name and ID number), the page links to the verify page with
``#p=`` (:func:`placement.links.package_fragment`: the raw-DEFLATE, base64url JCS of
``{announcement, receipt, result}``): the fragment never reaches a server, and the browser
checks the receipt against the bureau's signatures on the announcement and the result, not
against anything the receipt says about itself. A pupil added after the draw (补录, 转入)
gets the added receipt of spec §E6 with its signed request and decision beside it.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import col, select

from placement.canonical import Json
from web.db.engine import reading
from web.db.models import Intake, Pupil
from web.record import exceptions as rx
from web.service.intakes import record_of
from web.service.stages import Stage


def receipt_payload(engine: Engine, id_number: str) -> dict[str, Json] | None:
    """The newest published v2 record holding this ID number: its receipt and the signed
    documents it is checked against; None for a v1 record (its notice carries one)."""
    with reading(engine) as s:
        intakes = s.exec(
            select(Intake)
            .join(Pupil, col(Pupil.intake_id) == col(Intake.id))
            .where(col(Pupil.id_number) == id_number, col(Intake.stage) == Stage.PUBLISHED.value)
        ).all()
        if not intakes:
            return None
        newest = max(intakes, key=lambda i: i.year)
        rec = record_of(s, newest)
        if rec.version() != 2:
            return None
        added = rx.added_package(rec, id_number)  # placed after the draw (§E6)
        if added is not None:
            return added
        announcement = rec.store.get("public/announcement.jws")
        result = rec.store.get("public/result.jws")
        if announcement is None or result is None:
            return None
        return {
            "announcement": announcement.decode(),
            "receipt": rec.receipt(id_number),
            "result": result.decode(),
        }
