"""Key management: encrypted key files, the keyring beside them, signing, and the CLI.

Interoperability is checked against code nobody here wrote: joserfc (JWS, RFC 7515 /
8037), cryptography's PEM reader and OpenSSL (encrypted PKCS#8), and the signed-note
example of golang.org/x/mod/sumdb/note (C2SP signed notes).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pickle
import shutil
import stat
import subprocess
import warnings
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from joserfc import jws as jose
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, OKPKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

from keys import _pkcs8
from keys.errors import (
    KeyExistsError,
    KeyFileError,
    KeyNotFoundError,
    KeyPermissionError,
    KeysError,
    PassphraseError,
    WrongPassphraseError,
)
from keys.passphrase import ENV_VAR, MIN_LENGTH, read_passphrase
from keys.signer import Signer, sign_general
from keys.store import KDF_ROUNDS, KeyStore, write_atomic
from placement import jws
from placement.canonical import Json, canonical_json
from placement.keyring import KeyRole, keyring_from_json, parse_vkey, signing_day
from placement.note import NoteSignature, parse_note
from web.cli import main

PASS = "correct horse battery 正确"
DAY = date(2024, 8, 1)
IAT = int(datetime.fromisoformat("2024-08-14T09:31:05+08:00").timestamp())
DOC: dict[str, Json] = {
    "final_seed": "ab" * 32,
    "t": "sunshine-placement/v1/ceremony",
    "witnesses": [{"input": "3 1 4 1 5 9", "name": "家长代表 张三"}],
}
BUREAU = "taobei.edu.example/bureau-2024"

# golang.org/x/mod/sumdb/note documents this key and signed note (used as data only).
# Ed25519 is deterministic, so signing the same text with the same key must give the
# same bytes.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX"
    "gKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    s = KeyStore(tmp_path / "keys", kdf_rounds=1_000)  # fast; the default is tested on the CLI
    assert s.init()
    return s


def new_signer(name: str, role: KeyRole = KeyRole.BUREAU) -> Signer:
    return Signer(name, role, Ed25519PrivateKey.generate())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- encrypted key files -----------------------------------------------------------------


class TestPkcs8:
    def test_same_bytes_as_cryptography(self):
        """Given cryptography's own salt, IV and count, our PBES2 file is byte-identical."""
        key = Ed25519PrivateKey.generate()
        theirs = key.private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"passphrase")
        )
        env = _pkcs8.read_envelope(theirs)
        ours = _pkcs8.encrypt(key, b"passphrase", rounds=env.rounds, salt=env.salt, iv=env.iv)
        assert ours == theirs

    @pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
    def test_openssl_opens_it(self, tmp_path):
        """OpenSSL decrypts the file with the passphrase and finds the same Ed25519 key."""
        key = Ed25519PrivateKey.generate()
        pem = tmp_path / "k.pem"
        pem.write_bytes(_pkcs8.encrypt(key, PASS.encode(), rounds=10_000))
        out = subprocess.run(
            ["openssl", "pkey", "-in", str(pem), "-passin", "env:PW", "-pubout", "-outform", "DER"],
            env={**os.environ, "PW": PASS},
            capture_output=True,
            check=True,
        ).stdout
        assert out[-32:] == raw_public(key)

    @pytest.mark.parametrize(
        "damage",
        [
            lambda b: b.replace(b"ENCRYPTED ", b""),
            lambda b: b[:-40] + b"\n-----END ENCRYPTED PRIVATE KEY-----\n",
            lambda b: b.replace(b"MIG", b"MIH", 1),
            lambda _: b"",
        ],
    )
    def test_refuses_damage(self, damage):
        pem = _pkcs8.encrypt(Ed25519PrivateKey.generate(), b"pw", rounds=1)
        with pytest.raises(_pkcs8.MalformedError):
            _pkcs8.read_envelope(damage(pem))

    def test_default_rounds(self):
        """The default PBKDF2 count stays above OWASP's 600,000 for PBKDF2-HMAC-SHA256."""
        assert KDF_ROUNDS >= 600_000


