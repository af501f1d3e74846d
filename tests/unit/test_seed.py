"""Commit-reveal server seed and the final seed mixed from witness inputs."""

from __future__ import annotations

import hashlib

import pytest

from placement.seed import (
    MAX_INPUT,
    SeedError,
    check_witness_input,
    final_seed,
    opens,
    seed_commitment,
)

SERVER = bytes(range(32))
DIGEST = hashlib.sha256(b"announcement").digest()
INPUTS = ("3 1 4 1 5 9", "2 7 1 8 2 8", "1 4 1 4 2 1")


def seed(**changes: object) -> bytes:
    args: dict[str, object] = {
        "announcement_digest": DIGEST,
        "server_seed": SERVER,
        "witness_inputs": INPUTS,
        "beacon": None,
    }
    args.update(changes)
    return final_seed(**args)  # type: ignore[arg-type]


class TestCommitment:
    def test_opens_with_right_seed(self):
        """The revealed server seed opens the commitment published in the announcement."""
        assert opens(seed_commitment(SERVER), SERVER)

    def test_commitment_by_hand(self):
        """The commitment is the tagged hash of the 32 seed bytes, as the spec writes it."""
        tag = b"sunshine-placement/v1/seed-commitment"
        assert seed_commitment(SERVER) == hashlib.sha256(bytes([len(tag)]) + tag + SERVER).digest()

    @pytest.mark.parametrize(
        "other", [bytes(32), SERVER[:-1] + b"\x00", SERVER[:31], SERVER + b"\x00", b""]
    )
    def test_does_not_open_with_another_seed(self, other):
        """Any other value, including a shorter or longer one, fails to open it."""
        assert not opens(seed_commitment(SERVER), other)

    @pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
    def test_commitment_needs_32_bytes(self, size):
        """The operator cannot commit to a short, guessable seed."""
        with pytest.raises(SeedError, match="32 bytes"):
            seed_commitment(bytes(size))


class TestFinalSeed:
    def test_deterministic(self):
        """Anyone with the published inputs recomputes the same 32-byte seed."""
        assert seed() == seed()
        assert len(seed()) == 32

    @pytest.mark.parametrize(
        "changes",
        [
            {"witness_inputs": ("3 1 4 1 5 8", *INPUTS[1:])},
            {"witness_inputs": (INPUTS[1], INPUTS[0], INPUTS[2])},
            {"witness_inputs": INPUTS[:2]},
            {"witness_inputs": (*INPUTS, "0")},
            {"beacon": "drand quicknet round 1000"},
            {"beacon": ""},
            {"server_seed": SERVER[:-1] + b"\xff"},
            {"announcement_digest": hashlib.sha256(b"other").digest()},
        ],
        ids=["input", "order", "fewer", "more", "beacon", "empty-beacon", "server", "announcement"],
    )
    def test_every_input_matters(self, changes):
        """Changing any witness input, their order, the beacon, server seed or announcement changes the seed."""  # noqa: E501
        assert seed(**changes) != seed()

    def test_beacon_value_matters(self):
        """Two different beacon values give two different seeds."""
        assert seed(beacon="round 1 abc") != seed(beacon="round 1 abd")

    @pytest.mark.parametrize(("a", "b"), [("3 1 4", "314"), ("3 1 4", "3  1 4"), ("7", " 7")])
    def test_inputs_kept_verbatim(self, a, b):
        """Inputs are hashed exactly as typed: spacing is not normalised away."""
        assert seed(witness_inputs=(a,)) != seed(witness_inputs=(b,))

    def test_input_boundaries_are_kept(self):
        """["12", "3"] and ["1", "23"] are different draws (no plain concatenation)."""
        assert seed(witness_inputs=("12", "3")) != seed(witness_inputs=("1", "23"))

    def test_by_hand(self):
        """The final seed is the tagged hash of the documented JCS object, rebuilt here."""
        body = (
            f'{{"announcement":"{DIGEST.hex()}","beacon":"r42",'
            f'"server_seed":"{SERVER.hex()}","witnesses":["3 1 4","王 5"]}}'
        ).encode()
        tag = b"sunshine-placement/v1/final-seed"
        expected = hashlib.sha256(bytes([len(tag)]) + tag + body).digest()
        assert seed(witness_inputs=("3 1 4", "王 5"), beacon="r42") == expected

    def test_nfd_input_same_as_nfc(self):
        """A witness typing é decomposed or composed makes the same draw (NFC)."""
        assert seed(witness_inputs=("e\u0301",)) == seed(witness_inputs=("\u00e9",))

    def test_no_witness_inputs(self):
        """A draw without any witness input is refused, bilingually."""
        with pytest.raises(SeedError) as info:
            seed(witness_inputs=())
        assert "witness" in str(info.value)
        assert "见证人" in str(info.value)

    @pytest.mark.parametrize("size", [16, 33])
    def test_wrong_digest_length(self, size):
        """The announcement digest must be a full SHA-256."""
        with pytest.raises(SeedError):
            seed(announcement_digest=bytes(size))

    def test_wrong_server_seed_length(self):
        """The server seed must be the 32 committed bytes."""
        with pytest.raises(SeedError):
            seed(server_seed=SERVER[:16])


class TestWitnessInput:
    @pytest.mark.parametrize(
        "text", ["", "   ", "\t", "1\n2", "1\x002", "a\u200bb", "x" * (MAX_INPUT + 1)]
    )
    def test_refused(self, text):
        """Empty, unprintable or over-long inputs are refused with a message in both languages."""
        with pytest.raises(SeedError) as info:
            check_witness_input(text)
        msg = str(info.value)
        assert "witness input" in msg
        assert "见证人输入" in msg

    def test_refused_inside_final_seed(self):
        """final_seed applies the same check to every input."""
        with pytest.raises(SeedError):
            seed(witness_inputs=("1 2 3", ""))

    @pytest.mark.parametrize("text", ["3 1 4", "x" * MAX_INPUT, "王芳 12", "😀"])
    def test_accepted_verbatim(self, text):
        """Accepted inputs come back unchanged."""
        assert check_witness_input(text) == text
