"""Key ids, verifier keys and the public keyring (spec §13)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime

import pytest

from placement.keyring import (
    KEYRING_TYPE,
    KeyEntry,
    Keyring,
    KeyringError,
    KeyRole,
    Revocation,
    check_name,
    key_id,
    keyring_from_json,
    parse_vkey,
    signing_day,
    vkey,
)

NAME = "taobei.edu.example/bureau-2024"
PUB = bytes(range(32))
# Verifier keys published by others (data only): the C2SP signed-note spec's example and
# the example of golang.org/x/mod/sumdb/note. Neither base64 part contains a '+'.
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
# The example in the formats brief: its base64 part holds a '+' (as about half of all do).
PLUS_VKEY = "school.example.org/audit-log+c447166a+AfuNmCAoLynogC4Tvh9syz7+13W6H1Y/qgYCWKJlaIil"


def entry(pub: bytes = PUB, name: str = NAME, **changes: object) -> KeyEntry:
    fields: dict[str, object] = {
        "vkey": vkey(name, pub),
        "role": KeyRole.BUREAU,
        "label": "洮北区教育局",
        "valid_from": date(2024, 8, 1),
    }
    fields.update(changes)
    return KeyEntry(**fields)  # type: ignore[arg-type]


class TestKeyId:
    def test_worked_example(self):
        """key id and vkey equal SHA-256(name ‖ 0a ‖ 01 ‖ key)[:4] and base64(01 ‖ key), by hand."""
        digest = hashlib.sha256(NAME.encode("ascii") + b"\x0a" + b"\x01" + PUB).digest()
        assert key_id(NAME, PUB) == digest[:4]
        b64 = base64.b64encode(b"\x01" + PUB).decode("ascii")
        assert b64 == "AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
        assert vkey(NAME, PUB) == f"{NAME}+{digest[:4].hex()}+{b64}"

    @pytest.mark.parametrize("text", [C2SP_VKEY, GO_VKEY])
    def test_published_vkeys(self, text):
        """Verifier keys made by other implementations parse, and their key ids recompute."""
        name, kid, pub = parse_vkey(text)
        assert kid.hex() == text.split("+")[1]
        assert vkey(name, pub) == text

    def test_vkey_whose_base64_holds_a_plus(self):
        """A vkey whose base64 part contains '+' parses: the name and hex id never do."""
        name, kid, pub = parse_vkey(PLUS_VKEY)
        assert (name, kid.hex()) == ("school.example.org/audit-log", "c447166a")
        assert vkey(name, pub) == PLUS_VKEY

    def test_round_trip(self):
        """parse_vkey gives back the name, key id and public key that made the vkey."""
        assert parse_vkey(vkey(NAME, PUB)) == (NAME, key_id(NAME, PUB), PUB)

    @pytest.mark.parametrize(
        "text",
        [
            "no-plus-signs",
            f"{NAME}+{key_id(NAME, PUB).hex()}",  # two parts
            f"{NAME}+00000000+" + base64.b64encode(b"\x01" + PUB).decode(),  # wrong key id
            f"{NAME}+{key_id(NAME, PUB).hex()}+" + base64.b64encode(b"\x02" + PUB).decode(),
            f"{NAME}+{key_id(NAME, PUB).hex()}+" + base64.b64encode(b"\x01" + PUB[:31]).decode(),
            f"{NAME}+{key_id(NAME, PUB).hex()}+AQAB!gME",  # not base64
            f"{NAME}+zzzzzzzz+" + base64.b64encode(b"\x01" + PUB).decode(),  # not hex
            vkey(NAME, PUB)[:-4] + "AAA=",  # 32 bytes, not 01 ‖ 32
        ],
    )
    def test_refusals(self, text):
        """Malformed verifier keys, wrong algorithms and mismatched key ids are refused."""
        with pytest.raises(KeyringError):
            parse_vkey(text)

    @pytest.mark.parametrize("spelling", [str.upper, lambda h: h[:4] + " " + h[4:]])
    def test_one_spelling(self, spelling):
        """A vkey has one spelling: lowercase hex, nothing else."""
        kid = key_id(NAME, PUB).hex()
        with pytest.raises(KeyringError):
            parse_vkey(vkey(NAME, PUB).replace(kid, spelling(kid)))

    @pytest.mark.parametrize("name", ["", "with space", "a+b", "tab\there", "名字"])
    def test_bad_names(self, name):
        """Names are printable ASCII without white space or '+'."""
        with pytest.raises(KeyringError):
            check_name(name)

    def test_public_key_length(self):
        with pytest.raises(KeyringError):
            key_id(NAME, PUB + b"\0")


class TestAcceptable:
    def test_valid_from(self):
        """A key is acceptable from its valid_from day on, not the day before."""
        e = entry()
        assert not e.acceptable_on(date(2024, 7, 31))
        assert e.acceptable_on(date(2024, 8, 1))
        assert e.acceptable_on(date(2030, 1, 1))

    def test_retired(self):
        """Signatures made on the retirement day still count; the day after they do not."""
        e = entry(retired=date(2025, 1, 1))
        assert e.acceptable_on(date(2025, 1, 1))
        assert not e.acceptable_on(date(2025, 1, 2))

    def test_revoked(self):
        """Revocation on day d voids signatures made on d and later."""
        e = entry(revoked=Revocation(date(2025, 3, 1), "泄露"))
        assert e.acceptable_on(date(2025, 2, 28))
        assert not e.acceptable_on(date(2025, 3, 1))
        assert not e.acceptable_on(date(2026, 1, 1))

    def test_revoked_before_retired(self):
        e = entry(retired=date(2025, 6, 1), revoked=Revocation(date(2025, 3, 1), "泄露"))
        assert not e.acceptable_on(date(2025, 4, 1))

    def test_active(self):
        """active() lists the keys of a role acceptable on a day."""
        old = entry(retired=date(2025, 1, 1))
        new = entry(
            pub=bytes(32), name="taobei.edu.example/bureau-2025", valid_from=date(2025, 1, 1)
        )
        log = entry(pub=bytes([7]) * 32, name="log", role=KeyRole.LOG)
        ring = Keyring((old, new, log))
        assert ring.active(KeyRole.BUREAU, date(2025, 1, 1)) == [old, new]
        assert ring.active(KeyRole.BUREAU, date(2025, 1, 2)) == [new]
        assert ring.active(KeyRole.LOG, date(2025, 1, 2)) == [log]


class TestSigningDay:
    @staticmethod
    def iat(text: str) -> int:
        return int(datetime.fromisoformat(text).timestamp())

    def test_midnight_in_china(self):
        """The signing day changes at 00:00 UTC+8, that is 16:00 UTC the day before."""
        assert signing_day(self.iat("2024-08-13T15:59:59+00:00")) == date(2024, 8, 13)
        assert signing_day(self.iat("2024-08-13T16:00:00+00:00")) == date(2024, 8, 14)
        assert signing_day(self.iat("2024-08-14T00:00:00+08:00")) == date(2024, 8, 14)
        assert signing_day(self.iat("2024-08-13T23:59:59+08:00")) == date(2024, 8, 13)

    def test_epoch(self):
        assert signing_day(0) == date(1970, 1, 1)
        assert datetime.fromtimestamp(0, UTC).hour == 0


class TestKeyringJson:
    def ring(self) -> Keyring:
        return Keyring(
            (
                entry(retired=date(2025, 1, 1)),
                entry(pub=bytes(32), name="b", revoked=Revocation(date(2025, 3, 1), "泄露 leaked")),
                entry(pub=bytes([9]) * 32, name="log", role=KeyRole.LOG),
            )
        )

    def test_round_trip(self):
        """to_json → keyring_from_json gives the same keys; the list is sorted by vkey."""
        ring = self.ring()
        doc = ring.to_json()
        assert doc["t"] == KEYRING_TYPE
        keys = doc["keys"]
        assert isinstance(keys, list)
        vkeys = [k["vkey"] for k in keys if isinstance(k, dict)]
        assert vkeys == sorted(vkeys)
        back = keyring_from_json(doc)
        assert set(back.keys) == set(ring.keys)
        assert back.to_json() == doc

    def test_entry_fields_as_spec(self):
        """Each entry has exactly the fields of §13."""
        doc = self.ring().to_json()
        keys = doc["keys"]
        assert isinstance(keys, list)
        for k in keys:
            assert isinstance(k, dict)
            assert sorted(k) == ["label", "retired", "revoked", "role", "valid_from", "vkey"]

    def first(self, doc: dict[str, object]) -> dict[str, object]:
        keys = doc["keys"]
        assert isinstance(keys, list)
        return keys[0]  # type: ignore[no-any-return]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("extra", 1),
            ("role", "admin"),
            ("valid_from", "20240801"),
            ("valid_from", "2024-08-01T00:00:00"),
            ("retired", 20250101),
            ("revoked", "2025-03-01"),
            ("revoked", {"date": "2025-03-01", "reason": "x", "by": "me"}),
            ("vkey", "nonsense"),
        ],
    )
    def test_refuses_entry(self, field, value):
        """Unknown fields, unknown roles and non-canonical dates are refused."""
        doc = self.ring().to_json()
        self.first(doc)[field] = value
        with pytest.raises(KeyringError):
            keyring_from_json(doc)

    @pytest.mark.parametrize("field", ["label", "retired", "revoked", "role", "valid_from", "vkey"])
    def test_refuses_missing_field(self, field):
        doc = self.ring().to_json()
        del self.first(doc)[field]
        with pytest.raises(KeyringError):
            keyring_from_json(doc)

    @pytest.mark.parametrize(
        "doc",
        [
            [],
            {"keys": []},
            {"keys": [], "t": "sunshine-placement/v1/announcement"},
            {"keys": {}, "t": KEYRING_TYPE},
            {"keys": ["x"], "t": KEYRING_TYPE},
        ],
    )
    def test_refuses_document(self, doc):
        with pytest.raises(KeyringError):
            keyring_from_json(doc)

    def test_refuses_unknown_top_level_field(self):
        with pytest.raises(KeyringError):
            keyring_from_json({"keys": [], "t": KEYRING_TYPE, "extra": 1})


class TestChanges:
    def test_with_key_refuses_duplicate(self):
        ring = Keyring().with_key(entry())
        with pytest.raises(KeyringError):
            ring.with_key(entry())

    def test_retire_and_revoke(self):
        """Retiring and revoking change only the named key and keep it in the keyring."""
        other = entry(pub=bytes(32), name="other")
        ring = Keyring((entry(), other)).retire(vkey(NAME, PUB), date(2025, 1, 1))
        ring = ring.revoke(vkey(NAME, PUB), date(2025, 2, 1), "泄露")
        e = ring.by_kid(f"{NAME}+{key_id(NAME, PUB).hex()}")
        assert e is not None
        assert e.retired == date(2025, 1, 1)
        assert e.revoked == Revocation(date(2025, 2, 1), "泄露")
        assert ring.by_key_id("other", key_id("other", bytes(32))) == other

    def test_revoke_needs_reason(self):
        with pytest.raises(KeyringError):
            Keyring((entry(),)).revoke(vkey(NAME, PUB), date(2025, 2, 1), "  ")

    def test_unknown_key(self):
        with pytest.raises(KeyringError):
            Keyring().retire(vkey(NAME, PUB), date(2025, 1, 1))

    def test_lookup(self):
        """by_kid finds by name+hex; unknown kids give None (verifiers ignore such signatures)."""
        e = entry()
        ring = Keyring((e,))
        assert ring.by_kid(e.kid) == e
        assert e.kid == f"{NAME}+{key_id(NAME, PUB).hex()}"
        assert ring.by_kid(f"{NAME}+00000000") is None
        assert ring.by_key_id(NAME, key_id(NAME, PUB)) == e
        assert ring.by_key_id("someone-else", key_id(NAME, PUB)) is None
