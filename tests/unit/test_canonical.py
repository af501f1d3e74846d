"""Canonical JSON (RFC 8785 in a safe domain) and domain-separated tagged hashes."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

from placement import canonical
from placement.canonical import (
    MAX_SAFE_INT,
    CanonicalError,
    canonical_json,
    fast_json,
    json_digest,
    nfc,
    tagged_hash,
)
from placement.commitment import PublicLeaf, private_json
from placement.errors import PlacementError
from placement.roster import PupilRecord, Sex, TwinWish

_nfc_text = st.text().map(nfc)
_safe_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INT, max_value=MAX_SAFE_INT)
    | _nfc_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_nfc_text, inner, max_size=4),
    max_leaves=12,
)


class TestCanonicalJson:
    @given(_safe_json)
    def test_equals_rfc8785(self, value):
        """Any JavaScript JCS implementation gets the same bytes as our canonical_json."""
        assert canonical_json(value) == bytes(rfc8785.dumps(value))

    def test_known_bytes(self):
        """Keys sorted, no whitespace, UTF-8 text unescaped: the bytes a verifier hashes."""
        value = {"b": [1, True, None], "a": "张三", "c": {"y": -5, "x": ""}}
        assert (
            canonical_json(value) == '{"a":"张三","b":[1,true,null],"c":{"x":"","y":-5}}'.encode()
        )

    @pytest.mark.parametrize("value", [1.0, 0.5, float("nan"), {"a": [2.5]}])
    def test_refuses_floats(self, value):
        """Floats never reach a hash: JavaScript would print them differently."""
        with pytest.raises(CanonicalError):
            canonical_json(value)

    @pytest.mark.parametrize("value", [MAX_SAFE_INT, -MAX_SAFE_INT, 0])
    def test_accepts_safe_integer_edges(self, value):
        """±(2^53−1) is still exact in JavaScript, so it is allowed."""
        assert canonical_json(value) == str(value).encode()

    @pytest.mark.parametrize("value", [2**53, -(2**53), 10**30, [1, 2**60]])
    def test_refuses_unsafe_integers(self, value):
        """Integers JavaScript would round are refused instead of silently hashed."""
        with pytest.raises(CanonicalError, match="2\\^53"):
            canonical_json(value)

    @pytest.mark.parametrize(
        "value", ["e\u0301", ["Lu\u0308"], {"name": "Zoe\u0308"}, {"e\u0301": 1}]
    )
    def test_refuses_non_nfc_text(self, value):
        """Two spellings of one name would hash differently, so only NFC is accepted."""
        with pytest.raises(CanonicalError, match="NFC"):
            canonical_json(value)

    @pytest.mark.parametrize("key", [1, None, True, (1, 2)])
    def test_refuses_non_string_keys(self, key):
        """Object keys must be text; Python's int/None keys would be stringified ambiguously."""
        with pytest.raises(CanonicalError, match="key"):
            canonical_json({key: "x"})

    @pytest.mark.parametrize("value", [(1, 2), b"bytes", {1, 2}, object()])
    def test_refuses_other_types(self, value):
        """Only JSON's own types are hashed; tuples, bytes and sets are refused."""
        with pytest.raises(CanonicalError):
            canonical_json(value)

    def test_error_is_a_placement_error(self):
        """Callers can catch every core failure with one exception class."""
        assert issubclass(CanonicalError, PlacementError)

    def test_error_names_the_path(self):
        """The message says where in the document the bad value sits."""
        with pytest.raises(CanonicalError, match=r"\$\.a\[1\]"):
            canonical_json({"a": [0, 0.5]})

    def test_nfc_composes(self):
        """nfc() turns a decomposed spelling into the composed one."""
        assert nfc("Lu\u0308") == "L\u00fc"


