"""JWS framing (spec §14): base64url, compact and general forms, and payload checks.

No signature is checked here (the framing is crypto-free); ``test_keys.py`` signs and
verifies, also against joserfc.
"""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from placement import jws
from placement.canonical import Json
from placement.jws import JwsError, b64u, b64u_decode

KID = "taobei.edu.example/bureau-2024+2723aec8"
T = "sunshine-placement/v1/ceremony"
DOC: dict[str, Json] = {"server_seed": "00" * 32, "t": T, "名": "洮北"}
SIG = bytes(range(64))


def header(**changes: Json) -> dict[str, Json]:
    h: dict[str, Json] = {"alg": "EdDSA", "iat": 1723599065, "kid": KID, "typ": T}
    h.update(changes)
    return h


def raw_compact(h: dict[str, Json], payload: bytes, sig: bytes = SIG) -> str:
    """A compact JWS from any header, bypassing protected_header's checks."""
    hb = json.dumps(h, separators=(",", ":"), ensure_ascii=False).encode()
    return jws.compact(hb, payload, sig)


class TestBase64Url:
    @pytest.mark.parametrize("data", [b"", b"\x00", b"\xfb\xff", b"ab", b"abc", bytes(range(256))])
    def test_round_trip(self, data):
        text = b64u(data)
        assert "=" not in text
        assert b64u_decode(text) == data

    def test_alphabet(self):
        """b64u uses - and _ (RFC 4648 §5), never + and /."""
        assert b64u(b"\xfb\xff") == "-_8"
        assert base64.b64encode(b"\xfb\xff") == b"+/8="

    @pytest.mark.parametrize(
        "text",
        [
            "-_8=",  # padding
            "+/8",  # standard alphabet
            "ab c",  # white space
            "ab\n",
            "QR",  # stray bits: "QQ" is the one spelling of b"A"
            "Q",  # impossible length
            "ab*c",  # outside the alphabet
            "éé",  # not ASCII
        ],
    )
    def test_strict(self, text):
        with pytest.raises(JwsError):
            b64u_decode(text)


class TestBuild:
    def test_header_is_jcs(self):
        """The protected header is JCS: sorted keys, no spaces; zip only when compressing."""
        h = jws.protected_header(kid=KID, typ=T, iat=5)
        assert h == f'{{"alg":"EdDSA","iat":5,"kid":"{KID}","typ":"{T}"}}'.encode()
        hz = jws.protected_header(kid=KID, typ=T, iat=5, deflate=True)
        assert hz.endswith(b',"zip":"DEF"}')

    def test_signing_input(self):
        h = jws.protected_header(kid=KID, typ=T, iat=5)
        p = jws.payload_bytes(DOC)
        assert jws.signing_input(h, p) == f"{b64u(h)}.{b64u(p)}".encode("ascii")

    def test_deflate_is_raw(self):
        """zip DEF means raw DEFLATE (RFC 1951): no zlib header, inflates with wbits -15."""
        raw = jws.payload_bytes(DOC)
        packed = jws.payload_bytes(DOC, compress=True)
        assert zlib.decompress(packed, -15) == raw
        with pytest.raises(zlib.error):
            zlib.decompress(packed)


class TestParse:
    def test_compact(self):
        """A compact JWS parses to its payload, header, exact signing input and signature."""
        h = jws.protected_header(kid=KID, typ=T, iat=7)
        p = jws.payload_bytes(DOC)
        parsed = jws.parse(jws.compact(h, p, SIG))
        assert parsed.payload == p
        (sig,) = parsed.signatures
        assert sig.header == json.loads(h)
        assert sig.kid == KID
        assert sig.iat == 7
        assert sig.signing_input == jws.signing_input(h, p)
        assert sig.signature == SIG
        assert parsed.document() == DOC

    def test_general(self):
        """The general JSON form: one payload, each signature with its own header and input."""
        p = jws.payload_bytes(DOC)
        h1 = jws.protected_header(kid=KID, typ=T, iat=7)
        h2 = jws.protected_header(kid="supervisor+01020304", typ=T, iat=8)
        text = jws.general(p, [(h1, SIG), (h2, SIG[::-1])])
        doc = json.loads(text)
        assert sorted(doc) == ["payload", "signatures"]
        assert [sorted(s) for s in doc["signatures"]] == [["protected", "signature"]] * 2
        parsed = jws.parse(text)
        assert parsed.payload == p
        assert [s.kid for s in parsed.signatures] == [KID, "supervisor+01020304"]
        assert [s.signing_input for s in parsed.signatures] == [
            jws.signing_input(h1, p),
            jws.signing_input(h2, p),
        ]
        assert parsed.signatures[1].signature == SIG[::-1]
        assert parsed.document() == DOC

    @pytest.mark.parametrize(
        "text",
        [
            "a.b",
            "a.b.c.d",
            "",
            "{}",
            '{"payload":"e30","signatures":[]}',
            '{"payload":5,"signatures":[{"protected":"e30","signature":""}]}',
            '{"payload":"e30","signatures":[{"protected":5,"signature":""}]}',
            '{"payload":"e30","signatures":"ab"}',
            "{not json",
        ],
    )
    def test_malformed(self, text):
        with pytest.raises(JwsError):
            jws.parse(text)

    @pytest.mark.parametrize("alg", ["none", "HS256", "ES256", "Ed25519", None])
    def test_only_eddsa(self, alg):
        """alg must be EdDSA: none, HMAC and everything else are refused."""
        h = header(alg=alg)
        if alg is None:
            del h["alg"]
        with pytest.raises(JwsError):
            jws.parse(raw_compact(h, jws.payload_bytes(DOC)))

    def test_header_not_json(self):
        text = f"{b64u(b'not json')}.{b64u(jws.payload_bytes(DOC))}.{b64u(SIG)}"
        with pytest.raises(JwsError):
            jws.parse(text)

    @pytest.mark.parametrize("part", [0, 1, 2])
    def test_bad_base64(self, part):
        """Padding or the standard alphabet in any part is refused."""
        parts = jws.compact(
            jws.protected_header(kid=KID, typ=T, iat=1), jws.payload_bytes(DOC), b"\xfb" * 64
        ).split(".")
        parts[part] += "="
        with pytest.raises(JwsError):
            jws.parse(".".join(parts))
        parts[part] = parts[part].rstrip("=").replace("-", "+").replace("_", "/") + "+"
        with pytest.raises(JwsError):
            jws.parse(".".join(parts))

    def test_iat_must_be_integer(self):
        for iat in ("1", True, 1.5):
            parsed = jws.parse(raw_compact(header(iat=iat), jws.payload_bytes(DOC)))  # type: ignore[arg-type]
            with pytest.raises(JwsError):
                _ = parsed.signatures[0].iat


