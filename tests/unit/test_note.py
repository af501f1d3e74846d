"""C2SP signed notes: the published examples parse, every malformation is refused."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from placement.errors import PlacementError
from placement.keyring import parse_vkey
from placement.note import (
    MAX_NOTE_BYTES,
    MAX_SIGNATURES,
    Note,
    NoteError,
    NoteSignature,
    check_key_name,
    decode_base64,
    format_note,
    parse_note,
    signature_line,
    signed_message,
)

# The example of C2SP signed-note.md (github.com/C2SP/C2SP, signed-note.md): its text
# contains an empty line, so only the *last* blank line separates the signatures.
C2SP_NOTE = (
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed è subito sera.\n"
    "\n"
    "— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMo"
    "uFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)

# The example of C2SP tlog-checkpoint.md (github.com/C2SP/C2SP, tlog-checkpoint.md).
C2SP_CHECKPOINT = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhc"
    "yv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)

# The reference implementation's test vectors: golang.org/x/mod/sumdb/note, note_test.go
# (TestOpen): the PeterNeumann key, text and signature, and a second (EnochRoot) signature.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_PETER = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox3"
    "3WWd1RvMc+QQ=\n"
)
GO_NOTE = GO_TEXT + "\n" + GO_PETER


def _sig(name: str = "log.example/a", kid: bytes = b"\x01\x02\x03\x04") -> NoteSignature:
    return NoteSignature(name, kid, bytes(range(64)))


def test_c2sp_signed_note_example_parses() -> None:
    note = parse_note(C2SP_NOTE)
    assert note.body == C2SP_NOTE[: C2SP_NOTE.rindex("\n\n") + 1]
    assert note.body.count("\n") == 4
    (sig,) = note.signatures
    assert sig.name == "quasimodo.example/salvatore"
    assert len(sig.key_id) == 4
    assert len(sig.signature) == 64
    assert format_note(note.body, note.signatures) == C2SP_NOTE
    assert signed_message(note) == note.body.encode()


def test_c2sp_checkpoint_example_parses() -> None:
    note = parse_note(C2SP_CHECKPOINT)
    assert note.body.splitlines() == [
        "example.com/behind-the-sofa",
        "20852163",
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
    ]
    assert [s.name for s in note.signatures] == ["example.com/behind-the-sofa"]
    assert format_note(note.body, note.signatures) == C2SP_CHECKPOINT


def test_go_reference_note_verifies_over_signed_message() -> None:
    name, kid, public = parse_vkey(GO_VKEY)
    note = parse_note(GO_NOTE.encode())
    (sig,) = note.signatures
    assert (sig.name, sig.key_id) == (name, kid) == ("PeterNeumann", bytes.fromhex("c74f20a3"))
    assert signed_message(note) == GO_TEXT.encode()
    Ed25519PublicKey.from_public_bytes(public).verify(sig.signature, signed_message(note))
    assert signature_line(sig.name, sig.key_id, sig.signature) == GO_PETER


def test_go_two_signatures_keep_their_order() -> None:
    note = parse_note(GO_TEXT + "\n" + GO_PETER + GO_ENOCH)
    assert [s.name for s in note.signatures] == ["PeterNeumann", "EnochRoot"]
    assert note.signatures[1].key_id == bytes.fromhex("af0cfe78")


# The malformed messages of TestOpen in golang.org/x/mod/sumdb/note note_test.go.
GO_BAD = [
    GO_TEXT,
    GO_TEXT + "\n",
    GO_TEXT + "\n" + GO_PETER[:-1],
    "\x01" + GO_TEXT + "\n" + GO_PETER,
    GO_TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX"
    "gKvqfqdngotpRZb6KE6RyyBwJnAM=",
    GO_TEXT + "\n" + GO_PETER + "Unexpected line.\n",
]


@pytest.mark.parametrize("text", GO_BAD)
def test_go_malformed_notes_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_note(text)


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        parse_note(b"\xff" + GO_NOTE.encode())
    with pytest.raises(NoteError, match="UTF-8"):
        parse_note("caf\udce9\n\n" + GO_PETER)


@pytest.mark.parametrize("ctrl", ["\t", "\r", "\x00", "\x1f"])
def test_control_characters_are_refused_in_text_and_signatures(ctrl: str) -> None:
    with pytest.raises(NoteError, match="control"):
        parse_note(GO_TEXT.replace("problem,", "problem," + ctrl) + "\n" + GO_PETER)
    with pytest.raises(NoteError, match="control"):
        parse_note(GO_TEXT + "\n" + GO_PETER.replace("=\n", "=" + ctrl + "\n"))


def test_delete_and_non_ascii_are_not_control_characters() -> None:
    note = parse_note("a\x7f 阳光分班 \u2028\n\n" + GO_PETER)
    assert note.body == "a\x7f 阳光分班 \u2028\n"


def test_final_newline_is_required() -> None:
    with pytest.raises(NoteError, match="end in a newline"):
        parse_note(GO_NOTE[:-1])


def test_blank_line_separator_is_required() -> None:
    with pytest.raises(NoteError, match="blank line"):
        parse_note(GO_TEXT + GO_PETER)


def test_at_least_one_signature_is_required() -> None:
    with pytest.raises(NoteError, match="at least one signature"):
        parse_note(GO_TEXT + "\n")
    with pytest.raises(NoteError, match="at least one signature"):
        parse_note(GO_TEXT + "\n\n")


def test_text_may_contain_empty_lines_and_end_with_one() -> None:
    body = "\nfirst\n\n\nlast\n\n"
    note = parse_note(format_note(body, [_sig()]))
    assert note.body == body
    assert parse_note("\n\n" + GO_PETER).body == "\n"  # the spec allows a text of one empty line


_PETER_B64 = GO_PETER.split(" ")[2].rstrip("\n")


@pytest.mark.parametrize(
    "line",
    [
        f"- PeterNeumann {_PETER_B64}",  # hyphen, not em dash
        f"\u2013 PeterNeumann {_PETER_B64}",  # en dash
        f"—PeterNeumann {_PETER_B64}",  # no space after the dash
        f" — PeterNeumann {_PETER_B64}",  # leading space
    ],
)
def test_signature_line_must_start_with_em_dash_space(line: str) -> None:
    with pytest.raises(NoteError, match="em dash"):
        parse_note(GO_TEXT + "\n" + line + "\n")


@pytest.mark.parametrize("name", ["", "a+b", "a b", "a\u3000b", "a\xa0b", "a\u2009b", "a\u0085b"])
def test_key_name_rules(name: str) -> None:
    with pytest.raises(NoteError, match="key name"):
        check_key_name(name)
    with pytest.raises(NoteError):
        parse_note(GO_TEXT + "\n" + GO_PETER.replace("PeterNeumann", name))
    with pytest.raises(NoteError):
        signature_line(name, b"\0\0\0\0", b"x")


def test_key_names_may_be_any_other_unicode() -> None:
    assert check_key_name("洮北区教育局/日志—2024") == "洮北区教育局/日志—2024"


def test_signature_must_be_present() -> None:
    with pytest.raises(NoteError, match="no signature"):
        parse_note(GO_TEXT + "\n— PeterNeumann\n")
    with pytest.raises(NoteError, match="no signature"):
        parse_note(GO_TEXT + "\n— PeterNeumann \n")


@pytest.mark.parametrize(
    "b64",
    [
        "x08go/ZJ!!",  # not the alphabet
        "x08go_ZJ",  # base64url, not standard
        "AAAAAAA",  # missing padding
        "AAAAAAB=",  # non-zero trailing bits: not canonical
        "AAAA AAA=",  # a second space
        "AAAAAAA= ",  # a trailing space
    ],
)
def test_signature_must_be_canonical_standard_base64(b64: str) -> None:
    with pytest.raises(NoteError, match="base64"):
        parse_note(f"{GO_TEXT}\n— PeterNeumann {b64}\n")


def test_signature_needs_key_id_and_at_least_one_byte() -> None:
    four = base64.b64encode(b"\1\2\3\4").decode()
    five = base64.b64encode(b"\1\2\3\4\5").decode()
    with pytest.raises(NoteError, match="5 bytes"):
        parse_note(f"{GO_TEXT}\n— k {four}\n")
    (sig,) = parse_note(f"{GO_TEXT}\n— k {five}\n").signatures
    assert (sig.key_id, sig.signature) == (b"\1\2\3\4", b"\5")


def test_signature_count_limit() -> None:
    assert len(parse_note(GO_TEXT + "\n" + GO_PETER * 16).signatures) == 16
    assert len(parse_note(GO_TEXT + "\n" + GO_PETER * MAX_SIGNATURES).signatures) == 100
    with pytest.raises(NoteError, match="more than 100"):
        parse_note(GO_TEXT + "\n" + GO_PETER * (MAX_SIGNATURES + 1))
    with pytest.raises(NoteError, match="more than 100"):
        format_note(GO_TEXT, [_sig()] * (MAX_SIGNATURES + 1))


def test_post_quantum_sized_signatures_fit() -> None:
    big = NoteSignature("pq.example/log", b"\xff\0\0\1", bytes(4_700))
    assert parse_note(format_note(GO_TEXT, [big] * 16)).signatures == (big,) * 16


def test_size_limit() -> None:
    huge = "x" * MAX_NOTE_BYTES + "\n"
    with pytest.raises(NoteError, match="exceeds"):
        parse_note(huge + "\n" + GO_PETER)
    with pytest.raises(NoteError, match="exceeds"):
        parse_note((huge + "\n" + GO_PETER).encode())
    with pytest.raises(NoteError, match="exceeds"):
        format_note(huge, [_sig()])


@pytest.mark.parametrize("body", ["", "no newline", "tab\there\n", "cr\r\n"])
def test_format_refuses_bad_bodies(body: str) -> None:
    with pytest.raises(NoteError):
        format_note(body, [_sig()])
    with pytest.raises(NoteError):
        signed_message(Note(body, (_sig(),)))


def test_format_refuses_bad_signatures() -> None:
    with pytest.raises(NoteError, match="at least one"):
        format_note(GO_TEXT, [])
    with pytest.raises(NoteError, match="4-byte key ID"):
        format_note(GO_TEXT, [_sig(kid=b"\1\2\3")])
    with pytest.raises(NoteError, match="4-byte key ID"):
        format_note(GO_TEXT, [NoteSignature("k", b"\1\2\3\4", b"")])


def test_decode_base64_is_strict() -> None:
    assert decode_base64("AQID") == b"\1\2\3"
    with pytest.raises(NoteError):
        decode_base64("AQI")
    with pytest.raises(NoteError):
        decode_base64("ÄQID")


def test_note_error_is_a_placement_error() -> None:
    assert issubclass(NoteError, PlacementError)


_NAME = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), exclude_characters="+\x85"
    ),
    min_size=1,
    max_size=20,
)
_BODY = st.lists(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=30), min_size=1
).map(lambda lines: "\n".join(lines) + "\n")


@given(
    body=_BODY,
    sigs=st.lists(
        st.builds(
            NoteSignature,
            _NAME,
            st.binary(min_size=4, max_size=4),
            st.binary(min_size=1, max_size=80),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_round_trip(body: str, sigs: list[NoteSignature]) -> None:
    text = format_note(body, sigs)
    assert parse_note(text) == Note(body, tuple(sigs))
    assert parse_note(text.encode()) == Note(body, tuple(sigs))
    assert format_note(body, parse_note(text).signatures) == text
