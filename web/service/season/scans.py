"""Optional scans of the proof documents (户口本, 房本 …): stored privately, never public.

Only images (PNG, JPEG) and PDF are taken, recognised by their first bytes (not by the
name or the browser's claim), at most 5 MiB each. Files go to ``<instance>/season-scans``
(0700) with mode 0600, named by the application number and a digest of the content, and
are written exclusively (an existing file is never replaced).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Final

from web.service.errors import ServiceError

MAX_SCAN: Final = 5 * 1024 * 1024
MAGIC: Final = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"%PDF-", "pdf"))
_NUMBER = re.compile(r"\d{4}-\d{6}", re.ASCII)
FOLDER = "season-scans"


def kind_of(data: bytes) -> str | None:
    return next((ext for magic, ext in MAGIC if data.startswith(magic)), None)


def store_scan(instance: Path, *, number: str, data: bytes) -> Path:
    """Keep one scan of an application's proof; refuse anything but PNG, JPEG or PDF."""
    if not _NUMBER.fullmatch(number):
        raise ServiceError("报名号格式错误", "malformed application number")
    if len(data) > MAX_SCAN:
        raise ServiceError(f"扫描件超过 {MAX_SCAN // 2**20} MB", "the scan is larger than 5 MiB")
    ext = kind_of(data)
    if ext is None:
        raise ServiceError("只接受 PNG、JPEG 图片或 PDF", "only PNG or JPEG images and PDF")
    folder = instance / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / f"{number}-{hashlib.sha256(data).hexdigest()[:16]}.{ext}"
    if path.exists():
        return path  # the same content again
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return path


def scans_of(instance: Path, number: str) -> list[Path]:
    if not _NUMBER.fullmatch(number):
        return []
    return sorted((instance / FOLDER).glob(f"{number}-*"))
