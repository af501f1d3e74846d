"""A record bundle's members (spec §17): manifest, required files, privacy of the public kind."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from placement import jws
from placement.canonical import Json
from placement.errors import PlacementError
from placement.idcard import parse_resident_id
from verifier.checks import first, require
from verifier.errors import Failed
from verifier.formats import DRAW_ID, HEX64, is_time
from verifier.signatures import DocumentCache

BUNDLE_TYPE = "sunshine-placement/v1/bundle"
BUNDLE_TYPES = {1: BUNDLE_TYPE, 2: "sunshine-placement/v2/bundle"}
MANIFEST = "manifest.json"
_FIXED = frozenset(
    {
        MANIFEST,
        "keyring.json",
        "announcement.jws",
        "ceremony.jws",
        "result.jws",
        "roster/leaves.json",
        "teams.json",
        "log/checkpoint",
        "log/entries.json",
    }
)
PRIVATE = ("private/leaves.json", "private/codes.json")
_PATTERNS = (
    re.compile(r"statements/[0-9]{2,}\.jws"),
    re.compile(r"amendments/[1-9][0-9]*\.jws"),
    re.compile(r"statements/[0-9]{2,}\.v[1-9][0-9]*\.jws"),  # Part E: later versions (§E2)
    re.compile(r"exceptions/[1-9][0-9]*\.(?:request|decision)\.jws"),
    re.compile(r"private/late-leaves\.json"),
    re.compile(r"log/checkpoints/(?:0|[1-9][0-9]*)"),
    re.compile(r"log/consistency/(?:0|[1-9][0-9]*)-(?:0|[1-9][0-9]*)"),
    re.compile(r"log/proofs/(?:0|[1-9][0-9]*)\.tlog-proof"),
    re.compile(r"schemas/[a-z0-9-]+\.schema\.json"),
)
_ALWAYS = (
    "keyring.json",
    "announcement.jws",
    "roster/leaves.json",
    "teams.json",
    "log/checkpoint",
    "log/entries.json",
)
DRAWN = ("ceremony.jws", "result.jws")
# An 18-character resident ID number: 6 region digits, a birth date, 3 digits and a check
# character, not part of a longer run of (hex) digits such as a digest.
_ID_NUMBER = re.compile(
    r"(?<![0-9a-f])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx](?![0-9a-f])"
)
_SALT_VALUE = re.compile(r'"salt"\s*:\s*"')


@dataclass(frozen=True, slots=True)
class Manifest:
    kind: str
    draw: str
    created: str
    files: Mapping[str, str]
    version: int = 1


def read_json(members: Mapping[str, bytes], name: str) -> Json:
    try:
        return json.loads(members[name].decode("utf-8"))  # type: ignore[no-any-return]
    except KeyError:
        raise Failed(f"记录包缺少 {name}", f"the bundle has no {name}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise Failed(f"{name} 不是有效的 JSON", f"{name} is not valid JSON") from e


def manifest(members: Mapping[str, bytes]) -> Manifest:
    """The manifest, checked against every other member's SHA-256."""
    doc = read_json(members, MANIFEST)
    keys = {"created", "draw", "files", "kind", "t", "version"}
    require(
        isinstance(doc, dict) and set(doc) == keys,
        "清单字段不符",
        f"manifest.json must have exactly the fields {sorted(keys)}",
    )
    assert isinstance(doc, dict)
    kind, draw, created, files = doc["kind"], doc["draw"], doc["created"], doc["files"]
    version = doc["version"]
    require(
        version in BUNDLE_TYPES and not isinstance(version, bool),
        "清单版本不是 1 或 2",
        "manifest version is not 1 or 2",
    )
    assert isinstance(version, int)
    require(
        doc["t"] == BUNDLE_TYPES[version],
        "清单类型不符",
        f"manifest type is not {BUNDLE_TYPES[version]}",
    )
    require(kind in {"public", "archive"}, "清单种类无效", 'kind must be "public" or "archive"')
    require(
        isinstance(draw, str) and DRAW_ID.fullmatch(draw) is not None,
        "抽签编号格式无效",
        "the draw id is malformed",
    )
    require(is_time(created), "创建时间格式无效", "the creation time is malformed")
    require(isinstance(files, dict), "files 须为对象", "files must be an object")
    assert isinstance(files, dict)
    assert isinstance(kind, str)
    assert isinstance(draw, str)
    listed = set(files)
    present = set(members) - {MANIFEST}
    problems = [
        (f"{p} 未列入清单", f"{p} is not listed in the manifest") for p in sorted(present - listed)
    ]
    problems += [
        (f"清单列出的 {p} 不在包中", f"{p} is listed but missing") for p in sorted(listed - present)
    ]
    for p in sorted(listed & present):
        digest = files[p]
        if not (isinstance(digest, str) and HEX64.fullmatch(digest)):
            problems.append((f"{p} 的哈希格式无效", f"the hash of {p} is malformed"))
        elif hashlib.sha256(members[p]).hexdigest() != digest:
            problems.append((f"{p} 与清单中的哈希不符", f"{p} does not match its manifest hash"))
    if problems:
        raise first(problems)
    return Manifest(kind, draw, str(created), {str(k): str(v) for k, v in files.items()}, version)


