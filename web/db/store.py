"""A draw's record and the transparency log kept in the database (see
``web.record.store``); both write only inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from sqlalchemy import insert
from sqlmodel import Session, col, select

from keys.signer import Signer
from placement.canonical import Json
from placement.merkle import MerkleTree, leaf_hash
from placement.season.log import any_entry_bytes, any_entry_from_json
from placement.tlog import checkpoint_body, checkpoint_of, format_hashes, format_proof
from web.db.models import Checkpoint, LogEntry, LogHead, RecordBlob


class DbBlobs:
    def __init__(self, session: Session, intake_id: int) -> None:
        self.session = session
        self.intake_id = intake_id

    def _row(self, name: str) -> RecordBlob | None:
        return self.session.exec(
            select(RecordBlob).where(
                RecordBlob.intake_id == self.intake_id, RecordBlob.name == name
            )
        ).first()

    def get(self, name: str) -> bytes | None:
        row = self._row(name)
        return None if row is None else row.data

    def put(self, name: str, data: bytes, *, private: bool = False) -> None:
        row = self._row(name)
        if row is None:
            row = RecordBlob(intake_id=self.intake_id, name=name, private=private, data=data)
        else:
            row.data, row.private = data, private
        self.session.add(row)
        self.session.flush()

    def names(self, prefix: str) -> list[str]:
        rows = self.session.exec(
            select(RecordBlob.name).where(
                RecordBlob.intake_id == self.intake_id,
                col(RecordBlob.name).startswith(prefix, autoescape=True),
            )
        )
        return sorted(rows)


class DbLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _head(self) -> LogHead:
        """The log head row, locked until the transaction ends (the migration creates it)."""
        head = self.session.exec(select(LogHead).where(LogHead.id == 1).with_for_update()).first()
        if head is None:
            raise RuntimeError("log_head row missing: the database was not made by the migrations")
        return head

    def entries(self) -> list[dict[str, Json]]:
        rows = self.session.exec(select(LogEntry.data).order_by(col(LogEntry.index)))
        return [any_entry_from_json(json.loads(d)) for d in rows]

    def append(self, entry: Mapping[str, Json]) -> int:
        head = self._head()
        index = head.size
        data = any_entry_bytes(dict(entry))
        # Season steps (spec Part S) share the district log; their "draw" column is the season.
        subject = entry.get("draw", entry.get("season"))
        self.session.add(
            LogEntry(index=index, draw_id=str(subject), data=data, leaf_hash=leaf_hash(data))
        )
        head.size = index + 1
        self.session.add(head)
        self.session.flush()
        return index

    def extend(self, entries: Sequence[Mapping[str, Json]]) -> int:
        """Append many entries under one head lock and one multi-row INSERT (a season's
        bulk import logs thousands in one step); the index of the first."""
        head = self._head()
        first = head.size
        rows = []
        for i, entry in enumerate(entries):
            data = any_entry_bytes(dict(entry))
            subject = entry.get("draw", entry.get("season"))
            rows.append(
                {"index": first + i, "draw_id": str(subject), "data": data,
                 "leaf_hash": leaf_hash(data)}
            )  # fmt: skip
        if rows:
            self.session.execute(insert(LogEntry), rows)
            head.size = first + len(rows)
            self.session.add(head)
            self.session.flush()
        return first

    def _hashes(self, size: int | None = None) -> list[bytes]:
        q = select(LogEntry.leaf_hash).order_by(col(LogEntry.index))
        if size is not None:
            q = q.where(LogEntry.index < size)
        return list(self.session.exec(q))

    def tree(self, size: int | None = None) -> MerkleTree:
        return MerkleTree.from_leaf_hashes(self._hashes(size))

    def checkpoint(self, signer: Signer) -> str:
        head = self._head()
        tree = self.tree(head.size)
        note = signer.sign_note(checkpoint_body(signer.name, tree.size, tree.root))
        row = self.session.get(Checkpoint, tree.size)
        if row is None:
            row = Checkpoint(size=tree.size, text=note)
        else:
            row.text = note
        self.session.add(row)
        self.session.flush()
        return note

    def checkpoints(self) -> dict[int, str]:
        return {c.size: c.text for c in self.session.exec(select(Checkpoint))}

    def latest_checkpoint(self) -> str | None:
        row = self.session.exec(
            select(Checkpoint).order_by(col(Checkpoint.size).desc()).limit(1)
        ).first()
        return None if row is None else row.text

    def inclusion(self, index: int, checkpoint_text: str) -> str:
        size = checkpoint_of(checkpoint_text).size
        return format_proof(index, self.tree(size).inclusion_proof(index), checkpoint_text)

    def consistency(self, old_size: int, new_size: int) -> str:
        return format_hashes(self.tree(new_size).consistency_proof(old_size))

    def entry_bytes(self, size: int) -> list[bytes]:
        q = select(LogEntry.data).where(LogEntry.index < size).order_by(col(LogEntry.index))
        return list(self.session.exec(q))
