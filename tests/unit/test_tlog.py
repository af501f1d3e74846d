"""The transparency log's pure parts: entries, C2SP checkpoints/proofs/tiles, event order."""

from __future__ import annotations

from hashlib import sha256

import pytest

from placement import merkle
from placement.canonical import Json
from placement.errors import PlacementError
from placement.merkle import MerkleTree, leaf_hash
from placement.note import NoteSignature, format_note
from placement.tlog import (
    DETAIL_FIELDS,
    LOG_ENTRY_TYPE,
    PROOF_HEADER,
    Actor,
    Checkpoint,
    Event,
    Proof,
    TlogError,
    check_draw_events,
    checkpoint_body,
    checkpoint_of,
    entries_from_tiles,
    entry,
    entry_bytes,
    entry_from_json,
    entry_leaf_hash,
    format_hashes,
    format_proof,
    parse_checkpoint,
    parse_hashes,
    parse_proof,
    proof_includes,
    root_from_tiles,
    tile_layout,
    tile_path,
    tile_paths_for,
    tiles,
)
from placement.tlog_tiles import entries_path, index_path

T = "2024-08-14T09:31:05+08:00"
DRAW = "taobei-2024-shiyan-primary"
A, C, R, R2, M = ("a" * 64, "c" * 64, "e" * 64, "f" * 64, "0" * 64)
LOG = "taobei.edu.example/log"
SIG = NoteSignature(LOG, b"\1\2\3\4", bytes(64))

DETAILS: dict[Event, dict[str, Json]] = {
    Event.PUBLISHED: {"digest": A},
    Event.CANCELLED: {"digest": A, "reason": "公告有误 / wrong roster"},
    Event.WITNESS: {"index": 0, "input": "3 1 4", "role": "家长代表"},
    Event.REVEALED: {"digest": C},
    Event.PERFORMED: {"digest": R},
    Event.SIGNED: {"digest": R},
    Event.PRINTED: {"copies": 2, "digest": R},
    Event.EXPORTED: {"digest": R, "kind": "public"},
    Event.AMENDED: {"digest": M},
    Event.REQUESTED: {"digest": M, "number": 1},
    Event.DECIDED: {"decision": "approved", "digest": M, "number": 1},
    Event.ROTATED: {"from": "taobei.edu.example/bureau+0011aabb", "to": "x/y+0011aabc"},
}


def mk(event: Event, draw: str = DRAW, **detail: Json) -> dict[str, Json]:
    return entry(
        event=event,
        draw_id=draw,
        actor=Actor.BUREAU,
        time=T,
        detail={**DETAILS[event], **detail},
    )


# --- entries ---------------------------------------------------------------------------------


def test_events_and_actors_are_exactly_the_spec_tables() -> None:
    assert {e.value for e in Event} == {
        "announcement.published",
        "announcement.cancelled",
        "witness.entered",
        "seed.revealed",
        "draw.performed",
        "result.signed",
        "sheets.printed",
        "bundle.exported",
        "amendment.approved",
        "exception.requested",  # Part E, §E4
        "exception.decided",
        "key.rotated",  # v2 §23.3
    }
    assert {a.value for a in Actor} == {"bureau", "school", "supervisor", "witness", "system"}
    assert set(DETAIL_FIELDS) == set(Event)


@pytest.mark.parametrize("event", list(Event))
def test_every_event_makes_a_canonical_entry(event: Event) -> None:
    e = mk(event)
    assert e == {
        "actor": "bureau",
        "detail": DETAILS[event],
        "draw": DRAW,
        "event": event.value,
        "t": LOG_ENTRY_TYPE,
        "time": T,
    }
    assert entry_from_json(e) == e
    raw = entry_bytes(e)
    assert raw.startswith(b'{"actor":"bureau","detail":{')
    assert entry_leaf_hash(e) == sha256(b"\0" + raw).digest() == leaf_hash(raw)


