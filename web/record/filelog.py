"""A transparency log kept in a folder: one JSON entry per line, signed checkpoints.

Good for the command line and for a single office; the service keeps the same
entries in its database. Appends are serialised with a lock and fsynced, so an
entry is either whole on disk or absent.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from keys.signer import Signer
from keys.store import write_atomic
from placement.canonical import Json
from placement.merkle import MerkleTree
from placement.tlog import (
    checkpoint_body,
    checkpoint_of,
    entry_bytes,
    entry_from_json,
    entry_leaf_hash,
    format_hashes,
    format_proof,
    tiles,
)


class FileLog:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._entries = directory / "entries.jsonl"
        self._checkpoints = directory / "checkpoints"

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def entries(self) -> list[dict[str, Json]]:
        if not self._entries.exists():
            return []
        out = []
        with self._entries.open("rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break  # a torn last line from a crash is not part of the log
                out.append(entry_from_json(json.loads(line)))
        return out

    def append(self, entry: Mapping[str, Json]) -> int:
        """Append one entry; returns its index."""
        data = entry_bytes(entry) + b"\n"
        with self._lock():
            size = len(self.entries())
            self._truncate_torn()
            fd = os.open(self._entries, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            return size

    def _truncate_torn(self) -> None:
        if not self._entries.exists():
            return
        raw = self._entries.read_bytes()
        if raw and not raw.endswith(b"\n"):
            with self._entries.open("r+b") as f:
                f.truncate(raw.rfind(b"\n") + 1)

    def tree(self, size: int | None = None) -> MerkleTree:
        hashes = [entry_leaf_hash(e) for e in self.entries()]
        return MerkleTree.from_leaf_hashes(hashes if size is None else hashes[:size])

    def checkpoint(self, signer: Signer) -> str:
        """Sign the current tree head as a C2SP checkpoint and keep it."""
        with self._lock():
            tree = self.tree()
            note = signer.sign_note(checkpoint_body(signer.name, tree.size, tree.root))
            self._checkpoints.mkdir(exist_ok=True)
            write_atomic(self._checkpoints / str(tree.size), note.encode(), mode=0o644)
            return note

    def checkpoints(self) -> dict[int, str]:
        if not self._checkpoints.exists():
            return {}
        return {
            int(p.name): p.read_text("utf-8")
            for p in self._checkpoints.iterdir()
            if p.name.isdigit()
        }

    def inclusion(self, index: int, checkpoint_text: str) -> str:
        size = checkpoint_of(checkpoint_text).size
        path = self.tree(size).inclusion_proof(index)
        return format_proof(index, path, checkpoint_text)

    def consistency(self, old_size: int, new_size: int) -> str:
        return format_hashes(self.tree(new_size).consistency_proof(old_size))

    def tiles(self, checkpoint_text: str) -> dict[str, bytes]:
        size = checkpoint_of(checkpoint_text).size
        data = [entry_bytes(e) for e in self.entries()[:size]]
        earlier = [s for s in self.checkpoints() if s < size]
        return tiles(data, checkpoint_text, earlier_sizes=earlier)
