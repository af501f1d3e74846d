"""An instance's configuration, read in one place for the app factory and the command line.

Each setting is resolved in this order: a command-line flag or ``create_app``'s argument,
the ``PLACEMENT_<NAME>`` environment variable, the instance's ``config.json`` (written by
``placement init``), then the defaults below, rooted in the instance folder. Nothing is
read at import time, and nothing here imports more than the standard library, so
``placement --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from web.service.errors import ServiceError
from web.sheets.options import DEFAULT_BASE_URL

DEFAULT_INSTANCE: Final = "instance"
CONFIG_FILE: Final = "config.json"
SECRET_KEY_FILE: Final = "secret_key"  # noqa: S105 - a file name, not a secret
# Settings an instance's config.json may hold (the same names as create_app's config).
CONFIG_KEYS: Final = (
    "DATABASE_URL",
    "KEYS_DIR",
    "BUREAU_KEY",
    "LOG_KEY",
    "PUBLIC_BASE_URL",
    "RATELIMIT_STORAGE_URL",
    "DEMO",  # "1" in the demo district's instance: its sheets may carry the placeholder
)
# Sign-in attempts (failed or not, per client and per user name) and pupil lookups (per
# client), each per minute.
LOGIN_LIMIT: Final = 10
LOOKUP_LIMIT: Final = 20
# The demo's verify page: printed on demo sheets only. Paper lives for years, so a real
# instance must name where its verify page is served (PUBLIC_BASE_URL).
PLACEHOLDER_BASE_URL: Final = DEFAULT_BASE_URL


def defaults(instance: Path) -> dict[str, Any]:
    """Every setting the app and the commands use, before the environment and config.json."""
    return {
        "DATABASE_URL": f"sqlite:///{instance / 'placement.db'}",
        "KEYS_DIR": str(instance / "keys"),
        "BUREAU_KEY": "bureau",
        "LOG_KEY": "log",
        "PUBLIC_BASE_URL": "",  # where the verify page is served, for sheet QR codes
        "DEMO": "",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "LOGIN_LIMIT": LOGIN_LIMIT,
        "LOOKUP_LIMIT": LOOKUP_LIMIT,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; ceremonies run long
        # The token (tied to the session) and SameSite=Lax cookies guard every form; the
        # Referer check Flask-WTF adds over HTTPS would refuse every post, since pages
        # send Referrer-Policy: no-referrer (ID numbers typed in forms stay on the page).
        "WTF_CSRF_SSL_STRICT": False,
        "MIGRATE": True,
        "RATELIMIT_STORAGE_URL": "",  # redis://… for several machines; else the instance's file
    }


def instance_path(instance: str | os.PathLike[str] | None = None) -> Path:
    """The instance folder: the argument, else ``$PLACEMENT_INSTANCE_PATH``, else ./instance."""
    raw = instance or os.environ.get("PLACEMENT_INSTANCE_PATH") or DEFAULT_INSTANCE
    return Path(raw).resolve()


# -- the instance ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance folder and the settings resolved for it."""

    path: Path
    database_url: str
    keys_dir: Path
    bureau_key: str
    log_key: str
    public_base_url: str = ""
    ratelimit_storage_url: str = ""  # redis://… shared by several machines; else a file here

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def sqlite_file(self) -> Path | None:
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        return Path(self.database_url.removeprefix(prefix))

    def app_config(self) -> dict[str, Any]:
        """The settings as ``create_app`` takes them."""
        return {
            "INSTANCE_PATH": str(self.path),
            "DATABASE_URL": self.database_url,
            "KEYS_DIR": str(self.keys_dir),
            "BUREAU_KEY": self.bureau_key,
            "LOG_KEY": self.log_key,
            "PUBLIC_BASE_URL": self.public_base_url,
            "RATELIMIT_STORAGE_URL": self.ratelimit_storage_url,
        }


