"""A folder of encrypted private keys and the public keyring beside them (spec §13).

Layout of ``directory`` (mode 0700)::

    keyring.json                      the public keyring, JCS bytes (placement.keyring)
    <name, %-escaped>.<key id>.pem    one encrypted PKCS#8 Ed25519 key each, mode 0600
    .lock                             serialises changes to the keyring

Every file is written whole or not at all: a temporary file in the same folder,
created 0600 (never readable by others, not even for a moment), fsynced, then
renamed over the old one. Keys are never deleted: rotation retires, revocation
marks, and both stay in the keyring.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

from keys import _pkcs8
from keys.errors import (
    KeyExistsError,
    KeyFileError,
    KeyNotFoundError,
    KeyPermissionError,
    KeysError,
    WrongPassphraseError,
)
from keys.passphrase import check_new
from keys.signer import Signer
from placement.canonical import canonical_json, nfc
from placement.errors import PlacementError
from placement.keyring import (
    KeyEntry,
    Keyring,
    KeyRole,
    check_name,
    keyring_from_json,
    parse_vkey,
    vkey,
)

# PBKDF2-HMAC-SHA256 iterations (OWASP asks for at least 600,000). Loading a key on the
# development machine (AMD EPYC, 2 cores) took 0.15-0.18 s idle and 0.24 s median under
# a load average of 3; 1,000,000 took 0.11-0.15 s, 2,000,000 0.20 s idle, 0.28 s loaded.
KDF_ROUNDS = 1_500_000
KEYRING_FILE = "keyring.json"
_LOCK_FILE = ".lock"
_PRIVATE = 0o600


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = _PRIVATE) -> None:
    """Replace ``path`` by ``data`` all at once; the file never exists with wider ``mode``."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, mode & _PRIVATE)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _os_error(e: OSError, path: Path) -> KeysError:
    if isinstance(e, FileNotFoundError):
        return KeyNotFoundError(f"找不到文件 {path}", f"no such file: {path}")
    if isinstance(e, PermissionError):
        return KeyPermissionError(f"无权访问 {path}", f"permission denied: {path}")
    return KeyFileError(f"无法读写 {path}：{e.strerror}", f"cannot read or write {path}: {e}")


