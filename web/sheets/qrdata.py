"""A QR symbol's codewords and their placement (ISO/IEC 18004 §7.4-7.7), in bulk.

``qrcode`` writes the data one bit at a time into a list, divides polynomials
recursively for the error correction and places each module through a mask function
call: about 30 ms of a version-25 code, as much again as the page's text layout of a
notice (docs/benchmarks.md). The same steps are done here on whole strings and
integers: the segments' bits as one string of ``0``/``1``, the Reed-Solomon remainder
by table-driven synthetic division, and the module order and mask bits of a version
cached once. The output is the same list of codewords and the same matrix as
``qrcode``'s (tests/sheets/test_qr.py compares them symbol by symbol), so the spec's
segment, version and mask rules are untouched: only ``qrcode``'s own arithmetic is
replaced.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from qrcode import base, util
from qrcode.LUT import rsPoly_LUT


def _bits(value: int, width: int) -> str:
    return format(value, f"0{width}b")


def segment_bits(data: Any, version: int) -> str:  # noqa: ANN401 - qrcode's QRData, untyped
    """Mode indicator, character count and data of one segment (§7.4), as ``0``/``1``."""
    text = data.data
    head = _bits(data.mode, 4) + _bits(len(data), util.length_in_bits(data.mode, version))
    if data.mode == util.MODE_NUMBER:
        body = "".join(
            _bits(int(text[i : i + 3]), util.NUMBER_LENGTH[len(text[i : i + 3])])
            for i in range(0, len(text), 3)
        )
    elif data.mode == util.MODE_ALPHA_NUM:
        find = util.ALPHA_NUM.find
        pairs = [text[i : i + 2] for i in range(0, len(text), 2)]
        body = "".join(
            _bits(find(p[0:1]) * 45 + find(p[1:2]), 11) if len(p) == 2 else _bits(find(p), 6)
            for p in pairs
        )
    else:  # 8-bit bytes
        body = _bits(int.from_bytes(text, "big"), 8 * len(text)) if text else ""
    return head + body


@cache
def _generator(count: int) -> tuple[int, ...]:
    """The error-correction generator polynomial's coefficients after the first, as logs."""
    if count in rsPoly_LUT:
        poly = list(rsPoly_LUT[count])
    else:  # as qrcode builds one missing from its table
        built = base.Polynomial([1], 0)
        for i in range(count):
            built = built * base.Polynomial([1, base.gexp(i)], 0)
        poly = list(built)
    return tuple(base.LOG_TABLE[c] if c else -1 for c in poly[1:])


def remainder(data: list[int], count: int) -> list[int]:
    """The ``count`` error-correction codewords of ``data`` (§7.5.2)."""
    gen = _generator(count)
    exp, log = base.EXP_TABLE, base.LOG_TABLE
    rem = [0] * count
    for byte in data:
        lead = byte ^ rem[0]
        rem = [*rem[1:], 0]
        if lead:
            shift = log[lead]
            rem = [
                r ^ exp[(g + shift) % 255] if g >= 0 else r for r, g in zip(rem, gen, strict=True)
            ]
    return rem


def codewords(version: int, error_correction: int, data_list: list[Any]) -> list[int]:
    """The final codeword sequence, as ``qrcode.util.create_data`` returns it."""
    bits = "".join(segment_bits(d, version) for d in data_list)
    blocks = base.rs_blocks(version, error_correction)
    limit = sum(b.data_count * 8 for b in blocks)
    if len(bits) > limit:
        raise util.exceptions.DataOverflowError(
            f"Code length overflow. Data size ({len(bits)}) > size available ({limit})"
        )
    bits += "0" * min(limit - len(bits), 4)  # terminator
    bits += "0" * (-len(bits) % 8)
    pad = (limit - len(bits)) // 8
    stream = list(int(bits, 2).to_bytes(len(bits) // 8, "big")) if bits else []
    stream += [util.PAD0 if i % 2 == 0 else util.PAD1 for i in range(pad)]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        chunk = stream[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(remainder(chunk, block.total_count - block.data_count))
    out = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out += [b[i] for b in group if i < len(b)]
    return out


def needed_bits(data_list: list[Any], version: int) -> int:
    """The segments' length in bits at ``version`` (for ``best_fit``)."""
    return sum(len(segment_bits(d, version)) for d in data_list)


_ORDER: dict[int, tuple[tuple[int, int], ...]] = {}


def placement(blank: list[list[bool]]) -> tuple[tuple[int, int], ...]:
    """The free modules in placement order (§7.7.3): up and down two-module columns."""
    n = len(blank)
    order = []
    row, step = n - 1, -1
    for right in range(n - 1, 0, -2):
        col = right - 1 if right <= 6 else right
        while True:
            order += [(row, c) for c in (col, col - 1) if blank[row][c]]
            row += step
            if row < 0 or row >= n:
                row -= step
                step = -step
                break
    return tuple(order)


@cache
def mask_bits(order: tuple[tuple[int, int], ...], pattern: int) -> tuple[bool, ...]:
    flip = util.mask_func(pattern)
    return tuple(bool(flip(r, c)) for r, c in order)


def map_data(modules: list[list[Any]], version: int, data: list[int], pattern: int) -> None:
    """Place ``data`` into the free (None) modules under mask ``pattern``, as qrcode does.
    The free modules are the same for every symbol of a version (``makeImpl`` starts from
    the version's blank symbol with its format and version areas set), so their order is
    kept per version."""
    order = _ORDER.get(version)
    if order is None:
        order = _ORDER[version] = placement([[m is None for m in row] for row in modules])
    bits = _bits(int.from_bytes(bytes(data), "big"), 8 * len(data)) if data else ""
    bits = bits[: len(order)].ljust(len(order), "0")
    for (r, c), flip, bit in zip(order, mask_bits(order, pattern), bits, strict=True):
        modules[r][c] = (bit == "1") != flip