def read_config(path: Path) -> dict[str, str]:
    """The settings in an instance's config.json (none when it has none)."""
    file = path / CONFIG_FILE
    if not file.exists():
        return {}
    try:
        raw = json.loads(file.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise ServiceError(f"无法读取配置文件 {file}：{e}", f"cannot read {file}: {e}") from e
    if not isinstance(raw, dict):
        raise ServiceError(f"配置文件 {file} 格式有误", f"{file} is not a JSON object")
    return {k: str(v) for k, v in raw.items() if k in CONFIG_KEYS}


def write_config(path: Path, values: Mapping[str, str]) -> None:
    from keys.store import write_atomic  # noqa: PLC0415 - cryptography; not for --help

    data = json.dumps(dict(values), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(path / CONFIG_FILE, data.encode(), mode=0o600)


def resolve(instance: str | None, database_url: str | None = None) -> Instance:
    """Flags, then ``PLACEMENT_*`` variables, then config.json, then the defaults."""
    path = instance_path(instance)
    file = read_config(path)
    default = defaults(path)

    def pick(key: str, flag: str | None = None) -> str:
        return flag or os.environ.get(f"PLACEMENT_{key}") or file.get(key) or default[key]

    return Instance(
        path=path,
        database_url=pick("DATABASE_URL", database_url),
        keys_dir=Path(pick("KEYS_DIR")),
        bureau_key=pick("BUREAU_KEY"),
        log_key=pick("LOG_KEY"),
        public_base_url=pick("PUBLIC_BASE_URL"),
        ratelimit_storage_url=pick("RATELIMIT_STORAGE_URL"),
    )


def app_settings(config: Mapping[str, Any] | None) -> tuple[Path, dict[str, Any]]:
    """The instance folder and every setting of ``create_app(config)``: the defaults, then
    config.json, then ``PLACEMENT_*`` variables (as Flask's ``from_prefixed_env`` reads
    them, JSON values parsed), then ``config``."""
    given = dict(config or {})
    path = instance_path(given.get("INSTANCE_PATH"))
    settings = defaults(path)
    settings.update(read_config(path))
    for name, raw in sorted(os.environ.items()):
        if not name.startswith("PLACEMENT_"):
            continue
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        settings[name.removeprefix("PLACEMENT_")] = value
    settings.update(given)
    return path, settings


def secret_key(instance: Path) -> str:
    """The session secret: made once in the instance folder (owner only), then read."""
    file = instance / SECRET_KEY_FILE
    if not file.exists():
        new_secret_key(instance)
    return file.read_text().strip()


def new_secret_key(instance: Path) -> bool:
    """Make the session secret file when there is none; whether one was made."""
    from keys.store import write_atomic  # noqa: PLC0415 - cryptography; not for --help

    file = instance / SECRET_KEY_FILE
    if file.exists():
        return False
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(file, secrets.token_hex(32).encode(), mode=0o600)
    return True


def check_public_base_url(url: str) -> str:
    """A public base URL ``placement init`` can record: http(s), a host, not the placeholder."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ServiceError(
            f"公开网址应为 https://主机名/… 形式：{url}",
            f"the public base URL must look like https://host/…: {url}",
        )
    if _placeholder(url):
        raise ServiceError(
            f"{url} 是示例网址：请给出本区核验页实际所在的网址",
            f"{url} is the placeholder: give the address where your verify page is served",
        )
    return url.strip()


def _placeholder(url: str) -> bool:
    return urlsplit(url.strip()).hostname == urlsplit(PLACEHOLDER_BASE_URL).hostname


def verify_page(public_base_url: str) -> str:
    """The verify page printed in QR codes for an instance served at ``public_base_url``."""
    return public_base_url.rstrip("/") + "/verify/" if public_base_url else ""


def printable_base_url(public_base_url: str, *, demo: bool = False) -> str:
    """The verify page to print, refusing the placeholder outside the demo (paper is kept
    for years: a QR code pointing nowhere cannot be fixed afterwards)."""
    url = verify_page(public_base_url)
    if demo:
        return url or PLACEHOLDER_BASE_URL
    if not url or _placeholder(url):
        raise ServiceError(
            "未设置公开网址（PLACEMENT_PUBLIC_BASE_URL，或 placement init --public-base-url）："
            f"不能用示例网址 {PLACEHOLDER_BASE_URL} 打印长期保存的纸面文件",
            "no public base URL is set (PLACEMENT_PUBLIC_BASE_URL, or placement init "
            f"--public-base-url): sheets kept for years cannot carry the placeholder "
            f"{PLACEHOLDER_BASE_URL}",
        )
    return url