class KeyStore:
    """Private keys of one installation, and its public keyring."""

    def __init__(self, directory: Path, *, kdf_rounds: int = KDF_ROUNDS) -> None:
        self.directory = Path(directory)
        self.kdf_rounds = kdf_rounds

    # -- files -------------------------------------------------------------------------

    @property
    def keyring_path(self) -> Path:
        return self.directory / KEYRING_FILE

    def key_path(self, entry: KeyEntry) -> Path:
        """Where the private key of ``entry`` is kept (names may hold ``/``: escaped)."""
        return self.directory / f"{quote(entry.name, safe='')}.{entry.key_id.hex()}.pem"

    def has_private(self, entry: KeyEntry) -> bool:
        return self.key_path(entry).is_file()

    def _check_directory(self) -> None:
        try:
            st = self.directory.stat()
        except OSError as e:
            raise _os_error(e, self.directory) from e
        if not self.keyring_path.exists():
            raise KeyNotFoundError(
                f"{self.directory} 不是密钥目录：请先运行 placement keys init",
                f"{self.directory} holds no keyring: run `placement keys init` first",
            )
        if os.name == "posix" and st.st_mode & 0o077:
            raise _open_folder(self.directory)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Keyring]:
        self._check_directory()
        fd = os.open(self.directory / _LOCK_FILE, os.O_RDWR | os.O_CREAT, _PRIVATE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield self.keyring()
        finally:
            os.close(fd)

    def _save(self, keyring: Keyring) -> None:
        try:
            write_atomic(self.keyring_path, canonical_json(keyring.to_json()), mode=0o644)
        except OSError as e:
            raise _os_error(e, self.keyring_path) from e

    # -- operations --------------------------------------------------------------------

    def init(self) -> bool:
        """Create the folder (0700) and an empty keyring; ``False`` if it already was one."""
        try:
            if not self.directory.exists():
                self.directory.mkdir(parents=True, mode=0o700)
            mode = self.directory.stat().st_mode
        except OSError as e:
            raise _os_error(e, self.directory) from e
        if os.name == "posix" and mode & 0o077:
            raise _open_folder(self.directory)
        if self.keyring_path.exists():
            self.keyring()  # an existing keyring must still be readable
            return False
        self._save(Keyring())
        return True

    def keyring(self) -> Keyring:
        """The public keyring, checked field by field."""
        try:
            raw = self.keyring_path.read_bytes()
        except FileNotFoundError:
            raise KeyNotFoundError(
                f"{self.directory} 中没有 keyring.json：请先运行 placement keys init",
                f"no keyring.json in {self.directory}: run `placement keys init` first",
            ) from None
        except OSError as e:
            raise _os_error(e, self.keyring_path) from e
        try:
            return keyring_from_json(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError, PlacementError) as e:
            raise KeyFileError(
                f"公钥环 {self.keyring_path} 已损坏", f"the keyring {self.keyring_path} is damaged"
            ) from e

    def find(self, name_or_kid: str) -> KeyEntry:
        """The keyring entry with this name, or this ``name+keyid``."""
        ring = self.keyring()
        entry = ring.by_kid(name_or_kid) or next(
            (k for k in ring.keys if k.name == name_or_kid), None
        )
        if entry is None:
            raise KeyNotFoundError(f"没有名为 {name_or_kid} 的密钥", f"no key named {name_or_kid}")
        return entry

    def _write_new_key(
        self, name: str, role: KeyRole, label: str, valid_from: date, passphrase: str
    ) -> KeyEntry:
        check_new(passphrase)
        try:
            check_name(name)
        except PlacementError as e:
            raise KeysError(
                f"密钥名 {name!r} 须为不含空格和“+”的 ASCII 文字", f"bad key name: {e}"
            ) from e
        if not label.strip():
            raise KeysError("密钥须注明持有者（label）", "a key needs a label naming its holder")
        key = Ed25519PrivateKey.generate()
        entry = KeyEntry(vkey(name, _raw_public(key)), role, nfc(label), valid_from)
        pem = _pkcs8.encrypt(key, _encode(passphrase), rounds=self.kdf_rounds)
        path = self.key_path(entry)
        try:
            write_atomic(path, pem)
        except OSError as e:
            raise _os_error(e, path) from e
        return entry

    def create(
        self, name: str, role: KeyRole, label: str, valid_from: date, passphrase: str
    ) -> KeyEntry:
        """A new key pair: the private half encrypted here, the public half in the keyring."""
        with self._locked() as ring:
            _refuse_duplicate(ring, name)
            entry = self._write_new_key(name, role, label, valid_from, passphrase)
            self._save(ring.with_key(entry))
        return entry

    def add_public(self, vkey: str, role: KeyRole, label: str, valid_from: date) -> KeyEntry:
        """Add someone else's public key (e.g. a supervisor's) to the keyring: no private key.

        The holder keeps the private key on their own machine and sends its vkey line
        (``placement keys export-vkey``). Refuses a malformed vkey, and a key whose vkey,
        name or public key is already in the keyring.
        """
        text = vkey.strip()
        try:
            name, _, public = parse_vkey(text)
        except PlacementError as e:
            shown = repr(text if len(text) <= 120 else text[:120] + "…")
            raise KeysError(
                f"公钥 {shown} 格式无效：应为一行“名称+密钥号+公钥”，"
                "即 placement keys export-vkey 所输出的",
                f"{shown} is not a valid verifier key: it is one line name+keyid+key, "
                "as `placement keys export-vkey` prints it",
            ) from e
        if not label.strip():
            raise KeysError("密钥须注明持有者（label）", "a key needs a label naming its holder")
        entry = KeyEntry(text, role, nfc(label.strip()), valid_from)
        with self._locked() as ring:
            same = next((k for k in ring.keys if k.vkey == text or k.public_key == public), None)
            if same is not None:
                raise KeyExistsError(
                    f"该公钥已在公钥环中（密钥 {same.name}）",
                    f"that public key is already in the keyring (key {same.name})",
                )
            _refuse_duplicate(ring, name)
            self._save(ring.with_key(entry))
        return entry

    def signer(self, name_or_kid: str, passphrase: str, *, on: date | None = None) -> Signer:
        """Decrypt a key. Refuses a revoked key, and one not acceptable ``on`` a given day."""
        entry = self.find(name_or_kid)
        if entry.revoked is not None:
            raise KeysError(
                f"密钥 {entry.name} 已于 {entry.revoked.day} 吊销，不得再签名",
                f"key {entry.name} was revoked on {entry.revoked.day} and must not sign",
            )
        if on is not None and not entry.acceptable_on(on):
            raise KeysError(
                f"密钥 {entry.name} 在 {on} 不可用"
                f"（启用 {entry.valid_from}，停用 {entry.retired}）",
                f"key {entry.name} is not valid on {on} "
                f"(valid from {entry.valid_from}, retired {entry.retired})",
            )
        return Signer(entry.name, entry.role, self._load(entry, passphrase))

    def _load(self, entry: KeyEntry, passphrase: str) -> Ed25519PrivateKey:
        path = self.key_path(entry)
        try:
            st = path.stat()
            if os.name == "posix" and st.st_mode & 0o077:
                raise KeyPermissionError(
                    f"私钥文件 {path} 他人可读：请执行 chmod 600",
                    f"the private key file {path} is readable by others: chmod 600 it",
                )
            pem = path.read_bytes()
        except FileNotFoundError:
            raise KeyNotFoundError(
                f"本机没有密钥 {entry.name} 的私钥（文件 {path.name}），无法用它签名；"
                "导入的公钥只能用于核验",
                f"no private key here: the private key of {entry.name} ({path.name}) "
                "is not in this folder, so it cannot sign (an imported public key only verifies)",
            ) from None
        except OSError as e:
            raise _os_error(e, path) from e
        damaged = KeyFileError(f"私钥文件 {path} 已损坏", f"the private key file {path} is damaged")
        try:
            _pkcs8.read_envelope(pem)
        except _pkcs8.MalformedError as e:
            raise damaged from e
        try:
            key = load_pem_private_key(pem, _encode(passphrase))
        except ValueError:
            # The envelope is sound, so only the decryption failed: CBC has no MAC, so a
            # flipped ciphertext byte reads the same as a wrong passphrase.
            raise WrongPassphraseError(
                f"口令错误，无法解开密钥 {entry.name}",
                f"wrong passphrase for key {entry.name}",
            ) from None
        except TypeError as e:
            raise damaged from e
        if not isinstance(key, Ed25519PrivateKey) or _raw_public(key) != entry.public_key:
            raise KeyFileError(
                f"私钥文件 {path} 与公钥环不符",
                f"the private key file {path} does not match the keyring",
            )
        return key

    def rotate(self, old_name: str, new_name: str, day: date, passphrase: str) -> KeyEntry:
        """A new key of the same role and label, valid from ``day``; the old one retired on ``day``.

        The old key must open with ``passphrase`` (proof the operator holds it); the new
        key is encrypted with the same passphrase.
        """
        old = self.find(old_name)
        self._refuse_retired(old)
        if day < old.valid_from:
            raise KeysError(
                f"停用日 {day} 早于启用日 {old.valid_from}",
                f"retirement day {day} is before the key's valid_from {old.valid_from}",
            )
        self._load(old, passphrase)
        with self._locked() as ring:
            current = next((k for k in ring.keys if k.vkey == old.vkey), None)
            if current is None:
                raise KeyNotFoundError(f"没有密钥 {old.name}", f"no key named {old.name}")
            self._refuse_retired(current)
            _refuse_duplicate(ring, new_name)
            entry = self._write_new_key(new_name, old.role, old.label, day, passphrase)
            self._save(ring.with_key(entry).retire(old.vkey, day))
        return entry

    @staticmethod
    def _refuse_retired(entry: KeyEntry) -> None:
        if entry.retired is not None:
            raise KeysError(
                f"密钥 {entry.name} 已于 {entry.retired} 停用",
                f"key {entry.name} was already retired on {entry.retired}",
            )

    def revoke(self, name: str, day: date, reason: str) -> KeyEntry:
        """Mark a key revoked from ``day`` on (signatures made that day or later fail)."""
        if not reason.strip():
            raise KeysError("吊销须说明理由", "a revocation needs a reason")
        with self._locked() as ring:
            entry = next((k for k in ring.keys if name in {k.name, k.kid}), None)
            if entry is None:
                raise KeyNotFoundError(f"没有名为 {name} 的密钥", f"no key named {name}")
            if entry.revoked is not None:
                raise KeysError(
                    f"密钥 {entry.name} 已于 {entry.revoked.day} 吊销",
                    f"key {entry.name} was already revoked on {entry.revoked.day}",
                )
            changed = ring.revoke(entry.vkey, day, nfc(reason.strip()))
            self._save(changed)
        return next(k for k in changed.keys if k.vkey == entry.vkey)

    def export_public(self, path: Path) -> None:
        """Write the public keyring (JCS bytes) to ``path``, readable by all."""
        data = canonical_json(self.keyring().to_json())
        try:
            write_atomic(Path(path), data, mode=0o644)
        except OSError as e:
            raise _os_error(e, Path(path)) from e


def _open_folder(directory: Path) -> KeyPermissionError:
    return KeyPermissionError(
        f"密钥目录 {directory} 他人可访问：请执行 chmod 700",
        f"the key folder {directory} is open to others: chmod 700 it",
    )


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _encode(passphrase: str) -> bytes:
    return nfc(passphrase).encode("utf-8")


def _refuse_duplicate(ring: Keyring, name: str) -> None:
    if any(k.name == name for k in ring.keys):
        raise KeyExistsError(f"已有名为 {name} 的密钥", f"a key named {name} already exists")
