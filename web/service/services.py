"""What the app holds for its requests: the engine, the step environment, the key
store and the rate limiters. Built once by ``create_app``; keys are decrypted on
first use and kept in memory only."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from keys.store import KeyStore
from placement.keyring import Keyring
from web.record import clock
from web.record.draw import Signers
from web.service.errors import ServiceError
from web.service.intakes import Env
from web.service.ratelimit import RateLimiter


def _now() -> datetime:
    return clock.now()


@dataclass
class Services:
    engine: Engine
    keys_dir: Path
    bureau_key: str
    log_key: str
    passphrase: Callable[[], str | None]
    login_limit: RateLimiter
    lookup_limit: RateLimiter
    now: Callable[[], datetime] = _now
    _signers: Signers | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def store(self) -> KeyStore:
        return KeyStore(self.keys_dir)

    def signers(self) -> Signers:
        with self._lock:
            if self._signers is None:
                passphrase = self.passphrase()
                if not passphrase:
                    raise ServiceError(
                        "服务未配置签名密钥口令（PLACEMENT_KEY_PASSPHRASE）",
                        "the signing key passphrase is not configured (PLACEMENT_KEY_PASSPHRASE)",
                    )
                store = self.store
                self._signers = Signers(
                    bureau=store.signer(self.bureau_key, passphrase),
                    log=store.signer(self.log_key, passphrase),
                )
            return self._signers

    def with_supervisor(self, key: str, passphrase: str) -> Signers:
        """The service's signers plus a supervisor's key, to cosign one result."""
        base = self.signers()
        sup = self.store.signer(key, passphrase)
        return Signers(bureau=base.bureau, log=base.log, supervisor=sup)

    def keyring(self) -> Keyring:
        return self.store.keyring()

    @property
    def env(self) -> Env:
        return Env(
            engine=self.engine,
            signers=self.signers,
            keyring=self.keyring,
            now=self.now,
            token_bytes=secrets.token_bytes,
        )


def make_limiter(limit: int, window: int, storage: str, name: str) -> RateLimiter:
    return RateLimiter(limit, window, storage, name)
