"""One exception base for key management; every message is in Chinese and English.

Each carries ``zh`` and ``en`` (:class:`placement.errors.PlacementError`); the command
line prints them without a traceback. Nothing here ever carries a passphrase or key material.
"""

from __future__ import annotations

from placement.errors import PlacementError


class KeysError(PlacementError):
    """Base of every error ``keys/`` raises."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en)


class WrongPassphraseError(KeysError):
    """The passphrase does not decrypt the key (or the encrypted bytes were altered)."""


class KeyNotFoundError(KeysError):
    """No key of that name or key id, or its private key file is missing."""


class KeyExistsError(KeysError):
    """A key of that name is already in the keyring."""


class KeyFileError(KeysError):
    """A key file or the keyring cannot be read, or is damaged or not ours."""


class KeyPermissionError(KeysError):
    """A private key file or its folder is readable by others, or cannot be accessed."""


class PassphraseError(KeysError):
    """No passphrase is available, or a new one is refused (empty, too short, mistyped)."""