class TestTaggedHash:
    def test_layout_by_hand(self):
        """SHA-256(u8(len(tag)) ‖ tag ‖ parts…), as the spec defines it, byte for byte."""
        tag = "example/tag"
        expected = hashlib.sha256(bytes([11]) + b"example/tag" + b"abc" + b"\x00\xff").digest()
        assert tagged_hash(tag, b"abc", b"\x00\xff") == expected

    def test_no_parts(self):
        """A tag alone hashes its length prefix and its bytes."""
        assert tagged_hash("t") == hashlib.sha256(b"\x01t").digest()

    def test_parts_are_concatenated(self):
        """Parts are plain concatenation: the caller fixes their lengths."""
        assert tagged_hash("t", b"ab", b"c") == tagged_hash("t", b"a", b"bc")

    def test_different_tags_differ(self):
        """One input under two tags gives two unrelated hashes (domain separation)."""
        assert tagged_hash(canonical.TAG_RESULT, b"x") != tagged_hash(canonical.TAG_TICKET, b"x")

    def test_real_tag_by_hand(self):
        """A real tag from the spec, its length byte and bytes written out by hand."""
        tag = b"sunshine-placement/v1/final-seed"
        assert canonical.TAG_FINAL_SEED.encode() == tag
        expected = hashlib.sha256(bytes([len(tag)]) + tag + b"body").digest()
        assert tagged_hash(canonical.TAG_FINAL_SEED, b"body") == expected

    def test_json_digest(self):
        """json_digest is the tagged hash of the canonical bytes."""
        value = {"b": 1, "a": "张"}
        expected = hashlib.sha256(b"\x03abc" + '{"a":"张","b":1}'.encode()).digest()
        assert json_digest("abc", value) == expected

    def test_non_ascii_tag_refused(self):
        """Tags are ASCII so every implementation encodes them the same way."""
        with pytest.raises(UnicodeEncodeError):
            tagged_hash("标签", b"")


def _tags() -> dict[str, str]:
    return {k: v for k, v in vars(canonical).items() if k.startswith("TAG_")}


class TestTags:
    def test_there_are_tags(self):
        """The module defines the spec's tags (guards the scan below against finding none)."""
        assert len(_tags()) >= 7

    def test_tags_are_distinct(self):
        """Every kind of hash has its own tag, so no two kinds can collide."""
        tags = list(_tags().values())
        assert len(set(tags)) == len(tags)

    @pytest.mark.parametrize("name", sorted(_tags()))
    def test_tag_is_short_ascii(self, name):
        """Each tag fits the one-byte length prefix and is plain ASCII."""
        tag = _tags()[name]
        assert tag.isascii()
        assert 0 < len(tag.encode("ascii")) < 256
        assert tag.startswith("sunshine-placement/v1/")


# Names as parse_row admits them: NFC and printable (no control or format characters).
_names = (
    st.text(
        st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S"), include_characters=" "),
        min_size=1,
        max_size=40,
    )
    .map(nfc)
    .filter(str.isprintable)
)


@given(
    name=_names,
    sex=st.sampled_from(Sex),
    stratum=st.sampled_from(["", "s1", "s12"]),
    twin=st.sampled_from(["", "t1", "t3"]),
    wish=st.sampled_from(TwinWish),
    private=st.binary(min_size=32, max_size=32),
)
@example(name='张"三\\', sex=Sex.MALE, stratum="", twin="", wish=TwinWish.NONE, private=bytes(32))
@example(
    name="𠀀𪚥😀", sex=Sex.FEMALE, stratum="s1", twin="t1", wish=TwinWish.SAME, private=b"\xff" * 32
)
@example(
    name="O'Neil·李", sex=Sex.FEMALE, stratum="", twin="", wish=TwinWish.NONE, private=bytes(32)
)
@example(name="/<>&'`", sex=Sex.MALE, stratum="", twin="", wish=TwinWish.APART, private=bytes(32))
def test_leaf_fast_path_equals_rfc8785(name, sex, stratum, twin, wish, private):
    """The json.dumps fast path for leaves gives exactly the RFC 8785 bytes verifiers hash."""
    leaf = PublicLeaf(name, sex, stratum, twin, wish, private)
    assert leaf.entry() == leaf.entry_strict()


@given(name=st.text(st.characters(codec="utf-8")).map(nfc))
@example(name='\x00\x1f\n\t\b\f\r"\\\u007f\u00a0\u2028\u2029\ufeff')
def test_leaf_fast_path_equals_rfc8785_even_with_controls(name):
    """Even control characters escape identically, should a name ever carry one."""
    leaf = PublicLeaf(name, Sex.MALE, "", "", TwinWish.NONE, bytes(32))
    assert leaf.entry() == leaf.entry_strict()


@settings(max_examples=300, deadline=None)
@given(
    flags=st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1), max_size=3
    ),
    twin=st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    student=st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    salt=st.binary(min_size=16, max_size=16),
)
def test_private_fast_path_equals_rfc8785(flags, twin, student, salt):
    """The private part of a leaf hashes the same bytes as strict RFC 8785 would."""

    nfc = lambda t: unicodedata.normalize("NFC", t)  # noqa: E731
    pupil = PupilRecord(
        row=2,
        name="张三",
        sex=Sex.MALE,
        id_number="220802201808310019",
        birth_date=date(2018, 8, 31),
        student_no=nfc(student),
        twin_group=nfc(twin),
        flags=tuple(sorted({nfc(f) for f in flags})),
    )
    doc = private_json(pupil, salt)
    assert fast_json(doc) == canonical_json(doc)
