"""Open a record bundle's zip safely (spec §17), without writing anything to disk.

Limits keep a hostile file from exhausting memory (sizes are checked against what
is actually inflated, not only what the headers claim). Member names must be plain
relative paths; the layout must be the deterministic one the spec describes
(members sorted by path, dated 1980-01-01 00:00, DEFLATE, no extra fields or
comments) with nothing hidden between or after the members, so the bytes of a
bundle carry nothing the verifier does not read.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from types import MappingProxyType

from verifier.errors import Failed

MAX_BUNDLE_BYTES = 256 << 20
MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 64 << 20
MAX_TOTAL_BYTES = 256 << 20
EPOCH = (1980, 1, 1, 0, 0, 0)
_NAME = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]*/)*[A-Za-z0-9][A-Za-z0-9._-]*")
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header, 30 bytes
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory, 22 bytes
_CENTRAL_FIXED = 46
_S_IFMT, _S_IFREG = 0o170000, 0o100000


def _bad(zh: str, en: str) -> Failed:
    return Failed(f"记录包损坏或格式不符：{zh}", f"the bundle is damaged or malformed: {en}")


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if not _NAME.fullmatch(name) or name != info.orig_filename:
        raise _bad(
            f"文件名 {name!r} 不是安全的相对路径", f"member name {name!r} is not a plain path"
        )
    kind = (info.external_attr >> 16) & _S_IFMT
    if kind not in {0, _S_IFREG}:
        raise _bad(f"{name} 不是普通文件", f"{name} is not a regular file")


def _check_entry(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if info.flag_bits & 0x1:
        raise _bad(f"{name} 被加密", f"{name} is encrypted")
    if info.flag_bits & 0x8:
        raise _bad(f"{name} 使用数据描述符", f"{name} uses a data descriptor")
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _bad(f"{name} 未用 DEFLATE 压缩", f"{name} is not DEFLATE-compressed")
    if info.date_time != EPOCH:
        raise _bad(f"{name} 的日期不是 1980-01-01 00:00", f"{name} is not dated 1980-01-01 00:00")
    if info.extra or info.comment:
        raise _bad(f"{name} 带有附加字段或注释", f"{name} has extra fields or a comment")
    if info.file_size > MAX_MEMBER_BYTES:
        raise _bad(f"{name} 过大", f"{name} is larger than {MAX_MEMBER_BYTES} bytes")


def _dos(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def _check_layout(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Local headers agree with the central directory; no gaps, no trailing bytes."""
    pos = 0
    for info in infos:
        name = info.filename.encode("ascii")
        if info.header_offset != pos or pos + _LOCAL.size > len(data):
            raise _bad(f"{info.filename} 前有多余数据", f"unexpected bytes before {info.filename}")
        sig, version, flags, method, tm, dt, crc, csize, size, nlen, elen = _LOCAL.unpack_from(
            data, pos
        )
        expected = (version, 0, flags, method, (tm, dt), crc, csize, size, nlen, elen)
        actual = (
            info.extract_version,
            info.volume,
            info.flag_bits,
            info.compress_type,
            _dos(info.date_time),
            info.CRC,
            info.compress_size,
            info.file_size,
            len(name),
            0,
        )
        start = pos + _LOCAL.size
        if sig != b"PK\x03\x04" or expected != actual or data[start : start + nlen] != name:
            raise _bad(
                f"{info.filename} 的本地文件头与目录不一致",
                f"the local header of {info.filename} differs from the central directory",
            )
        pos = start + nlen + info.compress_size
    central = sum(_CENTRAL_FIXED + len(i.filename.encode("ascii")) for i in infos)
    end = len(data) - _EOCD.size
    if end < 0:
        raise _bad("缺少目录结尾记录", "no end of central directory record")
    sig, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, comment = _EOCD.unpack_from(data, end)
    if (sig, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, comment) != (
        b"PK\x05\x06",
        0,
        0,
        len(infos),
        len(infos),
        central,
        pos,
        0,
    ) or pos + central != end:
        raise _bad(
            "目录位置或大小不符，或文件尾部有多余数据",
            "the central directory is misplaced, or bytes are hidden in the file",
        )


def read_members(data: bytes) -> Mapping[str, bytes]:
    """Every member of the zip by name; raise :class:`Failed` on anything unsafe or damaged."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise _bad("文件过大", f"the file is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise _bad("不是可读的 zip 文件", f"not a readable zip file ({e})") from e
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _bad("文件数过多", f"more than {MAX_MEMBERS} members")
        names = [i.filename for i in infos]
        for info in infos:
            _check_name(info)
        if len(set(names)) != len(names):
            raise _bad("有重名文件", "two members have the same name")
        if names != sorted(names):
            raise _bad("文件未按路径排序", "members are not sorted by path")
        for info in infos:
            _check_entry(info)
        _check_layout(data, infos)
        out: dict[str, bytes] = {}
        total = 0
        for info in infos:
            try:
                with zf.open(info) as f:
                    content = f.read(MAX_MEMBER_BYTES + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as e:
                raise _bad(f"{info.filename} 无法解压或校验和错误", f"{info.filename}: {e}") from e
            if len(content) != info.file_size:
                raise _bad(f"{info.filename} 的长度不符", f"{info.filename} has the wrong length")
            total += len(content)
            if total > MAX_TOTAL_BYTES:
                raise _bad("解压后过大", f"more than {MAX_TOTAL_BYTES} bytes in all")
            out[info.filename] = content
    return MappingProxyType(out)


def looks_like_zip(data: bytes) -> bool:
    return data.startswith((b"PK\x03\x04", b"PK\x05\x06")) or zipfile.is_zipfile(io.BytesIO(data))
