"""Where a draw's record lives: a folder (command line) or the database (service).

``DrawRecord`` only needs named blobs and a transparency log. The folder version
writes each blob atomically; the database version writes them in the step's
transaction, so a step is committed whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from keys.signer import Signer
from keys.store import write_atomic
from placement.canonical import Json


class Blobs(Protocol):
    """Named byte strings of one draw: ``draw.json``, ``public/…``, ``private/…``, ``secret/…``."""

    def get(self, name: str) -> bytes | None: ...

    def put(self, name: str, data: bytes, *, private: bool = False) -> None: ...

    def names(self, prefix: str) -> list[str]:
        """Names under ``prefix`` (which ends in ``/``), sorted."""
        ...


class Log(Protocol):
    """The transparency log (spec §16) as the record uses it."""

    def entries(self) -> list[dict[str, Json]]: ...

    def append(self, entry: Mapping[str, Json]) -> int: ...

    def checkpoint(self, signer: Signer) -> str: ...

    def checkpoints(self) -> dict[int, str]: ...

    def inclusion(self, index: int, checkpoint_text: str) -> str: ...

    def consistency(self, old_size: int, new_size: int) -> str: ...


class FileBlobs:
    """A draw folder. Private and secret blobs are 0600 in 0700 folders."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, name: str) -> bytes | None:
        try:
            return (self.directory / name).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, name: str, data: bytes, *, private: bool = False) -> None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o755)
        write_atomic(path, data, mode=0o600 if private else 0o644)

    def names(self, prefix: str) -> list[str]:
        folder = self.directory / prefix
        if not folder.is_dir():
            return []
        return sorted(f"{prefix}{p.name}" for p in folder.iterdir() if p.is_file())
