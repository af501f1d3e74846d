"""A small fixed-window rate limiter kept in the process (per worker).

Enough for a login form and the lookup endpoint on one machine; a deployment with
several machines puts the limit in front (nginx ``limit_req``), see docs/deploy.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    def hit(self, key: str) -> bool:
        """Count one request; False once ``key`` has used up this window."""
        window = int(self._clock() // self.window)
        with self._lock:
            if len(self._counts) > 100_000:  # forget old windows rather than grow forever
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            start, count = self._counts.get(key, (window, 0))
            if start != window:
                count = 0
            count += 1
            self._counts[key] = (window, count)
            return count <= self.limit

    def retry_after(self) -> int:
        now = self._clock()
        return max(1, int(self.window - now % self.window))
