"""The fast canonical paths are RFC 8785, byte for byte (spec §2.1).

Each fixed shape (pupil leaf, private part, in protocol v1 and v2; team leaf) is
built from a template, and
``canonical_json`` serialises the safe domain with the standard library's encoder
after a whole-text NFC check. Each is held here to the reference serialiser
(``rfc8785``) and to the careful path on nasty text: non-BMP characters, every
control character, quotes, backslashes, U+2028, DEL, and NFC edge cases
(decomposed letters, combining marks at either end, a combining mark after an
escape such as ``\\n``, which composes in the text but not in the string).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import rfc8785
from hypothesis import example, given
from hypothesis import strategies as st

from placement.canonical import (
    MAX_SAFE_INT,
    CanonicalError,
    canonical_json,
    canonical_json_careful,
    fast_json,
    json_string,
    nfc,
    tagged_hash,
)
from placement.commitment import (
    PublicLeaf,
    private_bytes,
    private_commitment,
    private_json,
    private_tag,
)
from placement.roster import PupilRecord, Sex, TwinWish
from placement.teams import Teacher, Team

NASTY = (
    '"\\/\x00\x01\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\u0085\u00a0\u2028\u2029\ufeff\uffff'
    "e\u0301\u0301\u0316\u00e9\u212b\u1100\u1161\u11a8\uac00n\u0303"
    "张三丽\U0001f600\U00020000\U0010ffff"
)
# Any text (no lone surrogates, which neither path can encode), biased to the nasty.
_any_text = st.text(st.sampled_from(NASTY) | st.characters(exclude_categories=["Cs"]))
_nfc_text = _any_text.map(nfc)
_ascii_key = st.text(st.characters(max_codepoint=0x7F), max_size=6)


def _reference(value: object) -> bytes:
    return bytes(rfc8785.dumps(value))


class TestJsonString:
    @given(_any_text)
    @example('\x00\x1f\x7f"\\\u2028')
    def test_is_the_rfc8785_string(self, text: str) -> None:
        """One string literal, as RFC 8785 writes it, for any text (NFC or not)."""
        assert json_string(text).encode() == _reference(text)


_safe = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INT, max_value=MAX_SAFE_INT)
    | _nfc_text,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(_ascii_key | _nfc_text, inner, max_size=4)
    ),
    max_leaves=16,
)


class TestCanonicalJson:
    @given(_safe)
    @example({"a": "x\n\u0301"})  # NFC, but "n" + U+0301 composes in the escaped text
    @example({"\U0001f600": 1, "\uffff": 2})  # UTF-16 order differs from code-point order
    @example([MAX_SAFE_INT, -MAX_SAFE_INT, True, False, None])
    def test_fast_equals_careful_and_rfc8785(self, value: object) -> None:
        """Whatever path it takes, canonical_json gives the reference bytes."""
        assert canonical_json(value) == canonical_json_careful(value) == _reference(value)

    @given(st.recursive(_any_text | st.integers() | st.floats(), st.lists, max_leaves=6))
    @example(["e\u0301"])
    @example([2**53])
    @example([0.5])
    def test_refuses_what_the_careful_path_refuses(self, value: object) -> None:
        """Outside the safe domain the fast path refuses with the careful path's message."""
        try:
            want: bytes | str = canonical_json_careful(value)
        except CanonicalError as e:
            want = str(e)
        try:
            got: bytes | str = canonical_json(value)
        except CanonicalError as e:
            got = str(e)
        assert got == want

    @pytest.mark.parametrize(
        "value", [(1, 2), {1: "x"}, {"a": (1,)}, [True, 1.0], {"k": b"x"}, [{1, 2}]]
    )
    def test_other_types_take_the_careful_path(self, value: object) -> None:
        """Tuples, int keys, floats, bytes and sets are refused as before, not coerced."""
        with pytest.raises(CanonicalError):
            canonical_json(value)  # type: ignore[arg-type]

    def test_lone_surrogate_fails_as_before(self) -> None:
        """Neither path can encode a lone surrogate; the reference's error is kept."""
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical_json(["\ud800"])


_sex = st.sampled_from(list(Sex))
_wish = st.sampled_from(list(TwinWish))


_version = st.sampled_from([1, 2])


