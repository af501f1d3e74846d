"""The request schema (verifier/schemas/exceptions) allows ``detail.twin_of`` (spec §E7)
where the spec does: in an added pupil's request, as a positive integer."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_schemas_after_draw import VECTORS, _doc, _members, _request, errors

SCHEMA = "exceptions/exception-request.schema.json"


def _twin_requests() -> list[dict[str, Any]]:
    files = _members(VECTORS / "v1" / "exceptions-twins" / "bundle-public.zip")
    return [_doc(d) for p, d in sorted(files.items()) if p.endswith(".request.jws")]


def test_every_request_of_the_twin_vectors_is_accepted() -> None:
    docs = _twin_requests()
    assert sum("twin_of" in d["detail"] for d in docs) == 2
    for doc in docs:
        assert errors(SCHEMA, doc) == [], doc["number"]


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("kind", ["late-placement", "transfer-in"])
def test_added_pupils_may_name_their_twin(version: int, kind: str) -> None:
    doc = copy.deepcopy(_request(version, kind))
    doc["detail"]["twin_of"] = 1
    assert errors(SCHEMA, doc) == []
    for bad in (0, -1, "1", 1.5, True, None):
        doc["detail"]["twin_of"] = bad
        assert errors(SCHEMA, doc), bad


@pytest.mark.parametrize("kind", ["transfer-out", "correction"])
def test_other_kinds_take_no_twin_of(kind: str) -> None:
    doc = copy.deepcopy(_request(1, kind))
    doc["detail"]["twin_of"] = 1
    assert errors(SCHEMA, doc)