def test_time_forms() -> None:
    for ok in ("2024-08-14T09:31:05-05:00", "2024-08-14T09:31:05+08:00"):
        assert entry(
            event="seed.revealed", draw_id="d", actor="system", time=ok, detail={"digest": C}
        )
    bad_times = ["2024-08-14T09:31:05", "2024-08-14T09:31:05Z", "2024-08-14"]
    bad_times += ["2024-08-14T09:31:05.123456+08:00"]  # one spelling per instant: no fractions
    bad_times += ["2024-13-14T09:31:05+08:00", "2024-08-14 09:31:05+08:00"]
    for bad in [*bad_times, "２０２４-08-14T09:31:05+08:00"]:
        with pytest.raises(TlogError, match="time"):
            entry(
                event="seed.revealed", draw_id="d", actor="system", time=bad, detail={"digest": C}
            )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"event": "draw.redone"}, "unknown event"),
        ({"actor": "parent"}, "unknown event or actor"),
        ({"draw_id": ""}, "draw id"),
        ({"draw_id": "a b"}, "draw id"),
        ({"draw_id": "洮北-2024"}, "draw id"),
        ({"detail": {}}, "must have"),
        ({"detail": {"digest": A, "extra": 1}}, "must have"),
        ({"detail": {"digest": A.upper()}}, "hex"),
        ({"detail": {"digest": A[:62]}}, "hex"),
        ({"detail": {"digest": 7}}, "hex"),
    ],
)
def test_entry_refusals(change: dict[str, Json], message: str) -> None:
    args: dict[str, Json] = {
        "event": "announcement.published",
        "draw_id": DRAW,
        "actor": "bureau",
        "time": T,
        "detail": {"digest": A},
    }
    with pytest.raises(TlogError, match=message):
        entry(**{**args, **change})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "detail"),
    [
        (Event.CANCELLED, {"digest": A, "reason": "  "}),
        (Event.CANCELLED, {"digest": A}),
        (Event.WITNESS, {"index": -1, "input": "1", "role": "r"}),
        (Event.WITNESS, {"index": True, "input": "1", "role": "r"}),
        (Event.WITNESS, {"index": "0", "input": "1", "role": "r"}),
        (Event.WITNESS, {"index": 0, "input": "", "role": "r"}),
        (Event.WITNESS, {"index": 0, "input": "x" * 201, "role": "r"}),
        (Event.WITNESS, {"index": 0, "input": 314, "role": "r"}),
        (Event.WITNESS, {"index": 0, "input": "1", "role": ""}),
        (Event.PRINTED, {"copies": 0, "digest": R}),
        (Event.PRINTED, {"copies": 2**53, "digest": R}),
        (Event.PRINTED, {"digest": R}),
        (Event.EXPORTED, {"digest": R, "kind": "private"}),
        (Event.EXPORTED, {"digest": R}),
        (Event.AMENDED, {"digest": M, "seq": 1}),
    ],
)
def test_detail_refusals(event: Event, detail: dict[str, Json]) -> None:
    with pytest.raises(TlogError, match=event.value):
        entry(event=event, draw_id=DRAW, actor="bureau", time=T, detail=detail)


def test_text_is_normalised_and_parsers_refuse_non_canonical_entries() -> None:
    e = mk(Event.WITNESS, role="Cafe\u0301")
    assert e["detail"] == {"index": 0, "input": "3 1 4", "role": "Café"}
    raw = dict(e)
    raw["detail"] = {"index": 0, "input": "3 1 4", "role": "Cafe\u0301"}
    with pytest.raises(TlogError, match="canonical"):
        entry_from_json(raw)
    for bad in ({**e, "t": "x"}, {**e, "extra": 1}, {**e, "time": 5}, [e], None):
        with pytest.raises(TlogError):
            entry_from_json(bad)  # type: ignore[arg-type]


# --- checkpoints ---------------------------------------------------------------------------

# The example of C2SP tlog-checkpoint.md (github.com/C2SP/C2SP, tlog-checkpoint.md).
C2SP_CHECKPOINT = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhc"
    "yv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)


