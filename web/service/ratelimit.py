"""Rate limits that every worker shares, counted by the well-kept ``limits`` library
(fixed windows), in a store all workers see:

* **Redis** when ``RATELIMIT_STORAGE_URL`` names one (``redis://host:6379/0``): several
  workers on several machines count together.
* **A SQLite file** in the instance folder otherwise (``ratelimit.sqlite``): every worker on
  the machine (gunicorn's processes, their threads) counts in the same table. Before, each
  worker kept its own counts, so two workers let twice the limit through.

nginx ``limit_req`` stays the outer layer (docs/deploy.md); this is the one that knows
user names and witness codes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

SQLITE_SCHEME = "placement+sqlite"


class SqliteStorage(Storage):
    """A ``limits`` storage in one SQLite file, for the workers of one machine.

    ``placement+sqlite:///path/to/ratelimit.sqlite``. Each increment is one ``BEGIN
    IMMEDIATE`` transaction, so two processes never both read the same count. The counts
    are not precious (a crash forgets at most a window), hence ``synchronous=OFF``.
    """

    STORAGE_SCHEME = [SQLITE_SCHEME]  # noqa: RUF012 - the name limits' registry reads

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:  # noqa: ANN401, FBT001, FBT002 - limits' signature
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(uri.split("://", 1)[1])
        self._local = threading.local()  # connected on first use: a command may never count

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:  # one connection per thread; sqlite3 objects stay in their thread
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(
                "CREATE TABLE IF NOT EXISTS hits"
                " (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
            )
            self._local.db = db
        return db

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        db = self._db()
        now = time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT count, expires FROM hits WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:
                count, expires = amount, now + expiry
            else:
                count, expires = row[0] + amount, row[1]
            db.execute("INSERT OR REPLACE INTO hits VALUES (?, ?, ?)", (key, count, expires))
            if count == amount:  # a new window: forget the windows that ended
                db.execute("DELETE FROM hits WHERE expires <= ?", (now,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return int(count)

    def _row(self, key: str) -> tuple[int, float] | None:
        row = self._db().execute("SELECT count, expires FROM hits WHERE key = ?", (key,))
        found = row.fetchone()
        return None if found is None or found[1] <= time.time() else (found[0], found[1])

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else row[0]

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return time.time() if row is None else row[1]

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM hits WHERE key = ?", (key,))


def storage_url(configured: str, instance: Path) -> str:
    """Redis (or any ``limits`` storage) when configured, else the instance's SQLite file."""
    return configured or f"{SQLITE_SCHEME}:///{instance / 'ratelimit.sqlite'}"


class RateLimiter:
    """``limit`` requests per ``window_seconds`` for each key, counted in ``storage``."""

    def __init__(self, limit: int, window_seconds: int, storage: str, name: str) -> None:
        self.limit = limit
        self.window = window_seconds
        self._item = RateLimitItemPerSecond(limit, window_seconds, namespace="placement")
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage))
        self._name = name

    def hit(self, key: str) -> bool:
        """Count one request; False once ``key`` has used up its window."""
        return self._limiter.hit(self._item, self._name, key)

    def retry_after(self, key: str) -> int:
        """Seconds until ``key``'s window ends."""
        reset = self._limiter.get_window_stats(self._item, self._name, key).reset_time
        return max(1, int(reset - time.time() + 0.999))
