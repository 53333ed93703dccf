"""Intake preflight: look at the raw bytes and the zip before any spreadsheet reader runs, and refuse
what would hurt a reader (bombs, encrypted or legacy files, corrupt zips, DTDs, absurd ranges).

Pure Python on the zip; every limit lives in ``Limits`` with its default."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import ToolkitError


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 300 * 1024 * 1024
    #: uncompressed/compressed ratio above which a member larger than 1 MiB is a zip bomb
    max_ratio: float = 200.0
    max_members: int = 1000
    #: the furthest cell any sheet may hold a cell at (templates need a few hundred rows, 20 columns)
    max_row: int = 200_000
    max_column: int = 500


DEFAULT_LIMITS = Limits()
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_CHUNK = 1 << 20


class IntakeRejected(ToolkitError):
    """The file is refused before reading; ``code`` is the rule id (``intake.*``)."""


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sniff(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return "other"


def preflight(path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise IntakeRejected naming the reason; return quietly for a plausible .xlsx/.xlsm."""
    size = path.stat().st_size
    if size == 0:
        raise IntakeRejected("intake.not-a-workbook", "the file is empty")
    if size > limits.max_file_bytes:
        raise IntakeRejected("intake.too-large", f"{size:,} bytes (limit {limits.max_file_bytes:,})")
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    kind = _sniff(head)
    if kind == "ole":
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in head or \
                b"EncryptedPackage" in head:
            raise IntakeRejected("intake.encrypted", "password-protected (encrypted) workbook")
        raise IntakeRejected("intake.legacy-xls", "an Excel 97-2003 (.xls) or other OLE file")
    if kind != "zip":
        raise IntakeRejected("intake.not-a-workbook", "neither an .xlsx workbook nor an Excel file")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IntakeRejected("intake.corrupt-zip", f"{exc}") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise IntakeRejected("intake.zip-bomb", f"{len(infos)} members (limit {limits.max_members})")
        names = [i.filename for i in infos]
        if len(set(n.lower() for n in names)) != len(names):
            raise IntakeRejected("intake.corrupt-zip", "two members share a name")
        total = sum(i.file_size for i in infos)
        if total > limits.max_uncompressed_bytes:
            raise IntakeRejected("intake.zip-bomb", f"{total:,} bytes unzipped (limit {limits.max_uncompressed_bytes:,})")
        for info in infos:
            if info.file_size > 1 << 20 and info.file_size / max(info.compress_size, 1) > limits.max_ratio:
                raise IntakeRejected("intake.zip-bomb", f"{info.filename} expands {info.file_size / max(info.compress_size, 1):.0f}x")
        if not any(n.lower().endswith("workbook.xml") for n in names):
            raise IntakeRejected("intake.not-a-workbook", "a zip file without a workbook part")
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(info) as member:
                    _scan_member(member, info.filename, limits)
            except zipfile.BadZipFile as exc:  # CRC mismatch or a broken member
                raise IntakeRejected("intake.corrupt-zip", f"{info.filename}: {exc}") from exc


def _scan_member(member, name: str, limits: Limits) -> None:
    """Read the member through (which checks its CRC-32); refuse DTDs and cells beyond the limits."""
    is_sheet = "worksheets/" in name.lower().replace("\\", "/")
    first = True
    tail = b""
    while True:
        chunk = member.read(_CHUNK)
        if not chunk:
            return
        if first and (b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:4096]):
            raise IntakeRejected("intake.hostile-xml", f"{name} declares a DTD or entities")
        first = False
        if is_sheet:
            data = tail + chunk
            for m in _CELL_REF.finditer(data):
                row, col = int(m.group(2)), _column_number(m.group(1))
                if row > limits.max_row or col > limits.max_column:
                    raise IntakeRejected("intake.range-too-large",
                                         f"{name} has a cell at {m.group(1).decode()}{row} "
                                         f"(limits: row {limits.max_row:,}, column {limits.max_column})")
            tail = data[-64:]