class TestStoreFiles:
    def test_modes(self, store):
        """Folder 0700, private keys 0600, the public keyring 0644."""
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        assert mode(store.directory) == 0o700
        assert mode(store.key_path(entry)) == 0o600
        assert mode(store.keyring_path) == 0o644

    def test_wrong_passphrase_with_lucky_padding_is_still_a_wrong_passphrase(self, store):
        """About one wrong passphrase in 256 decrypts to valid CBC padding and fails later,
        as ASN.1: the store must still say "wrong passphrase", not "damaged file"."""
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        pem = store.key_path(entry).read_bytes()
        lucky = None
        for i in range(5000):  # P(no lucky one) ≈ e^-19
            guess = f"not the passphrase {i}"
            try:
                load_pem_private_key(pem, guess.encode())
            except ValueError as e:
                if "password" not in str(e).lower():
                    lucky = guess
                    break
        assert lucky is not None
        with pytest.raises(WrongPassphraseError):
            store.signer(BUREAU, lucky)

    def test_pem_is_encrypted(self, store):
        """The key file is an encrypted PKCS#8 PEM; without the passphrase it does not load."""
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        pem = store.key_path(entry).read_bytes()
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
        assert b"BEGIN PRIVATE KEY" not in pem
        with pytest.raises(TypeError):
            load_pem_private_key(pem, None)
        # A wrong passphrase raises ValueError: usually "bad password", but about once in 256
        # keys AES-CBC's padding happens to check out and the garbage fails as ASN.1 instead
        # (the store reports both as a wrong passphrase).
        with pytest.raises(ValueError, match=r"(?i)password|deserialize"):
            load_pem_private_key(pem, b"not the passphrase")
        key = load_pem_private_key(pem, PASS.encode())
        assert isinstance(key, Ed25519PrivateKey)
        assert raw_public(key) == entry.public_key
        assert _pkcs8.read_envelope(pem).rounds == 1_000

    def test_name_with_slash(self, store):
        """Key names may hold '/'; the file stays inside the folder."""
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        assert store.key_path(entry).parent == store.directory
        assert store.key_path(entry).name.startswith("taobei.edu.example%2Fbureau-2024.")

    def test_keyring_file_is_jcs(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        raw = store.keyring_path.read_bytes()
        assert raw == canonical_json(store.keyring().to_json())
        assert keyring_from_json(json.loads(raw)) == store.keyring()

    def test_never_readable_by_others_while_written(self, store, monkeypatch):
        """Each file is born 0600: checked at every write, before any byte lands."""
        seen: list[int] = []
        real_write = os.write

        def spy(fd: int, data: bytes) -> int:
            seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", spy)
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        assert seen
        assert set(seen) == {0o600}

    def test_no_temp_files(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        store.rotate(BUREAU, "taobei.edu.example/bureau-2025", date(2025, 1, 1), PASS)
        store.revoke(BUREAU, date(2025, 2, 1), "泄露")
        assert not [p.name for p in store.directory.iterdir() if p.name.endswith(".tmp")]

    def test_failed_write_leaves_old_file(self, tmp_path, monkeypatch):
        """A write that fails midway leaves the old content and no temporary file."""
        target = tmp_path / "f"
        write_atomic(target, b"old")

        def broken(_fd: int) -> None:
            raise OSError(5, "I/O error")

        monkeypatch.setattr(os, "fsync", broken)
        with pytest.raises(OSError, match="I/O"):
            write_atomic(target, b"new")
        assert target.read_bytes() == b"old"
        assert [p.name for p in tmp_path.iterdir()] == ["f"]

    def test_failed_create_is_a_keys_error(self, store, monkeypatch):
        before = store.keyring_path.read_bytes()

        def broken(_fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", broken)
        with pytest.raises(KeyFileError):
            store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        assert store.keyring_path.read_bytes() == before
        assert sorted(p.name for p in store.directory.iterdir()) == [".lock", "keyring.json"]

    def test_init_is_idempotent(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        assert not store.init()
        assert len(store.keyring().keys) == 1

    def test_init_refuses_open_folder(self, tmp_path):
        folder = tmp_path / "open"
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
        with pytest.raises(KeyPermissionError):
            KeyStore(folder).init()


class TestStoreErrors:
    def test_wrong_passphrase(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        with pytest.raises(WrongPassphraseError) as e:
            store.signer(BUREAU, PASS + "x")
        assert "口令错误" in str(e.value)
        assert "wrong passphrase" in str(e.value)

    def test_unknown_key(self, store):
        with pytest.raises(KeyNotFoundError):
            store.signer("nobody", PASS)

    def test_missing_file(self, store):
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        store.key_path(entry).unlink()
        with pytest.raises(KeyNotFoundError, match="not in this folder"):
            store.signer(BUREAU, PASS)

    @pytest.mark.parametrize(
        "damage",
        [
            lambda b: b[: len(b) // 2],
            lambda _: b"garbage",
            lambda _: Ed25519PrivateKey.generate().private_bytes(
                Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"x")
            )[:20],
        ],
    )
    def test_corrupt_file(self, store, damage):
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        path = store.key_path(entry)
        write_atomic(path, damage(path.read_bytes()))
        with pytest.raises(KeyFileError, match="damaged"):
            store.signer(BUREAU, PASS)

    def test_another_key_in_the_file(self, store):
        """A sound file holding a different key than the keyring names is refused."""
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        other = _pkcs8.encrypt(Ed25519PrivateKey.generate(), PASS.encode(), rounds=1_000)
        write_atomic(store.key_path(entry), other)
        with pytest.raises(KeyFileError, match="does not match"):
            store.signer(BUREAU, PASS)

    def test_readable_by_others(self, store):
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        store.key_path(entry).chmod(0o644)
        with pytest.raises(KeyPermissionError, match="chmod 600"):
            store.signer(BUREAU, PASS)

    def test_duplicate_name(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        with pytest.raises(KeyExistsError):
            store.create(BUREAU, KeyRole.SUPERVISOR, "监督", DAY, PASS)

    @pytest.mark.parametrize("name", ["with space", "a+b", ""])
    def test_bad_name(self, store, name):
        with pytest.raises(KeysError):
            store.create(name, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)

    def test_short_passphrase(self, store):
        with pytest.raises(PassphraseError):
            store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, "x" * (MIN_LENGTH - 1))

    def test_not_initialised(self, tmp_path):
        with pytest.raises(KeyNotFoundError, match="keys init"):
            KeyStore(tmp_path / "none").keyring()
        with pytest.raises(KeyNotFoundError):
            KeyStore(tmp_path).create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)

    def test_damaged_keyring(self, store):
        store.keyring_path.write_text('{"keys": 5}')
        with pytest.raises(KeyFileError):
            store.keyring()


class TestLifecycle:
    def test_signer(self, store):
        entry = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        signer = store.signer(BUREAU, PASS)
        assert (signer.name, signer.role, signer.vkey, signer.kid) == (
            BUREAU,
            KeyRole.BUREAU,
            entry.vkey,
            entry.kid,
        )
        assert store.signer(entry.kid, PASS).public_key == entry.public_key

    def test_passphrase_is_nfc(self, store):
        """A passphrase typed in NFD opens a key made with its NFC spelling."""
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, "passphrase café")
        store.signer(BUREAU, "passphrase cafe\u0301")

    def test_rotate(self, store):
        """Rotation adds a key of the same role and label and retires the old one, keeping it."""
        old = store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        day = date(2025, 1, 1)
        new = store.rotate(BUREAU, "taobei.edu.example/bureau-2025", day, PASS)
        assert (new.role, new.label, new.valid_from, new.retired) == (
            KeyRole.BUREAU,
            "洮北区教育局",
            day,
            None,
        )
        ring = store.keyring()
        kept = ring.by_kid(old.kid)
        assert kept is not None
        assert kept.retired == day
        assert store.has_private(kept)
        assert ring.active(KeyRole.BUREAU, day) == [kept, new] or set(
            ring.active(KeyRole.BUREAU, day)
        ) == {kept, new}
        assert ring.active(KeyRole.BUREAU, date(2025, 1, 2)) == [new]
        store.signer(new.name, PASS)
        store.signer(BUREAU, PASS)  # a retired key still opens (to re-check old files)

    def test_rotate_needs_the_old_passphrase(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        before = store.keyring_path.read_bytes()
        with pytest.raises(WrongPassphraseError):
            store.rotate(BUREAU, "new", date(2025, 1, 1), "another passphrase")
        assert store.keyring_path.read_bytes() == before

    def test_rotate_twice_refused(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        store.rotate(BUREAU, "b2", date(2025, 1, 1), PASS)
        with pytest.raises(KeysError, match="already retired"):
            store.rotate(BUREAU, "b3", date(2025, 2, 1), PASS)

    def test_rotate_before_valid_from_refused(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        with pytest.raises(KeysError):
            store.rotate(BUREAU, "b2", date(2024, 7, 1), PASS)

    def test_rotate_to_existing_name_refused(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        store.create("log", KeyRole.LOG, "洮北区教育局", DAY, PASS)
        with pytest.raises(KeyExistsError):
            store.rotate(BUREAU, "log", date(2025, 1, 1), PASS)

    def test_revoke(self, store):
        """A revoked key stays in the keyring, marked, and never signs again."""
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        entry = store.revoke(BUREAU, date(2025, 3, 1), " 私钥泄露 ")
        assert entry.revoked is not None
        assert (entry.revoked.day, entry.revoked.reason) == (date(2025, 3, 1), "私钥泄露")
        assert store.keyring().keys == (entry,)
        assert not entry.acceptable_on(date(2025, 3, 1))
        with pytest.raises(KeysError, match="revoked"):
            store.signer(BUREAU, PASS)
        with pytest.raises(KeysError, match="already revoked"):
            store.revoke(BUREAU, date(2025, 4, 1), "again")

    def test_revoke_needs_reason(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        with pytest.raises(KeysError):
            store.revoke(BUREAU, date(2025, 3, 1), " ")

    def test_signer_on_a_day(self, store):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        store.signer(BUREAU, PASS, on=DAY)
        with pytest.raises(KeysError, match="not valid"):
            store.signer(BUREAU, PASS, on=date(2024, 7, 31))

    def test_export_public(self, store, tmp_path):
        store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", DAY, PASS)
        out = tmp_path / "public" / "keyring.json"
        out.parent.mkdir()
        store.export_public(out)
        assert out.read_bytes() == store.keyring_path.read_bytes()
        assert mode(out) == 0o644
        assert b"PRIVATE" not in out.read_bytes()


class TestPassphrase:
    def test_from_env(self):
        assert read_passphrase(creating=False, environ={ENV_VAR: "short"}) == "short"
        assert read_passphrase(creating=True, environ={ENV_VAR: PASS}) == PASS
        assert read_passphrase(creating=False, env_var="OTHER", environ={"OTHER": "x"}) == "x"

    def test_env_refusals(self):
        with pytest.raises(PassphraseError):
            read_passphrase(creating=False, environ={ENV_VAR: ""})
        with pytest.raises(PassphraseError, match="12"):
            read_passphrase(creating=True, environ={ENV_VAR: "eleven char"})

    def test_prompt(self):
        answers = iter([PASS, PASS])
        asked: list[str] = []

        def prompt(text: str) -> str:
            asked.append(text)
            return next(answers)

        assert read_passphrase(creating=True, environ={}, prompt=prompt) == PASS
        assert len(asked) == 2
        assert read_passphrase(creating=False, environ={}, prompt=lambda _: "old") == "old"

    def test_prompt_refusals(self):
        answers = iter([PASS, PASS + "!"])
        with pytest.raises(PassphraseError, match="differ"):
            read_passphrase(creating=True, environ={}, prompt=lambda _: next(answers))
        with pytest.raises(PassphraseError):
            read_passphrase(creating=False, environ={}, prompt=lambda _: "")
        with pytest.raises(PassphraseError):
            read_passphrase(creating=True, environ={}, prompt=lambda _: "short")

    def test_no_terminal(self, monkeypatch):
        """Without the variable and without a terminal it fails instead of reading stdin."""
        monkeypatch.delenv(ENV_VAR, raising=False)
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        with pytest.raises(PassphraseError, match=ENV_VAR):
            read_passphrase(creating=False)

    def test_nfc(self):
        assert read_passphrase(creating=False, environ={ENV_VAR: "cafe\u0301"}) == "café"


# -- signing -------------------------------------------------------------------------------


class TestSigner:
    def test_identity(self):
        key = Ed25519PrivateKey.generate()
        s = Signer(BUREAU, KeyRole.BUREAU, key)
        pub = raw_public(key)
        kid = hashlib.sha256(BUREAU.encode() + b"\n\x01" + pub).digest()[:4]
        assert s.public_key == pub
        assert s.key_id == kid
        assert s.kid == f"{BUREAU}+{kid.hex()}"
        assert s.vkey == s.kid + "+" + base64.b64encode(b"\x01" + pub).decode()

    def test_keeps_its_secret(self):
        s = new_signer(BUREAU)
        assert "PRIVATE" not in repr(s).upper()
        assert s.kid in repr(s)
        with pytest.raises(TypeError):
            pickle.dumps(s)

    def test_sign_jws(self):
        s = new_signer(BUREAU)
        token = s.sign_jws(DOC, iat=IAT)
        parsed = jws.parse(token)
        (sig,) = parsed.signatures
        assert sig.header == {"alg": "EdDSA", "iat": IAT, "kid": s.kid, "typ": DOC["t"]}
        assert parsed.payload == canonical_json(DOC)
        assert parsed.document() == DOC
        Ed25519PublicKey.from_public_bytes(s.public_key).verify(sig.signature, sig.signing_input)

    def test_sign_jws_compressed(self):
        s = new_signer(BUREAU)
        parsed = jws.parse(s.sign_jws(DOC, iat=IAT, compress=True))
        assert parsed.signatures[0].header["zip"] == "DEF"
        assert zlib.decompress(parsed.payload, -15) == canonical_json(DOC)
        assert parsed.document() == DOC

    def test_sign_jws_needs_type(self):
        with pytest.raises(KeysError):
            new_signer(BUREAU).sign_jws({"no": "type"}, iat=IAT)

    def test_sign_general(self):
        bureau, supervisor = new_signer(BUREAU), new_signer("sup", KeyRole.SUPERVISOR)
        parsed = jws.parse(sign_general(DOC, [bureau, supervisor], iat=IAT))
        assert [s.kid for s in parsed.signatures] == [bureau.kid, supervisor.kid]
        assert parsed.document() == DOC
        for signer, sig in zip((bureau, supervisor), parsed.signatures, strict=True):
            Ed25519PublicKey.from_public_bytes(signer.public_key).verify(
                sig.signature, sig.signing_input
            )

    def test_sign_general_order(self):
        bureau, supervisor = new_signer(BUREAU), new_signer("sup", KeyRole.SUPERVISOR)
        with pytest.raises(KeysError, match="bureau"):
            sign_general(DOC, [supervisor, bureau], iat=IAT)
        with pytest.raises(KeysError):
            sign_general(DOC, [], iat=IAT)
        with pytest.raises(KeysError):
            sign_general(DOC, [bureau, bureau], iat=IAT)


def open_note(note: str, name: str, public_key: bytes) -> str:
    """Verify a signed note by hand, from spec §16 / C2SP signed-note; → its body."""
    head, sep, sig_lines = note.rpartition("\n\n")
    assert sep
    body = head + "\n"
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]
    for line in sig_lines.splitlines(keepends=True):
        assert line.startswith("\u2014 ")
        assert line.endswith("\n")
        who, b64 = line[2:-1].split(" ")
        blob = base64.b64decode(b64, validate=True)
        if who == name and blob[:4] == key_id:
            assert len(blob) == 4 + 64
            Ed25519PublicKey.from_public_bytes(public_key).verify(blob[4:], body.encode())
            return body
    msg = "no signature by that key"
    raise AssertionError(msg)


class TestNote:
    def go_signer(self) -> Signer:
        seed = base64.b64decode(GO_SKEY.split("+", 4)[4])
        assert seed[0] == 1
        return Signer("PeterNeumann", KeyRole.LOG, Ed25519PrivateKey.from_private_bytes(seed[1:]))

    def test_go_reference_note(self):
        """Signing Go's example text with Go's example key gives Go's note, byte for byte."""
        s = self.go_signer()
        assert s.vkey == GO_VKEY
        assert s.sign_note(GO_TEXT) == GO_NOTE

    def test_verify_by_hand(self):
        """Strip the signature line, decode it, check the key id, verify Ed25519 over the body."""
        s = new_signer("taobei.edu.example/log-2024", KeyRole.LOG)
        body = "taobei.edu.example/log-2024\n42\n" + base64.b64encode(bytes(32)).decode() + "\n"
        note = s.sign_note(body)
        assert note.startswith(body + "\n\u2014 taobei.edu.example/log-2024 ")
        assert open_note(note, s.name, s.public_key) == body
        parsed = parse_note(note)
        assert parsed.body == body
        assert parsed.signatures == (
            NoteSignature(s.name, s.key_id, parsed.signatures[0].signature),
        )
        tampered = note.replace("\n42\n", "\n43\n")
        with pytest.raises(InvalidSignature):
            open_note(tampered, s.name, s.public_key)

    def test_go_note_opens_by_hand(self):
        _, _, pub = parse_vkey(GO_VKEY)
        assert open_note(GO_NOTE, "PeterNeumann", pub) == GO_TEXT

    @pytest.mark.parametrize("body", ["no newline", "", "tab\there\n", "cr\r\n"])
    def test_refuses_bad_body(self, body):
        with pytest.raises(KeysError):
            new_signer("log", KeyRole.LOG).sign_note(body)


# -- interoperability with joserfc ---------------------------------------------------------


@contextlib.contextmanager
def eddsa() -> Iterator[JWSRegistry]:
    """joserfc with the header members §14 uses; it warns that RFC 9864 deprecates "EdDSA"."""
    registry = JWSRegistry(
        header_registry={
            "iat": HeaderParameter("Issued at (spec §14)", "int", required=True),
            "zip": HeaderParameter("Payload compression (spec §14)", "str"),
        },
        algorithms=["EdDSA"],
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        yield registry


def jwk(signer: Signer) -> OKPKey:
    return OKPKey.import_key(
        {"kty": "OKP", "crv": "Ed25519", "x": jws.b64u(signer.public_key), "kid": signer.kid}
    )


class TestJoserfc:
    @pytest.mark.parametrize("compress", [False, True])
    def test_our_compact_verifies_there(self, compress):
        """joserfc verifies Signer.sign_jws with an OKP/Ed25519 JWK made from the public key."""
        s = new_signer(BUREAU)
        token = s.sign_jws(DOC, iat=IAT, compress=compress)
        with eddsa() as registry:
            result = jose.deserialize_compact(token, jwk(s), registry=registry)
            assert result.headers()["kid"] == s.kid
            assert result.headers()["iat"] == IAT
            payload = result.payload
            assert (zlib.decompress(payload, -15) if compress else payload) == canonical_json(DOC)
            forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
            with pytest.raises(BadSignatureError):
                jose.deserialize_compact(forged, jwk(s), registry=registry)
            with pytest.raises(BadSignatureError):
                jose.deserialize_compact(token, jwk(new_signer(BUREAU)), registry=registry)

    def test_our_general_verifies_there(self):
        """joserfc verifies both signatures of a cosigned document, finding keys by kid."""
        bureau, supervisor = new_signer(BUREAU), new_signer("sup", KeyRole.SUPERVISOR)
        text = sign_general(DOC, [bureau, supervisor], iat=IAT)
        keyset = KeySet([jwk(bureau), jwk(supervisor)])
        with eddsa() as registry:
            result = jose.deserialize_json(json.loads(text), keyset, registry=registry)
        assert result.payload == canonical_json(DOC)

    def test_theirs_parses_and_verifies_here(self):
        """A JWS that joserfc signs over our canonical payload parses with placement.jws,
        passes document(), and its signature verifies over signing_input with cryptography."""
        key = OKPKey.generate_key("Ed25519")
        pub = base64.urlsafe_b64decode(str(key.as_dict()["x"]) + "=")
        name = "supervisor.example/2024"
        kid = name + "+" + hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4].hex()
        header = {"alg": "EdDSA", "iat": IAT, "kid": kid, "typ": DOC["t"]}
        with eddsa() as registry:
            compact = jose.serialize_compact(header, canonical_json(DOC), key, registry=registry)
            general = jose.serialize_json(
                [{"protected": header}], canonical_json(DOC), key, registry=registry
            )
        for text in (compact, json.dumps(general)):
            parsed = jws.parse(text)
            assert parsed.document() == DOC
            (sig,) = parsed.signatures
            assert (sig.kid, sig.iat, signing_day(sig.iat)) == (kid, IAT, date(2024, 8, 14))
            Ed25519PublicKey.from_public_bytes(pub).verify(sig.signature, sig.signing_input)
            with pytest.raises(InvalidSignature):
                Ed25519PublicKey.from_public_bytes(pub).verify(
                    sig.signature, sig.signing_input + b"x"
                )


# -- the command line ------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestCli:
    def test_lifecycle(self, tmp_path, monkeypatch, capsys):
        """init, create, list, rotate, revoke and export-public on a fresh folder."""
        monkeypatch.setenv(ENV_VAR, PASS)
        d = str(tmp_path / "keys")
        code, out, err = run(
            capsys, "keys", "init", "--dir", d, "--name", BUREAU, "--label", "洮北区教育局",
            "--valid-from", "2024-08-01",
        )  # fmt: skip
        assert code == 0, err
        assert "created key folder" in out
        assert f"vkey {BUREAU}+" in out
        code, out, err = run(
            capsys, "keys", "create", "--dir", d, "--name", "log", "--role", "log",
            "--label", "洮北区教育局", "--valid-from", "2024-08-01",
        )  # fmt: skip
        assert code == 0, err

        store = KeyStore(Path(d))
        (bureau,) = [k for k in store.keyring().keys if k.name == BUREAU]
        pem = store.key_path(bureau).read_bytes()
        assert _pkcs8.read_envelope(pem).rounds == KDF_ROUNDS

        code, out, err = run(capsys, "keys", "list", "--dir", d)
        assert code == 0, err
        assert "2 个密钥 keys" in out
        for text in (
            BUREAU,
            "bureau",
            bureau.key_id.hex(),
            "2024-08-01",
            bureau.vkey,
            "有效 active",
        ):
            assert text in out

        code, out, err = run(
            capsys, "keys", "rotate", "--dir", d, BUREAU, "taobei.edu.example/bureau-2025",
            "--day", "2025-01-01",
        )  # fmt: skip
        assert code == 0, err
        code, out, err = run(
            capsys, "keys", "revoke", "--dir", d, "log", "--reason", "泄露 leaked",
            "--day", "2025-02-01",
        )  # fmt: skip
        assert code == 0, err
        code, out, err = run(capsys, "keys", "list", "--dir", d)
        assert "停用 retired 2025-01-01" in out
        assert "吊销 revoked 2025-02-01（泄露 leaked）" in out
        assert "taobei.edu.example/bureau-2025" in out

        public = tmp_path / "keyring.json"
        code, out, err = run(capsys, "keys", "export-public", "--dir", d, str(public))
        assert code == 0, err
        ring = keyring_from_json(json.loads(public.read_bytes()))
        assert len(ring.keys) == 3
        assert not list(Path(d).glob("*.tmp"))

    def test_errors_without_traceback(self, tmp_path, monkeypatch, capsys):
        monkeypatch.setenv(ENV_VAR, PASS)
        d = str(tmp_path / "keys")
        run(capsys, "keys", "init", "--dir", d, "--name", "b", "--label", "局")
        monkeypatch.setenv(ENV_VAR, "a wrong passphrase")
        code, _, err = run(capsys, "keys", "rotate", "--dir", d, "b", "b2")
        assert code == 1
        assert "口令错误" in err
        assert "wrong passphrase" in err
        assert "Traceback" not in err
        code, _, err = run(capsys, "keys", "list", "--dir", str(tmp_path / "nowhere"))
        assert code == 1
        assert "keys init" in err
        monkeypatch.setenv(ENV_VAR, "short")
        code, _, err = run(capsys, "keys", "create", "--dir", d, "--name", "c", "--label", "局")
        assert code == 1
        assert "12" in err

    def test_passphrase_never_an_argument(self, tmp_path, capsys):
        """There is no --passphrase, and it is not taken as an abbreviation either."""
        d = str(tmp_path / "keys")
        with pytest.raises(SystemExit) as e:
            main(["keys", "init", "--dir", d, "--passphrase", PASS])
        assert e.value.code == 2
        assert not Path(d).exists()
        assert PASS not in capsys.readouterr().out