@st.composite
def _leaves(draw: st.DrawFn) -> PublicLeaf:
    """A v1 leaf (with a name) or a v2 leaf (no name, a same-name code; spec §21.1)."""
    version = draw(_version)
    return PublicLeaf(
        name=draw(_nfc_text) if version == 1 else "",
        sex=draw(_sex),
        stratum=draw(_nfc_text),
        twin=draw(_nfc_text),
        twin_wish=draw(_wish),
        private=draw(st.binary(min_size=32, max_size=32)),
        same_name=draw(_nfc_text) if version == 2 else "",
        version=version,
    )


@st.composite
def _pupils(draw: st.DrawFn) -> PupilRecord:
    return PupilRecord(
        row=draw(st.integers(2, 10**6)),
        name=draw(_nfc_text),
        sex=draw(_sex),
        id_number=draw(_nfc_text),
        birth_date=draw(st.dates(date(1, 1, 1), date(9999, 12, 31))),
        student_no=draw(_nfc_text),
        twin_group=draw(_nfc_text),
        twin_wish=draw(_wish),
        flags=tuple(sorted(set(draw(st.lists(_nfc_text, max_size=4))))),
    )


class TestShapes:
    @given(_leaves())
    @example(PublicLeaf('"\\\n\u0301', Sex.FEMALE, "s1", "", TwinWish.NONE, bytes(32)))
    @example(PublicLeaf("", Sex.MALE, "", "t1", TwinWish.SAME, bytes(32), '"\\\n\u0301', 2))
    def test_leaf_entry_is_rfc8785(self, leaf: PublicLeaf) -> None:
        """The pupil-leaf templates are JCS of the leaf object (spec §4.2, §21.1)."""
        assert leaf.entry() == leaf.entry_strict() == _reference(leaf.to_json())

    @given(_leaves(), _any_text)
    def test_leaf_entry_matches_the_general_fast_path_for_any_text(
        self, leaf: PublicLeaf, name: str
    ) -> None:
        """Also for text that is not NFC (unchecked, as before): the old bytes exactly."""
        v2 = leaf.version == 2
        odd = replace(
            leaf, name="" if v2 else name, stratum=name, twin=name, same_name=name if v2 else ""
        )
        assert odd.entry() == fast_json(odd.to_json())

    @given(_pupils(), st.binary(min_size=16, max_size=16), _version)
    def test_private_bytes_are_rfc8785(self, pupil: PupilRecord, salt: bytes, v: int) -> None:
        """The private-part templates are JCS of the private object (spec §4.1; v2 adds
        the name, §21.1), years below 1000 included (four digits, as isoformat writes)."""
        assert private_bytes(pupil, salt, v) == _reference(private_json(pupil, salt, v))

    @given(_pupils(), st.binary(min_size=16, max_size=16), _any_text, _version)
    def test_private_bytes_match_the_general_fast_path_for_any_text(
        self, pupil: PupilRecord, salt: bytes, text: str, v: int
    ) -> None:
        """Non-NFC text never gets this far (private_commitment refuses it), but the
        template would still write the bytes the general fast path wrote before."""
        odd = replace(pupil, name=text, student_no=text, twin_group=text, flags=(text,))
        assert private_bytes(odd, salt, v) == fast_json(private_json(odd, salt, v))

    @given(_pupils(), st.binary(min_size=16, max_size=16), _version)
    def test_private_commitment_is_the_tagged_hash(
        self, pupil: PupilRecord, salt: bytes, v: int
    ) -> None:
        """The precomputed tag prefix is ``tagged_hash`` under each version's tag (§3, §21.1)."""
        want = tagged_hash(private_tag(v), canonical_json(private_json(pupil, salt, v)))
        assert private_commitment(pupil, salt, v) == want


_teachers = st.builds(Teacher, subject=_any_text, name=_any_text)


class TestTeamLeaf:
    @given(
        st.builds(
            Team,
            number=st.integers(-(2**60), 2**60) | st.booleans(),
            label=_any_text,
            head_teacher=_any_text,
            teachers=st.lists(_teachers, max_size=8).map(tuple),
        )
    )
    @example(Team(1, "一班\n\u0301", "张\\三", (Teacher('"语文"', "李\x00"),)))
    @example(Team(True, "一班", "张三"))
    def test_team_entry_is_the_careful_path(self, team: Team) -> None:
        """The team-leaf template gives RFC 8785 bytes; whatever it does not vouch for
        (non-NFC text, unsafe or boolean numbers) is refused or written as before."""
        try:
            want: bytes | str = canonical_json_careful(team.to_json())
        except CanonicalError as e:
            want = str(e)
        try:
            got: bytes | str = team.entry()
        except CanonicalError as e:
            got = str(e)
        assert got == want
        if isinstance(want, bytes):
            assert got == _reference(team.to_json())