def allowed(path: str) -> bool:
    return path in _FIXED or path in PRIVATE or any(p.fullmatch(path) for p in _PATTERNS)


def check_members(members: Mapping[str, bytes], kind: str) -> tuple[str, str]:
    """Required members present, nothing outside the layout; → what was found."""
    problems = [(f"未知文件 {p}", f"unexpected member {p}") for p in members if not allowed(p)]
    problems += [(f"缺少 {p}", f"{p} is missing") for p in _ALWAYS if p not in members]
    drawn = [p for p in DRAWN if p in members]
    statements = [p for p in members if p.startswith("statements/")]
    if drawn or statements:
        problems += [(f"缺少 {p}", f"{p} is missing") for p in DRAWN if p not in members]
        if not statements:
            problems.append(("缺少班级名单声明", "there are no class statements"))
    if kind == "archive":
        problems += [(f"档案包缺少 {p}", f"archive lacks {p}") for p in PRIVATE if p not in members]
    elif any(p.startswith("private/") for p in members):
        problems.append(("公开包含有 private/ 文件", "a public bundle holds private/ members"))
    if problems:
        raise first(problems)
    if not drawn:
        return (
            f"{len(members)} 个文件；无开奖记录（已撤销的抽签）",
            f"{len(members)} members; no ceremony or result (a cancelled draw)",
        )
    return (
        f"{len(members)} 个文件，含 {len(statements)} 份班级名单声明",
        f"{len(members)} members, {len(statements)} class statements",
    )


def _texts(members: Mapping[str, bytes], cache: DocumentCache) -> Iterator[tuple[str, str]]:
    """(member, text) for every member, and the decoded payload of each JWS."""
    for name, data in members.items():
        yield name, name
        text = data.decode("utf-8", errors="replace")
        if not name.endswith(".jws"):
            yield name, text
            continue
        # base64url text may spell anything by chance: look at what it encodes.
        try:
            parsed = jws.parse(text)
            for sig in parsed.signatures:
                yield name, json.dumps(sig.header, ensure_ascii=False)
            yield name, json.dumps(cache.document(text, parsed), ensure_ascii=False)
        except (PlacementError, RecursionError):
            continue  # an unreadable JWS fails its own check


def _is_id_number(text: str) -> bool:
    try:
        parse_resident_id(text)
    except PlacementError:
        return False
    return True


def privacy_problems(
    members: Mapping[str, bytes], cache: DocumentCache | None = None
) -> list[tuple[str, str]]:
    """ID-number-shaped text or salts anywhere in a public bundle; ``cache`` shares the
    document of each JWS with the other checks."""
    problems = []
    for name, text in _texts(members, DocumentCache() if cache is None else cache):
        if any(_is_id_number(m.group()) for m in _ID_NUMBER.finditer(text)):
            problems.append(
                (f"{name} 含有身份证号样式的文字", f"{name} holds an ID-number pattern")
            )
        if _SALT_VALUE.search(text):
            problems.append((f"{name} 含有“salt”（盐值）", f"{name} mentions a salt"))
    return sorted(set(problems))
