"""Reading a draw's record: its state, signed documents, leaves, teams, classes and receipts."""

from __future__ import annotations

import json
from pathlib import Path

from placement.announcement import from_json
from placement.canonical import Json
from placement.commitment import PUPIL_LEAF_TYPE_V2, PublicLeaf, leaves_root
from placement.documents import (
    digest,
)
from placement.documents import receipt as receipt_document
from placement.errors import PlacementError
from placement.jws import parse
from placement.merkle import MerkleTree
from placement.roster import Sex, TwinWish
from placement.teams import Teacher, Team, TeamCommitment, commit_teams
from web.record.store import Blobs, FileBlobs


class RecordReading:
    """What every step of a record reads; ``DrawRecord`` adds the steps that write."""

    store: Blobs

    @property
    def dir(self) -> Path:
        """The folder of a file-based record."""
        if not isinstance(self.store, FileBlobs):
            raise RecordError("this record is kept in the database, not in a folder")
        return self.store.directory

    # -- state -------------------------------------------------------------
    def _bytes(self, name: str) -> bytes:
        data = self.store.get(name)
        if data is None:
            raise RecordError(f"记录缺少文件 {name} / the record has no {name}")
        return data

    def _read(self, name: str) -> Json:
        return json.loads(self._bytes(name))  # type: ignore[no-any-return]

    def has(self, name: str) -> bool:
        return self.store.get(name) is not None

    def state(self) -> dict[str, Json]:
        doc = self._read("draw.json")
        if not isinstance(doc, dict):
            raise RecordError("draw.json is damaged")
        return doc

    @property
    def draw_id(self) -> str:
        return str(self.state()["draw_id"])

    def _signed(self, name: str) -> dict[str, Json]:
        """A signed public document of this record, e.g. ``result.jws``."""
        return parse(self._bytes(f"public/{name}").decode()).document()

    def document(self, name: str) -> dict[str, Json] | None:
        """The payload of the signed public document ``name``, or None before it exists."""
        return self._signed(name) if self.has(f"public/{name}") else None

    def version(self) -> int:
        """The protocol version of this record (spec §19): its announcement's."""
        return from_json(self._signed("announcement.jws")).version

    def _announcement_digest(self) -> bytes:
        return digest(self._signed("announcement.jws"))

    def leaves(self) -> list[PublicLeaf]:
        raw = self._read("public/leaves.json")
        assert isinstance(raw, list)
        return [_leaf(x) for x in raw]

    def teams(self) -> TeamCommitment:
        raw = self._read("public/teams.json")
        assert isinstance(raw, list)
        return commit_teams([_team(x) for x in raw])

    # -- after the draw ----------------------------------------------------
    def _result_doc(self) -> dict[str, Json]:
        return self._signed("result.jws")

    def _amendment_count(self, state: dict[str, Json]) -> int:
        n = state.get("amendments", 0)
        return n if isinstance(n, int) else 0

    def amendments(self) -> list[dict[str, Json]]:
        """The approved amendments in order (seq 1, 2, …), as signed."""

        n = self._amendment_count(self.state())
        return [self._signed(f"amendments/{seq}.jws") for seq in range(1, n + 1)]

    def current_classes(self) -> dict[int, int]:
        """Leaf index → class number: the signed result with every amendment applied."""
        result = self._result_doc()
        classes = result["classes"]
        assert isinstance(classes, list)
        class_of: dict[int, int] = {}
        for c in classes:
            assert isinstance(c, dict)
            pupils = c["pupils"]
            assert isinstance(pupils, list)
            for i in pupils:
                class_of[int(str(i))] = int(str(c["number"]))
        for doc in self.amendments():
            changes = doc["changes"]
            assert isinstance(changes, list)
            for ch in changes:
                assert isinstance(ch, dict)
                class_of[int(str(ch["pupil"]))] = int(str(ch["to"]))
        return class_of

    def receipt(self, id_number: str) -> dict[str, Json]:
        """A pupil's private receipt: their salted leaf and its inclusion proof (spec §17)."""
        private = self._read("private/leaves.json")
        assert isinstance(private, list)
        index = next(
            (
                i
                for i, p in enumerate(private)
                if isinstance(p, dict) and p.get("id_number") == id_number
            ),
            None,
        )
        if index is None:
            raise RecordError("名单中没有该身份证号 / no pupil with that ID number in this roster")
        leaves = self.leaves()
        hashes, root = leaves_root(leaves)
        placed: Json = None
        if self.has("public/result.jws"):
            for c in self.classes():
                pupils = c["pupils"]
                if isinstance(pupils, list) and index in pupils:
                    placed = {"label": c["label"], "number": c["number"]}
        v2 = self.version() == 2  # v2 receipts name their signed documents (§21.5)
        return receipt_document(
            draw_id=self.draw_id,
            index=index,
            leaf=leaves[index],
            private=private[index],
            proof=MerkleTree.from_leaf_hashes(hashes).inclusion_proof(index),
            root=root,
            size=len(leaves),
            placed=placed,
            announcement_digest=self._announcement_digest() if v2 else None,
            result_digest=digest(self._result_doc()) if v2 and placed is not None else None,
        )

    def classes(self) -> list[dict[str, Json]]:
        classes = self._result_doc()["classes"]
        assert isinstance(classes, list)
        return [c for c in classes if isinstance(c, dict)]


class RecordError(PlacementError):
    """A step is not allowed in the draw's current stage, or the record is damaged."""


def _leaf(raw: Json) -> PublicLeaf:
    if not isinstance(raw, dict):
        raise RecordError("a leaf is a JSON object")
    if raw.get("t") == PUPIL_LEAF_TYPE_V2:
        return PublicLeaf(
            name="",
            sex=Sex(str(raw["sex"])),
            stratum=str(raw["stratum"]),
            twin=str(raw["twin"]),
            twin_wish=TwinWish(str(raw["twin_wish"])),
            private=bytes.fromhex(str(raw["private"])),
            same_name=str(raw["same_name"]),
            version=2,
        )
    return PublicLeaf(
        name=str(raw["name"]),
        sex=Sex(str(raw["sex"])),
        stratum=str(raw["stratum"]),
        twin=str(raw["twin"]),
        twin_wish=TwinWish(str(raw["twin_wish"])),
        private=bytes.fromhex(str(raw["private"])),
    )


def _team(raw: Json) -> Team:

    if not isinstance(raw, dict) or not isinstance(raw["teachers"], list):
        raise RecordError("a team is a JSON object")
    return Team(
        number=int(str(raw["number"])),
        label=str(raw["label"]),
        head_teacher=str(raw["head_teacher"]),
        teachers=tuple(
            Teacher(subject=str(t["subject"]), name=str(t["name"]))
            for t in raw["teachers"]
            if isinstance(t, dict)
        ),
    )