class TestDocument:
    def parsed(self, payload: bytes, **changes: Json) -> jws.Jws:
        return jws.parse(raw_compact(header(**changes), payload))

    @pytest.mark.parametrize(
        "payload",
        [
            json.dumps(DOC, ensure_ascii=False).encode(),  # spaces
            json.dumps(DOC, separators=(",", ":")).encode(),  # \\u escapes
            b'{"t":"sunshine-placement/v1/ceremony","server_seed":"00"}',  # key order
            jws.payload_bytes(DOC) + b"\n",
            b'{"server_seed":"00","t":"sunshine-placement/v1/ceremony","t":"x"}',  # duplicate
        ],
    )
    def test_refuses_non_canonical(self, payload):
        """Only the JCS bytes of a document are accepted: one byte string per document."""
        with pytest.raises(JwsError):
            self.parsed(payload).document()

    @pytest.mark.parametrize(
        "payload",
        [
            b'{"n":1.5,"t":"sunshine-placement/v1/ceremony"}',
            b'{"n":9007199254740992,"t":"sunshine-placement/v1/ceremony"}',
            b"[]",
            b'"text"',
            b"\xff\xfe",
            b"not json",
            '{"name":"e\u0301","t":"sunshine-placement/v1/ceremony"}'.encode(),  # NFD
        ],
    )
    def test_refuses_outside_hashed_json(self, payload):
        with pytest.raises(JwsError):
            self.parsed(payload).document()

    def test_type_mismatch(self):
        """The header typ must equal the document's t, in every signature."""
        with pytest.raises(JwsError):
            self.parsed(jws.payload_bytes(DOC), typ="sunshine-placement/v1/result").document()
        p = jws.payload_bytes(DOC)
        text = jws.general(
            p,
            [
                (jws.protected_header(kid=KID, typ=T, iat=1), SIG),
                (jws.protected_header(kid="b+00000000", typ="other", iat=1), SIG),
            ],
        )
        with pytest.raises(JwsError):
            jws.parse(text).document()

    def test_deflated(self):
        payload = jws.payload_bytes(DOC, compress=True)
        assert self.parsed(payload, zip="DEF").document() == DOC

    def test_deflate_bomb(self):
        """An inflated payload over 1 MiB is refused, without inflating it all."""
        bomb = jws.deflate(b" " * (16 << 20))
        assert len(bomb) < 100_000
        with pytest.raises(JwsError, match="1 MiB"):
            self.parsed(bomb, zip="DEF").document()

    def test_one_mib_boundary(self):
        """Exactly 1 MiB inflated is accepted; one byte more is not."""
        shell = len(jws.payload_bytes({"pad": "", "t": T}))
        for size, ok in ((jws.MAX_INFLATED, True), (jws.MAX_INFLATED + 1, False)):
            doc: dict[str, Json] = {"pad": "a" * (size - shell), "t": T}
            assert len(jws.payload_bytes(doc)) == size
            parsed = self.parsed(jws.payload_bytes(doc, compress=True), zip="DEF")
            if ok:
                assert parsed.document() == doc
            else:
                with pytest.raises(JwsError):
                    parsed.document()

    def test_truncated_deflate(self):
        payload = jws.payload_bytes(DOC, compress=True)[:-3]
        with pytest.raises(JwsError):
            self.parsed(payload, zip="DEF").document()

    @pytest.mark.parametrize("zip_value", ["GZIP", "def", 1])
    def test_unknown_compression(self, zip_value):
        with pytest.raises(JwsError):
            self.parsed(jws.payload_bytes(DOC), zip=zip_value).document()

    def test_signatures_disagree_on_zip(self):
        p = jws.payload_bytes(DOC, compress=True)
        text = jws.general(
            p,
            [
                (jws.protected_header(kid=KID, typ=T, iat=1, deflate=True), SIG),
                (jws.protected_header(kid="b+00000000", typ=T, iat=1), SIG),
            ],
        )
        with pytest.raises(JwsError):
            jws.parse(text).document()

    def test_plain_payload_claimed_deflated(self):
        """Bytes that are not a DEFLATE stream are refused as a JwsError, like any bad input."""
        with pytest.raises(JwsError):
            self.parsed(jws.payload_bytes(DOC), zip="DEF").document()
