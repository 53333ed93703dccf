"""A zip member's bytes as ``ZipFile.read`` gives them, inflated by zlib-ng when the member is plainly
deflated.

Preflight reads every part of a return before any reader runs; with the standard ``zlib`` that costs
~1.7 ms a return (~900 KB of XML), with zlib-ng (python-zlib-ng, a drop-in build of the same deflate
format) ~0.5 ms. ``zipfile`` offers no way to choose its inflater, so the plain case is read here from
the package's bytes, and everything else (stored or other methods, encryption, a local header that
disagrees with the central directory, a wrong length or CRC, members that overlap) goes back to
``zipfile``, which then raises exactly what it always raised."""

from __future__ import annotations

import struct
import zipfile

from zlib_ng import zlib_ng

_HEADER = struct.Struct(zipfile.structFileHeader)
_SIGNATURE = zipfile.stringFileHeader
#: flag bits zipfile refuses or needs a password for: encrypted, compressed patched data, strong encryption
_UNREAD_FLAGS = 0x1 | 0x20 | 0x40
_UTF8_NAME = 0x800


def member_ends(infos: list[zipfile.ZipInfo], directory_start: int) -> dict[str, int]:
    """Where each member's bytes must end: the next member's local header, or the central directory.
    A member whose data runs past it overlaps another (a zip bomb's trick) and is left to zipfile."""
    offsets = sorted({i.header_offset for i in infos} | {directory_start})
    following = {a: b for a, b in zip(offsets, offsets[1:])}
    return {i.filename: following.get(i.header_offset, i.header_offset) for i in infos}


def fast_inflate(package: bytes | memoryview, info: zipfile.ZipInfo, end: int) -> bytes | None:
    """The member's bytes, or None when ``zipfile`` must read it. ``package`` is the whole file,
    ``end`` where the member's data must end (``member_ends``)."""
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & _UNREAD_FLAGS or info.file_size == 0:
        return None  # (a length of 0 would mean "no limit" to the inflater)
    offset = info.header_offset
    header = bytes(package[offset:offset + _HEADER.size])
    if len(header) != _HEADER.size:
        return None
    fields = _HEADER.unpack(header)
    signature, flags, name_length, extra_length = fields[0], fields[3], fields[10], fields[11]
    if signature != _SIGNATURE or flags & _UNREAD_FLAGS:
        return None
    start = offset + _HEADER.size
    name = bytes(package[start:start + name_length])
    try:
        same_name = name.decode("utf-8" if flags & _UTF8_NAME else "cp437") == info.orig_filename
    except UnicodeDecodeError:
        return None
    data_start = start + name_length + extra_length
    data_end = data_start + info.compress_size
    if not same_name or data_end > min(end, len(package)):
        return None
    inflater = zlib_ng.decompressobj(-15)
    try:
        data = inflater.decompress(package[data_start:data_end], info.file_size)
    except zlib_ng.error:
        return None
    if len(data) != info.file_size or not inflater.eof or zlib_ng.crc32(data) != info.CRC:
        return None
    return data