def signed(body: str) -> str:
    return format_note(body, [SIG])


def test_c2sp_checkpoint_example() -> None:
    cp = checkpoint_of(C2SP_CHECKPOINT)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.root.hex() == "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"
    assert cp.extensions == ()
    assert (
        checkpoint_body(cp.origin, cp.size, cp.root)
        == C2SP_CHECKPOINT[: C2SP_CHECKPOINT.index("\n\n") + 1]
    )


def test_checkpoint_round_trip_with_extensions() -> None:
    body = checkpoint_body(LOG, 0, merkle.EMPTY_ROOT, ["ext one", "二"])
    assert body == f"{LOG}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n二\n"
    assert parse_checkpoint(body) == Checkpoint(LOG, 0, merkle.EMPTY_ROOT, ("ext one", "二"))


_ROOT64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


@pytest.mark.parametrize(
    "body",
    [
        f"o\n1\n{_ROOT64}",  # no final newline
        "o\n1\n",  # two lines
        f"\n1\n{_ROOT64}\n",  # empty origin
        f"o\n01\n{_ROOT64}\n",  # leading zero
        f"o\n-1\n{_ROOT64}\n",
        f"o\n+1\n{_ROOT64}\n",
        f"o\n 1\n{_ROOT64}\n",
        f"o\n1.0\n{_ROOT64}\n",
        f"o\n١\n{_ROOT64}\n",  # Arabic-Indic digit: int() would take it
        f"o\n{2**64}\n{_ROOT64}\n",
        "o\n1\nAAAA\n",  # not 32 bytes
        f"o\n1\n{_ROOT64[:-1]}\n",  # bad padding
        f"o\n1\n{_ROOT64}\n\n",  # empty extension line
        f"o\n1\n{_ROOT64}\next\n\nmore\n",
        f"o\t\n1\n{_ROOT64}\n",
        f"o\r\n1\n{_ROOT64}\n",
    ],
)
def test_checkpoint_refusals(body: str) -> None:
    with pytest.raises(TlogError):
        parse_checkpoint(body)


def test_checkpoint_origin_may_be_any_text_but_ours_is_a_key_name() -> None:
    assert parse_checkpoint(f"any origin+x\n0\n{_ROOT64}\n").origin == "any origin+x"
    for origin in ("a b", "a+b", ""):
        with pytest.raises(TlogError):
            checkpoint_body(origin, 0, merkle.EMPTY_ROOT)
    with pytest.raises(TlogError):
        checkpoint_body(LOG, 0, merkle.EMPTY_ROOT, ["two\nlines"])
    with pytest.raises(TlogError):
        checkpoint_body(LOG, 0, b"\0" * 31)
    with pytest.raises(TlogError):
        checkpoint_body(LOG, -1, merkle.EMPTY_ROOT)


# --- proofs and hash lists -----------------------------------------------------------------

# The head of the example of C2SP tlog-proof.md (github.com/C2SP/C2SP, tlog-proof.md); its
# checkpoint's signatures are elided there ("[...]"), so the tlog-checkpoint example stands in.
C2SP_PROOF_HEAD = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

