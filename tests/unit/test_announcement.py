"""The announcement document: canonical round trip, strict parsing, and its digest."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest
from samples import sample_announcement

from placement.announcement import (
    ANNOUNCEMENT_TYPE,
    AnnouncementError,
    from_json,
)
from placement.canonical import canonical_json
from placement.errors import PlacementError

ANN = sample_announcement(
    strata=(("sex:F", 190), ("sex:M", 210), ("stratum:s1", 7), ("twin:same", 4)),
    witnesses=("家长代表 贾雪", "区教育局监督员"),
)


def published() -> dict:
    """The announcement as a reader gets it: parsed from its canonical bytes."""
    return json.loads(ANN.canonical())


class TestRoundTrip:
    def test_round_trip(self):
        """Published bytes parse back to the very same announcement."""
        assert from_json(published()) == ANN

    def test_round_trip_with_beacon(self):
        """A declared beacon round survives the round trip."""
        ann = dataclasses.replace(ANN, beacon="drand quicknet 12345678")
        assert from_json(json.loads(ann.canonical())) == ann

    def test_canonical_is_rfc8785(self):
        """The published bytes are the canonical JSON of the document."""
        assert ANN.canonical() == canonical_json(ANN.to_json())
        assert json.loads(ANN.canonical())["t"] == ANNOUNCEMENT_TYPE

    def test_digest_by_hand(self):
        """The digest is SHA-256(u8(len(tag)) ‖ tag ‖ canonical bytes)."""
        tag = b"sunshine-placement/v1/announcement"
        expected = hashlib.sha256(bytes([len(tag)]) + tag + ANN.canonical()).digest()
        assert ANN.digest() == expected

    def test_digest_changes_with_any_field(self):
        """Changing e.g. the roster size after publication changes the digest."""
        doc = published()
        doc["roster"]["size"] = 401
        assert from_json(doc).digest() != ANN.digest()


class TestStrictParsing:
    def test_refuses_extra_field(self):
        """A document with a field this version does not know is refused."""
        doc = published()
        doc["note"] = "extra"
        with pytest.raises(AnnouncementError):
            from_json(doc)

    def test_refuses_extra_nested_field(self):
        """Extra fields inside nested objects are refused too."""
        doc = published()
        doc["roster"]["salt"] = "00"
        with pytest.raises(AnnouncementError):
            from_json(doc)

    @pytest.mark.parametrize(
        "t", ["sunshine-placement/v1/result", "sunshine-placement/v2/announcement", None]
    )
    def test_refuses_wrong_type_tag(self, t):
        """A result, a future version or an untyped document is not an announcement."""
        doc = published()
        doc["t"] = t
        with pytest.raises(AnnouncementError):
            from_json(doc)

    def test_refuses_missing_field(self):
        """Every field is required."""
        doc = published()
        del doc["seed_commitment"]
        with pytest.raises(AnnouncementError):
            from_json(doc)

    @pytest.mark.parametrize(
        "path",
        [
            ("year",),
            ("class_cap",),
            ("size_tolerance",),
            ("roster", "size"),
            ("teams", "count"),
            ("strata", "sex:F"),
        ],
    )
    def test_refuses_boolean_for_integer(self, path):
        """true is not 1: a boolean where an integer belongs is refused."""
        doc = published()
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = True
        with pytest.raises(AnnouncementError):
            from_json(doc)

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("year", "2024"),
            ("year", 2024.0),
            ("school", 7),
            ("witnesses", "贾雪"),
            ("level", "high"),
        ],
    )
    def test_refuses_wrong_types(self, key, value):
        """Strings, floats and unknown levels in the wrong place are refused."""
        doc = published()
        doc[key] = value
        with pytest.raises(AnnouncementError):
            from_json(doc)

    def test_refuses_uppercase_hex(self):
        """Only one spelling of a hash is accepted, so the digest is unambiguous."""
        doc = published()
        doc["seed_commitment"] = doc["seed_commitment"].upper()
        with pytest.raises(AnnouncementError):
            from_json(doc)

    def test_refuses_non_nfc_text(self):
        """A decomposed school name is not the canonical document."""
        doc = published()
        doc["school"] = "Ecole\u0301"
        with pytest.raises(AnnouncementError):
            from_json(doc)

    def test_error_is_a_placement_error(self):
        """One except clause catches every core error."""
        assert issubclass(AnnouncementError, PlacementError)
