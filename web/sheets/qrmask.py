"""The QR mask choice of ISO/IEC 18004 §7.8.3, computed with whole rows as integers.

``qrcode`` lays out the symbol once per candidate mask and scores it module by
module: three quarters of the time a version-25 code takes. The eight candidates
differ only in their data modules, so here the symbol is laid out once, each mask is
an XOR of row bitmasks, and the four penalty rules run bit-parallel on the row
integers (a column rule takes the rows as its lanes).
The scores equal ``qrcode.util.lost_point`` (a test compares all eight on many
symbols), so the chosen mask, and hence the symbol, is the one ``qrcode`` makes.
"""

from __future__ import annotations

import bisect
import itertools
from functools import cache
from typing import Any, Final

import qrcode
from qrcode import util

from web.sheets import qrdata


def _bits(row: list[Any]) -> int:
    return int("".join("1" if m else "0" for m in row), 2)


@cache
def _masks(version: int) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """Per row: the data-module bitmask, and for each mask pattern its flip bitmask."""
    probe = qrcode.QRCode(version=version)
    probe.makeImpl(True, 0)  # noqa: FBT003 - qrcode's signature; fills qrcode's cache of blank symbols for this version
    probe.modules = [row[:] for row in qrcode.main.precomputed_qr_blanks[version]]
    probe.setup_type_info(True, 0)  # noqa: FBT003 - test=True: format bits light
    if version >= 7:
        probe.setup_type_number(True)  # noqa: FBT003
    data = tuple(_bits([m is None for m in row]) for row in probe.modules)
    n = len(probe.modules)
    flips = tuple(
        tuple(_bits([util.mask_func(p)(r, c) for c in range(n)]) & data[r] for r in range(n))
        for p in range(8)
    )
    return data, flips


FINDERS: Final = ("10111010000", "00001011101")  # N3: 1:1:3:1:1 with 4 light modules


def _runs(windows: int) -> int:
    """N1's share of one line: ``windows`` has a bit for each place five equal modules
    start; a run of L ≥ 5 has L − 4 of them, in one block, and scores L − 2."""
    return windows.bit_count() + 2 * (windows & ~(windows >> 1)).bit_count()


def _finders(lines: list[int], n: int) -> int:
    """N3 matches of both patterns in ``lines`` (bit n − 1 is the first module)."""
    span = len(FINDERS[0])
    valid = (1 << (n - span + 1)) - 1
    full = (1 << n) - 1
    found = 0
    for line in lines:
        light = ~line & full
        for pattern in FINDERS:
            m = valid
            for k, ch in enumerate(pattern):
                m &= (line if ch == "1" else light) >> (span - 1 - k)
            found += m.bit_count()
    return found


def _vertical(rows: list[int], full: int) -> tuple[int, int]:
    """N1 and N3 of the columns, with the rows as the bit-parallel lanes."""
    light = [~r & full for r in rows]
    n1 = 0
    for lanes in (rows, light):
        prev = 0
        for i in range(len(rows) - 4):
            w = lanes[i] & lanes[i + 1] & lanes[i + 2] & lanes[i + 3] & lanes[i + 4]
            n1 += w.bit_count() + 2 * (w & ~prev).bit_count()
            prev = w
    n3 = 0
    span = len(FINDERS[0])
    for pattern in FINDERS:
        for i in range(len(rows) - span + 1):
            m = full
            for k, ch in enumerate(pattern):
                m &= rows[i + k] if ch == "1" else light[i + k]
            n3 += m.bit_count()
    return n1, n3


def penalty(rows: list[int], n: int) -> int:
    """N1 + N2 + N3 + N4 of a symbol given as row bitmasks (bit set = dark, bit n − 1 the
    first column), each rule on whole rows at once (bit-parallel, no strings)."""
    full = (1 << n) - 1
    score = 0
    for r in rows:
        for x in (r, ~r & full):
            score += _runs(x & x >> 1 & x >> 2 & x >> 3 & x >> 4)
    n1, n3 = _vertical(rows, full)
    score += n1 + 40 * (n3 + _finders(rows, n))
    pairs = (1 << (n - 1)) - 1
    for a, b in itertools.pairwise(rows):
        same = ~(a ^ b) & full
        score += 3 * (~(a ^ (a >> 1)) & ~(b ^ (b >> 1)) & same & pairs).bit_count()
    dark = sum(r.bit_count() for r in rows)
    return score + int(abs(dark / n**2 * 100 - 50) / 5) * 10


def penalties(code: Any) -> list[int]:  # noqa: ANN401 - qrcode is untyped
    """The score of each of the eight masks for ``code`` (version already fitted)."""
    code.makeImpl(True, 0)  # noqa: FBT003 - test layout, mask 0
    n = code.modules_count
    base = [_bits(row) for row in code.modules]
    _, flips = _masks(code.version)
    return [penalty([base[r] ^ flips[0][r] ^ flips[p][r] for r in range(n)], n) for p in range(8)]


class FastQRCode(qrcode.QRCode):  # type: ignore[misc] # qrcode is untyped
    """``qrcode.QRCode`` with the same version, codewords, mask choice and matrix, its
    arithmetic done in bulk (here and in :mod:`web.sheets.qrdata`)."""

    def best_mask_pattern(self) -> int:
        scores = penalties(self)
        return scores.index(min(scores))

    def best_fit(self, start: int | None = None) -> int:
        """``qrcode``'s fit (the smallest version whose capacity holds the bits, again
        if the count fields grew), with the bits counted instead of written."""
        start = start or 1
        util.check_version(start)
        self.version = bisect.bisect_left(
            util.BIT_LIMIT_TABLE[self.error_correction],
            qrdata.needed_bits(self.data_list, start),
            start,
        )
        if self.version == 41:
            raise qrcode.exceptions.DataOverflowError
        if util.mode_sizes_for_version(start) is not util.mode_sizes_for_version(self.version):
            self.best_fit(start=self.version)
        return int(self.version)

    def makeImpl(self, test: bool, mask_pattern: int) -> None:  # noqa: FBT001, N802 - qrcode's
        if getattr(self, "data_cache", None) is None:
            self.data_cache = qrdata.codewords(self.version, self.error_correction, self.data_list)
        super().makeImpl(test, mask_pattern)

    def map_data(self, data: list[int], mask_pattern: int) -> None:
        qrdata.map_data(self.modules, self.version, data, mask_pattern)
