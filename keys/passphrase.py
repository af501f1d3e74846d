"""Where a passphrase comes from: an environment variable, or a prompt on the terminal.

Never from the command line (other users see it in ``ps``) and never logged.
Passphrases are normalised to Unicode NFC, so that one typed on another input
method still opens the key.
"""

from __future__ import annotations

import getpass
import os
import sys
import unicodedata
from collections.abc import Callable, Mapping

from keys.errors import PassphraseError

ENV_VAR = "PLACEMENT_KEY_PASSPHRASE"
MIN_LENGTH = 12


def check_new(passphrase: str) -> str:
    """Refuse a passphrase too weak to protect a new key."""
    if len(passphrase) < MIN_LENGTH:
        raise PassphraseError(
            f"新口令至少需要 {MIN_LENGTH} 个字符",
            f"a new passphrase needs at least {MIN_LENGTH} characters",
        )
    return passphrase


def read_passphrase(
    *,
    creating: bool,
    env_var: str = ENV_VAR,
    environ: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] | None = None,
) -> str:
    """The passphrase from ``env_var`` if set, else asked on the terminal (twice if creating).

    ``environ`` and ``prompt`` default to ``os.environ`` and ``getpass.getpass``;
    without a terminal and without the variable, this fails rather than read stdin.
    """
    env = os.environ if environ is None else environ
    if env_var in env:
        value = unicodedata.normalize("NFC", env[env_var])
        if not value:
            raise PassphraseError(f"环境变量 {env_var} 为空", f"{env_var} is set but empty")
        return check_new(value) if creating else value
    if prompt is None:
        if not sys.stdin.isatty():
            raise PassphraseError(
                f"没有终端可输入口令：请设置环境变量 {env_var}",
                f"no terminal to ask for the passphrase: set {env_var}",
            )
        prompt = getpass.getpass
    first = unicodedata.normalize("NFC", prompt("密钥口令 key passphrase: "))
    if not first:
        raise PassphraseError("口令为空", "the passphrase is empty")
    if not creating:
        return first
    check_new(first)
    again = unicodedata.normalize("NFC", prompt("再输入一次 again: "))
    if again != first:
        raise PassphraseError("两次输入的口令不一致", "the two passphrases differ")
    return first
