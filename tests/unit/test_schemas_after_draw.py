"""JSON Schemas of the Part E documents (verifier/schemas/exceptions) and of the protocol
v2 documents (verifier/schemas/v2): each is valid 2020-12, closed, and accepts every
document of the generated vector bundles while refusing mutated copies.

They live in sub-folders so that a v1 bundle keeps carrying exactly the released v1 set
(spec §24.2: a v1 bundle's ``schemas/`` is compared byte for byte with it).
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from receiptkit import receipts
from referencing import Registry, Resource
from schemakit import Validator

import verifier
from placement.jws import parse
from web.portal.changes import changes_json
from web.record.bundle import schemas as bundled_schemas

ROOT = Path(verifier.__file__).resolve().parent / "schemas"
VECTORS = Path(__file__).resolve().parents[1] / "vectors"
BASE = "https://sunshine-placement.example/schemas/"
LATER = sorted([*ROOT.glob("exceptions/*.schema.json"), *ROOT.glob("v2/*.schema.json")])
ALL = [*ROOT.glob("*.schema.json"), *LATER]
SCHEMAS = {str(p.relative_to(ROOT)): json.loads(p.read_text("utf-8")) for p in ALL}
MAX_SAFE = 2**53 - 1


REGISTRY: Registry = Registry().with_resources(
    (s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()
)


def errors(name: str, doc: Any) -> list[str]:
    validator = Validator(
        SCHEMAS[name], registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _doc(data: bytes) -> dict[str, Any]:
    return parse(data.decode()).document()  # type: ignore[return-value]


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key not in {"const", "enum", "required", "description", "$comment", "if"}:
                yield from _nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nodes(item)


@pytest.mark.parametrize("path", LATER, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schema_file(path: Path) -> None:
    """Valid 2020-12, its $id under its folder's version, bilingual title, stable bytes,
    closed objects with every field required, bounded integers, used $defs."""
    schema = json.loads(path.read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    version = "v2" if path.parent.name == "v2" else "v1"
    assert schema["$id"] == f"{BASE}{version}/{path.name}"
    assert re.search("[\u4e00-\u9fff]", schema["title"])
    assert re.search(r"[A-Za-z]{3}", schema["description"])
    want = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert path.read_bytes() == want.encode("utf-8")
    for node in _nodes(schema):
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False
            assert set(node["properties"]) == set(node["required"])
        if node.get("type") == "integer" and not {"const", "enum"} & set(node):
            assert -MAX_SAFE <= node["minimum"] <= node["maximum"] <= MAX_SAFE
    refs = set(re.findall(r'"\$ref": "#/\$defs/([a-z_]+)"', json.dumps(schema)))
    assert refs == set(schema.get("$defs", {}))


def test_readme_names_every_later_schema() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for path in LATER:
        assert f"`{path.parent.name}/{path.name}`" in readme


def test_v1_bundles_still_carry_the_released_set() -> None:
    """The sub-folders are not shipped in v1 bundles (§24.2 compares them byte for byte)."""
    assert sorted(bundled_schemas()) == sorted(
        f"schemas/{p.name}" for p in ROOT.glob("*.schema.json")
    )


def _story(version: int) -> dict[str, bytes]:
    return _members(VECTORS / f"v{version}" / "exceptions" / "bundle-archive.zip")


@pytest.mark.parametrize("version", [1, 2])
def test_exception_documents_of_the_vectors(version: int) -> None:
    """Every request, decision and statement version of the Part E vectors is accepted."""
    files = _story(version)
    kinds = set()
    for path, data in sorted(files.items()):
        doc = _doc(data) if path.endswith(".jws") else None
        if path.endswith(".request.jws"):
            kinds.add(doc["kind"])  # type: ignore[index]
            assert errors("exceptions/exception-request.schema.json", doc) == [], path
        elif path.endswith(".decision.jws"):
            assert errors("exceptions/exception-decision.schema.json", doc) == [], path
        elif re.fullmatch(r"statements/\d+\.v\d+\.jws", path):
            where = "v2" if version == 2 else "exceptions"
            assert errors(f"{where}/class-statement-version.schema.json", doc) == [], path
    assert kinds == {
        "late-placement",
        "transfer-in",
        "transfer-out",
        "correction",
        "teacher-change",
    }


def test_changes_index_of_the_vectors() -> None:
    index = changes_json(
        (VECTORS / f"v{v}" / "exceptions" / "bundle-public.zip").read_bytes() for v in (1, 2)
    )
    assert len(index["draws"]) == 2  # type: ignore[arg-type]
    assert errors("exceptions/changes-index.schema.json", index) == []
    bad = copy.deepcopy(index)
    first = next(iter(bad["draws"].values()))  # type: ignore[union-attr]
    first["classes"]["1"]["statement"] = "not a JWS"
    assert errors("exceptions/changes-index.schema.json", bad)


def test_v2_record_documents() -> None:
    """The v2 archive's announcement, statements, leaves, private objects and manifest,
    and the v2 receipts vector, are accepted."""
    files = _story(2)
    assert errors("v2/announcement.schema.json", _doc(files["announcement.jws"])) == []
    for path in (p for p in files if re.fullmatch(r"statements/\d+\.jws", p)):
        assert errors("v2/class-statement.schema.json", _doc(files[path])) == [], path
    for leaf in json.loads(files["roster/leaves.json"]):
        assert errors("v2/pupil-leaf.schema.json", leaf) == []
    for private in json.loads(files["private/leaves.json"]):
        assert errors("v2/pupil-private.schema.json", private) == []
    for private in json.loads(files["private/late-leaves.json"]).values():
        assert errors("v2/pupil-private.schema.json", private) == []
    manifest = json.loads(files["manifest.json"])
    assert errors("v2/bundle-manifest.schema.json", manifest) == []
    receipts = json.loads((VECTORS / "v2" / "receipts.json").read_text("utf-8"))["cases"]
    for case in receipts:
        assert errors("v2/receipt.schema.json", case["receipt"]) == [], case["name"]


def _request(version: int, kind: str) -> dict[str, Any]:
    for path, data in sorted(_story(version).items()):
        if path.endswith(".request.jws") and (doc := _doc(data))["kind"] == kind:
            return doc
    raise AssertionError(kind)


MUTATIONS = [
    ("extra key", lambda d: d.update(extra=1)),
    ("class change", lambda d: d.update(kind="class-change")),
    ("school approves itself", lambda d: d["requested_by"].update(role="bureau-admin")),
    ("no evidence", lambda d: d["detail"].pop("evidence")),
    ("bad digest", lambda d: d.update(result=d["result"].upper())),
]


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(("what", "mutate"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_mutated_requests_refused(version: int, what: str, mutate: Any) -> None:
    doc = copy.deepcopy(_request(version, "correction"))
    mutate(doc)
    assert errors("exceptions/exception-request.schema.json", doc), what


def test_v2_pair_and_v1_index_not_mixed() -> None:
    v1, v2 = _request(1, "correction"), _request(2, "correction")
    mixed = copy.deepcopy(v2)
    mixed["detail"]["changes"][0]["pupil"] = v1["detail"]["changes"][0]["pupil"]
    assert errors("exceptions/exception-request.schema.json", mixed)
    late = copy.deepcopy(_request(2, "late-placement"))
    late["detail"]["leaf"]["name"] = "宋雨桐"  # a v2 leaf carries no name
    assert errors("exceptions/exception-request.schema.json", late)


def test_refusal_places_nobody() -> None:
    decision = next(_doc(d) for p, d in sorted(_story(1).items()) if p.endswith(".decision.jws"))
    refused = {**decision, "decision": "refused", "placed": 3, "waivers": []}
    assert errors("exceptions/exception-decision.schema.json", refused)
    waived = {**decision, "decision": "refused", "placed": None, "waivers": ["cap"]}
    assert errors("exceptions/exception-decision.schema.json", waived)
    ok = {**decision, "decision": "refused", "placed": None, "waivers": []}
    assert errors("exceptions/exception-decision.schema.json", ok) == []


def test_added_receipts() -> None:
    """Every added pupil's receipt (§E6) of both stories; a v2 private part under a v1
    leaf's receipt still passes the shape (the verifier checks the pairing), a missing
    digest does not."""
    for version in (1, 2):
        for receipt, _ in receipts(version):
            assert errors("exceptions/added-receipt.schema.json", receipt) == []
            bad = {k: v for k, v in receipt.items() if k != "decision"}
            assert errors("exceptions/added-receipt.schema.json", bad)
