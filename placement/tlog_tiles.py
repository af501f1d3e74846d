"""The C2SP tlog-tiles static layout of a log (https://c2sp.org/tlog-tiles).

Tiles have height 8 (256 hashes). The *n*-th tile at level *l* holds, for i in
0..255, MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l]); the rightmost tile of
each level is *partial* (``.p/<W>``, 1 ≤ W ≤ 255) and is never hashed into the
level above. Entry bundles ``tile/entries/<N>[.p/<W>]`` hold the entries of the
level-0 tile ``N`` as ``u16be(len) ‖ entry``. :mod:`placement.tlog` adds the
checkpoint; this module knows only the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from placement import merkle
from placement.errors import PlacementError

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_ENTRY_BYTES = 0xFFFF  # an entry bundle prefixes each entry with a u16be length
_H = merkle.HASH_SIZE


class TlogError(PlacementError):
    """A log entry, checkpoint, proof or tile set is malformed or inconsistent."""


def index_path(n: int) -> str:
    """``<N>`` as zero-padded 3-digit elements, all but the last prefixed ``x``: 1234067 →
    ``x001/x234/067``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise TlogError("瓦片序号须为非负整数", f"tile index must be a non-negative integer: {n!r}")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise TlogError("瓦片宽度须在 1..256", f"tile width must be in 1..256: {width!r}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, n: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``."""
    if not 0 <= level <= 63:
        raise TlogError("瓦片层级须在 0..63", f"tile level must be in 0..63: {level!r}")
    return f"tile/{level}/{index_path(n)}{_suffix(width)}"


def entries_path(n: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``."""
    return f"tile/entries/{index_path(n)}{_suffix(width)}"


def _row(count: int) -> list[tuple[int, int]]:
    """(tile index, width) of the tiles holding ``count`` hashes of one level."""
    row = [(n, TILE_WIDTH) for n in range(count // TILE_WIDTH)]
    if count % TILE_WIDTH:
        row.append((count // TILE_WIDTH, count % TILE_WIDTH))
    return row


def tile_layout(size: int) -> tuple[tuple[int, int, int], ...]:
    """(level, index, width) of every hash tile of a ``size``-leaf tree, level 0 first."""
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < 2**64:
        raise TlogError("树大小无效", f"invalid tree size: {size!r}")
    out: list[tuple[int, int, int]] = []
    level = 0
    while count := size >> (TILE_HEIGHT * level):
        out += [(level, n, w) for n, w in _row(count)]
        level += 1
    return tuple(out)


def tile_paths_for(size: int) -> tuple[str, ...]:
    """The paths of every hash tile, then every entry bundle, of a ``size``-entry log."""
    hashes = [tile_path(level, n, w) for level, n, w in tile_layout(size)]
    return (*hashes, *(entries_path(n, w) for n, w in _row(size)))


def hash_levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """``levels[l]`` = the hashes of every *complete* 256^l-leaf subtree, left to right."""
    levels = [list(leaf_hashes)]
    while len(prev := levels[-1]) >= TILE_WIDTH:
        full = len(prev) - len(prev) % TILE_WIDTH
        levels.append([merkle.root(prev[i : i + TILE_WIDTH]) for i in range(0, full, TILE_WIDTH)])
    return levels


def _bundle(entries: Sequence[bytes]) -> bytes:
    return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def tile_files(entries: Sequence[bytes], earlier_sizes: Iterable[int] = ()) -> dict[str, bytes]:
    """Hash tiles and entry bundles of the log ``entries`` (no checkpoint).

    ``earlier_sizes`` are sizes of earlier checkpoints whose partial tiles must stay
    served until the full tile exists (tlog-tiles, "Partial Tiles").
    """
    data = [bytes(e) for e in entries]
    if any(len(e) > MAX_ENTRY_BYTES for e in data):
        raise TlogError(
            f"条目超过 {MAX_ENTRY_BYTES} 字节", f"entry exceeds {MAX_ENTRY_BYTES} bytes"
        )
    levels = hash_levels([merkle.leaf_hash(e) for e in data])
    files: dict[str, bytes] = {}
    for size in sorted({len(data), *earlier_sizes}):
        if size > len(data):
            raise TlogError(f"更早的树大小 {size} 超出日志", f"earlier size {size} exceeds the log")
        for level, n, w in tile_layout(size):
            start = n * TILE_WIDTH
            if w < TILE_WIDTH and start + TILE_WIDTH <= len(levels[level]):
                continue  # the full tile exists: its partial versions may go
            files[tile_path(level, n, w)] = b"".join(levels[level][start : start + w])
            if level == 0:
                files[entries_path(n, w)] = _bundle(data[start : start + w])
    return files


def _file(files: Mapping[str, bytes], path: str) -> bytes:
    if path not in files:
        raise TlogError("缺少文件", f"missing file {path}")
    return files[path]


def entries_from_tiles(files: Mapping[str, bytes], size: int) -> tuple[bytes, ...]:
    """The entries of a ``size``-entry log, read back from its entry bundles."""
    out: list[bytes] = []
    for n, w in _row(size):
        path = entries_path(n, w)
        data, pos, got = _file(files, path), 0, []
        while pos < len(data):
            end = pos + 2 + int.from_bytes(data[pos : pos + 2], "big")
            if pos + 2 > len(data) or end > len(data):
                raise TlogError(f"{path}: 条目被截断", "truncated entry")
            got.append(data[pos + 2 : end])
            pos = end
        if len(got) != w:
            raise TlogError(f"{path}: 应有 {w} 条，实有 {len(got)}", f"holds {len(got)} entries")
        out += got
    return tuple(out)


def root_from_tiles(files: Mapping[str, bytes], size: int) -> bytes:
    """Check every tile and bundle of a ``size``-entry log against each other; → the root.

    Level-0 tiles must hold the leaf hashes of the bundled entries, and every hash of
    a level-(l+1) tile the MTH of the matching full tile of level l.
    """
    below = [merkle.leaf_hash(e) for e in entries_from_tiles(files, size)]
    partials: list[list[bytes]] = []
    for level in range(64):
        count = size >> (TILE_HEIGHT * level)
        if not count:
            break
        hashes: list[bytes] = []
        for n, w in _row(count):
            data = _file(files, path := tile_path(level, n, w))
            if len(data) != _H * w:
                raise TlogError(f"{path}: 应为 {_H * w} 字节", f"must be {_H * w} bytes")
            hashes += [data[i : i + _H] for i in range(0, len(data), _H)]
        if hashes != below:
            raise TlogError(f"第 {level} 层瓦片与下层不符", f"level {level} tiles do not match")
        full = count - count % TILE_WIDTH
        partials.append(hashes[full:])
        below = [merkle.root(hashes[i : i + TILE_WIDTH]) for i in range(0, full, TILE_WIDTH)]
    peaks: list[bytes] = []  # complete subtrees of decreasing size, left to right
    for part in reversed(partials):
        start = 0
        for k in reversed(range(TILE_HEIGHT)):
            if len(part) >> k & 1:
                peaks.append(merkle.root(part[start : start + (1 << k)]))
                start += 1 << k
    if not peaks:
        return merkle.EMPTY_ROOT
    acc = peaks.pop()
    while peaks:
        acc = merkle.node_hash(peaks.pop(), acc)
    return acc