"""


def test_c2sp_proof_example() -> None:
    text = C2SP_PROOF_HEAD + C2SP_CHECKPOINT
    p = parse_proof(text)
    assert p.index == 73894
    assert len(p.audit_path) == 5
    assert p.extra is not None
    assert p.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert p.checkpoint_text == C2SP_CHECKPOINT
    assert p.checkpoint.size == 20852163
    assert format_proof(p.index, p.audit_path, p.checkpoint_text, p.extra) == text


def _log(n: int) -> tuple[list[bytes], MerkleTree, str]:
    entries = [entry_bytes(mk(Event.AMENDED, digest=f"{i:064x}")) for i in range(n)]
    tree = MerkleTree.from_leaf_hashes([leaf_hash(e) for e in entries])
    return entries, tree, signed(checkpoint_body(LOG, n, tree.root))


def test_proofs_round_trip_and_verify() -> None:
    entries, tree, cp = _log(11)
    for i, e in enumerate(entries):
        text = format_proof(i, tree.inclusion_proof(i), cp)
        assert text.startswith(f"{PROOF_HEADER}\nindex {i}\n")
        assert text.endswith("\n\n" + cp)
        p = parse_proof(text)
        assert p == Proof(i, tree.inclusion_proof(i), cp)
        assert proof_includes(p, e)
        assert not proof_includes(p, entries[(i + 1) % 11])
    one = _log(1)
    p = parse_proof(format_proof(0, (), one[2], extra=b"\0"))
    assert p.audit_path == ()
    assert p.extra == b"\0"
    assert proof_includes(p, one[0][0])


@pytest.mark.parametrize(
    "head",
    [
        "c2sp.org/tlog-proof@v2\nindex 0\n",
        "index 0\n",
        "c2sp.org/tlog-proof@v1\n",
        "c2sp.org/tlog-proof@v1\nindex 01\n",
        "c2sp.org/tlog-proof@v1\nindex -1\n",
        "c2sp.org/tlog-proof@v1\nIndex 0\n",
        "c2sp.org/tlog-proof@v1\nindex  0\n",
        "c2sp.org/tlog-proof@v1\nextra \nindex 0\n",
        "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nextra AA==\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n",
        f"c2sp.org/tlog-proof@v1\nindex 0\n{_ROOT64} \n",
    ],
)
def test_proof_refusals(head: str) -> None:
    cp = _log(3)[2]
    with pytest.raises(TlogError):
        parse_proof(head + "\n" + cp)


def test_proof_needs_blank_line_and_well_formed_checkpoint() -> None:
    cp = _log(3)[2]
    with pytest.raises(TlogError):
        parse_proof(f"{PROOF_HEADER}\nindex 0\n" + cp)
    with pytest.raises(TlogError):
        parse_proof(f"{PROOF_HEADER}\nindex 0\n\n" + cp.replace("\n3\n", "\n03\n"))
    with pytest.raises(TlogError):
        parse_proof(f"{PROOF_HEADER}\nindex 0\n\n" + cp.split("\n\n")[0] + "\n")
    with pytest.raises(TlogError):
        format_proof(0, (), cp, extra=b"")


def test_hash_lists() -> None:
    _, tree, _ = _log(9)
    proof = tree.consistency_proof(5)
    text = format_hashes(proof)
    assert text.count("\n") == len(proof)
    assert parse_hashes(text) == proof
    assert merkle.verify_consistency(5, 9, tree.root_at(5), tree.root, parse_hashes(text))
    assert format_hashes(()) == ""
    assert parse_hashes("") == ()
    for bad in (text[:-1], text + "\n", "\n" + text, "AAAA\n", text.replace("=", "")):
        with pytest.raises(TlogError):
            parse_hashes(bad)
    with pytest.raises(TlogError):
        format_hashes([b"\0" * 31])


# --- tiles ---------------------------------------------------------------------------------


def test_tile_index_paths_follow_the_spec() -> None:
    assert index_path(1234067) == "x001/x234/067"
    assert index_path(0) == "000"
    assert index_path(999) == "999"
    assert index_path(1000) == "x001/000"
    assert index_path(1_000_000) == "x001/x000/000"
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 5, 17) == "tile/2/005.p/17"
    assert entries_path(273, 112) == "tile/entries/273.p/112"
    for bad in ((-1, 0, 256), (64, 0, 256), (0, -1, 256), (0, 0, 0), (0, 0, 257)):
        with pytest.raises(TlogError):
            tile_path(*bad)


def test_layout_of_the_spec_examples() -> None:
    # tlog-tiles.md: "a tree of size 70,000 will be represented by 273 full level 0 tiles,
    # one partial level 0 tile of width 112, one full level 1 tile, one partial level 1 tile
    # of width 17, and one partial level 2 tile of width 1."
    layout = tile_layout(70_000)
    assert [t for t in layout if t[0] == 0 and t[2] == 256] == [(0, n, 256) for n in range(273)]
    assert [t for t in layout if t[2] != 256 or t[0] > 0] == [
        (0, 273, 112),
        (1, 0, 256),
        (1, 1, 17),
        (2, 0, 1),
    ]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
    # tile of width 1."
    assert tile_layout(256) == ((0, 0, 256), (1, 0, 1))
    assert tile_layout(0) == ()
    assert tile_paths_for(257) == (
        "tile/0/000",
        "tile/0/001.p/1",
        "tile/1/000.p/1",
        "tile/entries/000",
        "tile/entries/001.p/1",
    )


def _entries(n: int) -> list[bytes]:
    return [i.to_bytes(4, "big") * (1 + i % 3) for i in range(n)]


@pytest.mark.parametrize("size", [0, 1, 2, 255, 256, 257, 513, 65_537, 70_000])
def test_tiles_round_trip(size: int) -> None:
    entries = _entries(size)
    leaves = [leaf_hash(e) for e in entries]
    root = merkle.root(leaves)
    cp = signed(checkpoint_body(LOG, size, root))
    files = tiles(entries, cp)
    assert files["checkpoint"] == cp.encode()
    assert set(files) == {"checkpoint", *tile_paths_for(size)}
    assert root_from_tiles(files, size) == root
    assert entries_from_tiles(files, size) == tuple(entries)
    for level, n, w in tile_layout(size):
        data = files[tile_path(level, n, w)]
        assert len(data) == 32 * w
        span = 256**level  # each hash covers 256**level leaves, starting at n*256**(level+1)
        start = n * 256 * span
        assert data[:32] == merkle.root(leaves[start : start + span])
        assert data[-32:] == merkle.root(leaves[start + (w - 1) * span : start + w * span])


def test_entry_bundle_encoding() -> None:
    entries = [b"", b"a", b"\xff" * 300]
    files = tiles(
        entries, signed(checkpoint_body(LOG, 3, merkle.root(list(map(leaf_hash, entries)))))
    )
    assert files["tile/entries/000.p/3"] == b"\0\0" + b"\0\1a" + b"\x01\x2c" + b"\xff" * 300
    with pytest.raises(TlogError, match="65535"):
        tiles(
            [b"x" * 65_536],
            signed(checkpoint_body(LOG, 1, merkle.root([leaf_hash(b"x" * 65_536)]))),
        )


def test_tiles_refuse_a_checkpoint_of_other_entries() -> None:
    entries = _entries(5)
    root = merkle.root([leaf_hash(e) for e in entries])
    with pytest.raises(TlogError, match="checkpoint"):
        tiles(entries, signed(checkpoint_body(LOG, 4, root)))
    with pytest.raises(TlogError, match="checkpoint"):
        tiles([*entries[:4], b"x"], signed(checkpoint_body(LOG, 5, root)))
    with pytest.raises(TlogError):
        tiles(entries, checkpoint_body(LOG, 5, root))  # unsigned: not a note


def test_earlier_checkpoints_keep_their_partial_tiles() -> None:
    entries = _entries(300)
    root = merkle.root([leaf_hash(e) for e in entries])
    files = tiles(entries, signed(checkpoint_body(LOG, 300, root)), earlier_sizes=[100, 270, 280])
    assert "tile/0/000.p/100" not in files  # the full tile 000 exists now
    assert {p for p in files if ".p/" in p} == {
        "tile/0/001.p/14",
        "tile/0/001.p/24",
        "tile/0/001.p/44",
        "tile/entries/001.p/14",
        "tile/entries/001.p/24",
        "tile/entries/001.p/44",
        "tile/1/000.p/1",
    }
    for size in (256, 270, 280, 300):
        assert root_from_tiles(files, size) == merkle.root([leaf_hash(e) for e in entries[:size]])
    small = tiles(entries[:200], signed(checkpoint_body(LOG, 200, merkle.root(
        [leaf_hash(e) for e in entries[:200]]))), earlier_sizes=[100])  # fmt: skip
    assert root_from_tiles(small, 100) == merkle.root([leaf_hash(e) for e in entries[:100]])
    with pytest.raises(TlogError, match="exceeds"):
        tiles(entries[:200], small["checkpoint"].decode(), earlier_sizes=[201])


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


def test_root_from_tiles_detects_tampering() -> None:
    entries = _entries(70_000)
    root = merkle.root([leaf_hash(e) for e in entries])
    files = tiles(entries, signed(checkpoint_body(LOG, 70_000, root)))
    assert root_from_tiles(files, 70_000) == root
    paths = ["tile/0/005", "tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"]
    for path in [*paths, "tile/entries/004"]:
        with pytest.raises(TlogError):
            root_from_tiles({**files, path: _flip(files[path], 5)}, 70_000)
        with pytest.raises(TlogError, match="missing"):
            root_from_tiles({k: v for k, v in files.items() if k != path}, 70_000)
    bundle = files["tile/entries/000"]
    for bad in (bundle[:-1], bundle + b"\0", bundle + b"\0\0"):
        with pytest.raises(TlogError):
            root_from_tiles({**files, "tile/entries/000": bad}, 70_000)
    with pytest.raises(TlogError):
        root_from_tiles({**files, "tile/1/000": files["tile/1/000"][:-32]}, 70_000)


# --- the order of events -------------------------------------------------------------------


def draw_events(
    draw: str = DRAW, announcement: str = A, witnesses: int = 2
) -> list[dict[str, Json]]:
    return [
        mk(Event.PUBLISHED, draw, digest=announcement),
        *(mk(Event.WITNESS, draw, index=i) for i in range(witnesses)),
        mk(Event.REVEALED, draw),
        mk(Event.PERFORMED, draw),
        mk(Event.SIGNED, draw),
        mk(Event.PRINTED, draw),
        mk(Event.EXPORTED, draw),
        mk(Event.AMENDED, draw),
        mk(Event.EXPORTED, draw, kind="archive"),
    ]


def numbered(events: list[dict[str, Json]], start: int = 0) -> list[tuple[int, dict[str, Json]]]:
    return list(enumerate(events, start))


def test_a_correct_draw_passes() -> None:
    assert check_draw_events(numbered(draw_events())) == []
    assert check_draw_events([]) == []


def test_two_interleaved_draws_pass() -> None:
    one, two = draw_events(), draw_events("other-draw", announcement=C, witnesses=3)
    mixed = [e for pair in zip(one, two, strict=False) for e in pair] + two[len(one) :]
    gaps = [(3 * i + 7, e) for i, e in enumerate(mixed)]  # indices need not be contiguous
    assert check_draw_events(gaps) == []


def test_cancel_then_a_new_announcement_starts_over() -> None:
    events = [
        mk(Event.PUBLISHED),
        mk(Event.WITNESS),
        mk(Event.CANCELLED),
        *draw_events(announcement=C),
    ]
    assert check_draw_events(numbered(events)) == []


def _problems(events: list[dict[str, Json]]) -> list[str]:
    return _lines(check_draw_events(numbered(events)))


def _lines(problems: list[tuple[str, str]]) -> list[str]:
    # each (zh, en) problem as "中文 / English", so one assertion can look at both languages
    return [f"{zh} / {en}" for zh, en in problems]


def _only(events: list[dict[str, Json]], english: str) -> None:
    problems = _problems(events)
    assert len(problems) == 1, problems
    assert english in problems[0]
    zh, en = problems[0].split(" / ", 1)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert en.startswith("log entry ")


def test_published_must_come_first() -> None:
    _only(draw_events()[1:2] + draw_events(), "announcement.published must come first")


def test_witness_indices_count_from_zero() -> None:
    ev = draw_events(witnesses=0)
    _only([ev[0], mk(Event.WITNESS, index=1), *ev[1:]], "witness index 1, expected 0")
    _only([ev[0], mk(Event.WITNESS), mk(Event.WITNESS, index=2), *ev[1:]], "expected 1")
    _only([ev[0], mk(Event.WITNESS), mk(Event.WITNESS), *ev[1:]], "expected 1")


def test_revealed_needs_witnesses_and_comes_after_them() -> None:
    _only(draw_events(witnesses=0), "no witness entry before seed.revealed")
    ev = draw_events(witnesses=1)
    _only([*ev[:3], mk(Event.WITNESS, index=1), *ev[3:]], "witness entry after seed.revealed")


def test_performed_after_revealed_and_only_once() -> None:
    ev = draw_events(witnesses=1)  # published, witness, revealed, performed, signed, ...
    _only([ev[0], ev[1], ev[3], *ev[4:]], "must follow seed.revealed")
    _only([*ev[:4], mk(Event.PERFORMED, digest=R2), *ev[4:]], "a second draw.performed")
    _only([*ev[:4], mk(Event.REVEALED), *ev[4:]], "a second seed.revealed")


def test_signed_after_performed_and_for_that_result() -> None:
    ev = draw_events(witnesses=1)
    _only([*ev[:3], mk(Event.SIGNED)], "must follow draw.performed")
    late = _problems([*ev[:3], mk(Event.SIGNED), ev[3], *ev[5:]])
    assert len(late) == 2
    assert "must follow draw.performed" in late[0]
    assert "out of order: draw.performed after a later step" in late[1]
    _only([*ev[:4], mk(Event.SIGNED, digest=R2)], "signs a result other than the one performed")
    _only([*ev[:5], mk(Event.SIGNED)], "a second result.signed")


def test_later_events_need_the_signed_result() -> None:
    ev = draw_events(witnesses=1)
    _only([*ev[:4], mk(Event.PRINTED), ev[4]], "must follow result.signed")
    _only([*ev[:4], mk(Event.AMENDED), ev[4]], "must follow result.signed")
    _only([*ev[:5], mk(Event.EXPORTED, digest=R2)], "names a result other than the signed one")


def test_nothing_follows_a_cancellation() -> None:
    ev = draw_events(witnesses=1)
    _only([ev[0], mk(Event.CANCELLED), ev[1]], "nothing may follow announcement.cancelled")
    _only([*ev[:4], mk(Event.CANCELLED), ev[4]], "nothing may follow announcement.cancelled")
    _only([ev[0], mk(Event.CANCELLED), mk(Event.CANCELLED)], "nothing may follow")
    _only([ev[0], mk(Event.CANCELLED), ev[0]], "this announcement was published before")
    _only([ev[0], mk(Event.CANCELLED, digest=C)], "cancels an announcement that is not in force")


def test_a_second_announcement_needs_a_cancellation() -> None:
    ev = draw_events()
    _only([ev[0], mk(Event.PUBLISHED, digest=C), *ev[1:]], f"announcement {A} is still in force")


def test_log_indices_must_increase() -> None:
    ev = draw_events()
    pairs = numbered(ev)
    pairs[3] = (2, pairs[3][1])
    problems = _lines(check_draw_events(pairs))
    assert len(problems) == 1
    assert "log entry 2 (" in problems[0]
    assert "index not increasing" in problems[0]
    backwards = [(10 - i, e) for i, e in enumerate(ev)]
    assert len(check_draw_events(backwards)) == len(ev) - 1


def test_invalid_entries_are_reported() -> None:
    ev = draw_events()
    broken = {**ev[1], "event": "witness.left"}
    problems = _lines(check_draw_events([(0, ev[0]), (1, broken), *numbered(ev[1:], 2)]))
    assert len(problems) == 1
    assert "log entry 1 is invalid" in problems[0]


def test_tlog_error_is_a_placement_error() -> None:
    assert issubclass(TlogError, PlacementError)
