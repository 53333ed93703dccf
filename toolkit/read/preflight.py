"""Intake preflight: look at the raw bytes and the zip before any spreadsheet reader runs, and refuse
what would hurt a reader (bombs, encrypted or legacy files, corrupt zips, DTDs, absurd ranges).

Pure Python on the zip. Besides refusing, it returns what it learnt on the way (``PackageScan``): per
sheet how many cells hold values, error cells (``#DIV/0!``, ``t="e"``), formulas saved without a
calculated value, cells shown with a percent format, and the workbook's 1904 date flag. The reader
and the validator use these facts instead of a second, slower parse. Every limit lives in ``Limits``
with its default."""

from __future__ import annotations

import io
import os
import posixpath
import re
import threading
import zipfile
import zlib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import IO, Iterable, Union

import re2
from defusedxml import ElementTree as SafeET

from toolkit.errors import ToolkitError
from toolkit.gcpause import collector_paused
from toolkit.read.inflate import fast_inflate, member_ends

Source = Union[Path, str, bytes]


@dataclass(frozen=True)
class Limits:
    """Intake limits. Defaults fit the office's templates (a few hundred rows, ~20 columns) with a
    wide margin and stop files that could exhaust a reader."""

    #: largest file accepted, in bytes (a filled template is ~100 KB)
    max_file_bytes: int = 50 * 1024 * 1024
    #: total size of all zip members once unpacked
    max_uncompressed_bytes: int = 300 * 1024 * 1024
    #: uncompressed/compressed ratio above which a member larger than 1 MiB is a zip bomb
    max_ratio: float = 200.0
    #: members in the package (an Excel file has 10-60)
    max_members: int = 1000
    #: the furthest cell any sheet may hold a cell at (templates need a few hundred rows, 20 columns)
    max_row: int = 200_000
    max_column: int = 500
    #: cells holding a value, over all sheets
    max_value_cells: int = 2_000_000
    #: XML of one cell (a cell's text is at most 32,767 characters in Excel, ~100 KB of XML)
    max_cell_xml_bytes: int = 8 * 1024 * 1024
    #: one text in a sheet or the shared strings (Excel allows 32,767 characters, at most ~200 KB of XML);
    #: longer is an amplification attack (one huge shared string referenced by thousands of cells)
    max_text_bytes: int = 256 * 1024
    #: error cells and uncalculated formulas listed per sheet (all are counted)
    max_listed_cells: int = 1000
    #: a parsing worker's address-space limit (RLIMIT_AS, so also its peak memory) and wall-clock limit
    #: per file; a worker with the toolkit loaded uses ~250 MB of address space
    worker_memory_bytes: int = 1536 * 1024 * 1024
    worker_timeout_s: float = 60.0
    #: parsing workers (0: one per CPU core)
    workers: int = 0


DEFAULT_LIMITS = Limits()
_CHUNK = 1 << 20
_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_TOKEN = re.compile(rb"<" + _NAME + rb"(?:(row)(?=[\s/>])([^>]*)>|c(?=[\s/>])([^>]*?)(?:/>|>(.*?)</" + _NAME
                    + rb"c\s*>))", re.S)
_CELL_OPEN = re.compile(rb"<" + _NAME + rb"c(?=[\s/>])")
_ATTR = re.compile(rb"(?<![\w:.-])(r|s|t)\s*=\s*[\"']([^\"']*)[\"']")
_V = re.compile(rb"<" + _NAME + rb"v(?:\s[^>]*)?(?:/>|>(.*?)</" + _NAME + rb"v\s*>)", re.S)
_F = re.compile(rb"<" + _NAME + rb"f[\s/>]")
_IS = re.compile(rb"<" + _NAME + rb"is[\s/>]")
_REF = re.compile(rb"([A-Za-z]{1,3})([0-9]{1,7})$")
_WORKSHEET_ROOT = re.compile(rb"<" + _NAME + rb"worksheet[\s>]")
#: a member up to this size is read whole and its cells counted by the fast path below (a template's
#: largest sheet part is ~2 MB; the fast path holds a tuple per cell, ~0.5 KB, so 16 MiB of cells stay
#: well inside a worker's memory limit); larger members are streamed
_WHOLE_MEMBER_BYTES = 16 * 1024 * 1024
#: what follows ``<i`` of a plain inline text, and ``<f`` of a formula, as every cell pattern below reads
#: them (possessive where giving characters back could not let the rest match; a formula's attributes
#: stay greedy, as ``[^<>]*+`` would take the "/" of "/>")
_INLINE_TEXT_REST = rb's><t(?: xml:space="preserve")?+>[^<]*+</t></is>'
_FORMULA_REST = rb'(?:>[^<]*+</f>| [^<>]*/>| [^<>]*>[^<]*+</f>)'
#: the fast path: cells as spreadsheet writers save them (r, then s, then t; one inline text, a value, or a
#: formula and its value). Groups: column letters, row, style, "t" when typed, "e"/"s"/"n" for the types
#: that matter (error, formula text, number), "i" inline text, "f" formula, "v" value, the value's text,
#: and last any other cell opening (the sheet is then scanned cell by cell by ``_scan_cells``).
_PLAIN_CELL = re.compile(
    rb'<c(?: r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: (t)="(?:(e)|(s)tr|(n)|[a-zA-Z]{1,12})")?'
    rb'(?: ?/>|>(?:<(i)' + _INLINE_TEXT_REST + rb'|(?:<(f)' + _FORMULA_REST + rb')?(?:<(v)(?: ?/>|>([^<]*)</v>))?)</c>)'
    rb'|([\s/>]))')
#: positions of _PLAIN_CELL's groups: letters, digits, style, "t", "e" of t="e", "s" of t="str", "n" of
#: t="n", "i" of an inline string, "f" of a formula, "v" of a value, the value's text, a cell not plain
(_LETTERS, _DIGITS, _STYLE, _TYPED, _ERROR, _TEXT_TYPE, _NUMBER_TYPE, _INLINE, _FORMULA, _VALUE, _TEXTS,
 _OTHER) = range(12)
#: the groups every sheet needs, taken out a group at a time (formulas' and percent cells' other
#: groups are read from their own cells)
_COLUMNS = tuple(itemgetter(k) for k in (_LETTERS, _DIGITS, _INLINE, _TEXTS, _FORMULA, _ERROR))
#: what the fast path does not follow: namespace prefixes on the elements it reads, a row tag holding a "<"
_NOT_PLAIN = (re.compile(rb":(?:c|v|f|is|row)[\s/>]"), re.compile(rb"<row[\s/>][^>]*<"))
_BUILTIN_PERCENT = {9, 10}


class IntakeRejected(ToolkitError):
    """The file is refused before reading; ``code`` is the rule id (``intake.*``)."""


#: held while a scan's waiting formulas or cells are worked out (``SheetScan._settle``, ``_count_waiting``)
_SETTLING = threading.Lock()


@dataclass
class SheetScan:
    """What preflight saw in one worksheet part (rows and columns 1-based)."""

    part: str
    name: str = ""
    state: str = "visible"
    #: ``cells`` as counted so far; see that
    counted_cells: int = field(default=0, repr=False)
    #: (row, col, error text) of cells showing an Excel error, at most ``max_listed_cells``
    error_cells: list[tuple[int, int, str]] = field(default_factory=list)
    n_error_cells: int = 0
    percent_cells: set[tuple[int, int]] = field(default_factory=set)
    #: ``uncalculated`` and ``n_uncalculated`` as counted so far; see those
    listed_uncalculated: list[tuple[int, int]] = field(default_factory=list, repr=False)
    counted_uncalculated: int = field(default=0, repr=False)
    #: a simple cell region whose formulas are looked at only when asked (``_count_simple``):
    #: (the part's bytes, start, end, cells to list at most)
    formula_region: tuple[bytes, int, int, int] | None = field(default=None, repr=False, compare=False)
    #: a simple cell region whose cells holding a value are counted only when asked: (bytes, start, end)
    value_region: tuple[bytes, int, int] | None = field(default=None, repr=False, compare=False)

    @property
    def cells(self) -> int:
        """How many cells hold a value."""
        self._count_waiting()
        return self.counted_cells

    def cells_at_most(self) -> int:
        """A bound on ``cells`` known without counting (each waiting cell ends in at least 4 bytes):
        preflight's limit needs the count only above it (counting cost ~1 ms a return)."""
        region = self.value_region
        return self.counted_cells + ((region[2] - region[1]) // 4 if region is not None else 0)

    @property
    def uncalculated(self) -> list[tuple[int, int]]:
        """(row, col) of formulas saved without a calculated value, at most ``max_listed_cells``."""
        self._settle()
        return self.listed_uncalculated

    @property
    def n_uncalculated(self) -> int:
        """How many formulas were saved without a calculated value."""
        self._settle()
        return self.counted_uncalculated

    def uncalculated_in(self, columns: Iterable[int]) -> list[tuple[int, int]]:
        """``uncalculated`` in these columns. A simple region's formulas are looked at one by one only
        when a formula lies in one of them: a filled template's formulas (~1,000 a return) are in
        columns the toolkit does not read (~2 ms a return)."""
        wanted, region = set(columns), self.formula_region
        if region is not None and not _formula_in_columns(region, wanted):
            return [p for p in self.listed_uncalculated if p[1] in wanted]
        return [p for p in self.uncalculated if p[1] in wanted]

    def _settle(self) -> None:
        if self.formula_region is None:
            return
        with _SETTLING:  # a scan remembered by scan_file may be asked from two threads (the web app)
            if self.formula_region is None:
                return
            data, lo, hi, listed = self.formula_region
            found = _simple_uncalculated(data, lo, hi)
            self.counted_uncalculated += len(found)
            self.listed_uncalculated.extend(found[:max(listed - len(self.listed_uncalculated), 0)])
            self.formula_region = None

    def _count_waiting(self) -> None:
        if self.value_region is None:
            return
        with _SETTLING:
            if self.value_region is None:
                return
            data, lo, hi = self.value_region
            self.counted_cells += data.count(b"</v>", lo, hi) + data.count(b"</is>", lo, hi)
            self.value_region = None

    def __getstate__(self) -> dict:
        self._settle()  # sent without the part's bytes
        self._count_waiting()
        return self.__dict__


@dataclass
class PackageScan:
    """Facts preflight learnt about a package that passed."""

    sheets: list[SheetScan] = field(default_factory=list)
    date_1904: bool = False
    members: int = 0
    uncompressed_bytes: int = 0

    @property
    def cells(self) -> int:
        return sum(s.cells for s in self.sheets)

    def cells_at_most(self) -> int:
        return sum(s.cells_at_most() for s in self.sheets)

    def sheet(self, name: str) -> SheetScan | None:
        return next((s for s in self.sheets if s.name == name), None)


def column_letters(n: int) -> str:
    """The letters of 1-based column ``n`` (28: "AB"), as openpyxl's ``get_column_letter`` gives them:
    here so that the parsing workers, which otherwise never need openpyxl, start without importing it
    (~80 ms of every worker's start)."""
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _sniff(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return "other"


def _open_source(source: Source) -> tuple[int, bytes, bytes | str]:
    """(size, first 64 KiB, the file's bytes or its path)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return len(data), data[: 1 << 16], data
    path = os.fspath(source)
    size = os.stat(path).st_size
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    return size, head, path


def preflight(source: Source, limits: Limits = DEFAULT_LIMITS) -> PackageScan:
    """Raise IntakeRejected naming the reason; return the package's facts for a plausible .xlsx/.xlsm.
    ``source`` is a path or the file's bytes."""
    size, head, opener = _open_source(source)
    if size == 0:
        raise IntakeRejected("intake.not-a-workbook", "the file is empty")
    if size > limits.max_file_bytes:
        raise IntakeRejected("intake.too-large", f"{size:,} bytes (limit {limits.max_file_bytes:,})")
    kind = _sniff(head)
    if kind == "ole":
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in head or \
                b"EncryptedPackage" in head:
            raise IntakeRejected("intake.encrypted", "password-protected (encrypted) workbook")
        raise IntakeRejected("intake.legacy-xls", "an Excel 97-2003 (.xls) or other OLE file")
    if kind != "zip":
        raise IntakeRejected("intake.not-a-workbook", "neither an .xlsx workbook nor an Excel file")
    try:
        package = _whole(opener)
        archive = zipfile.ZipFile(io.BytesIO(package))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise IntakeRejected("intake.corrupt-zip", f"{exc}") from exc
    with archive:
        return _check_package(archive, limits, package)


def _whole(opener: bytes | str) -> bytes:
    """The file's bytes (at most ``max_file_bytes``, checked before): every part is read from them."""
    if isinstance(opener, bytes):
        return opener
    with open(opener, "rb") as fh:
        return fh.read()


def _check_package(archive: zipfile.ZipFile, limits: Limits, package: bytes) -> PackageScan:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise IntakeRejected("intake.zip-bomb", f"{len(infos)} members (limit {limits.max_members})")
    names = [i.filename for i in infos]
    if len(set(_norm(n) for n in names)) != len(names):
        raise IntakeRejected("intake.corrupt-zip", "two members share a name")
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise IntakeRejected("intake.zip-bomb", f"{total:,} bytes unzipped (limit {limits.max_uncompressed_bytes:,})")
    for info in infos:
        if info.file_size > 1 << 20 and info.file_size / max(info.compress_size, 1) > limits.max_ratio:
            raise IntakeRejected("intake.zip-bomb", f"{info.filename} expands {info.file_size / max(info.compress_size, 1):.0f}x")
    if not any(_norm(n).endswith("workbook.xml") for n in names):
        raise IntakeRejected("intake.not-a-workbook", "a zip file without a workbook part")
    by_norm = {_norm(i.filename): i for i in infos}
    members = _Members(archive, package, infos)
    structure = _Structure(members, by_norm)
    scan = PackageScan(members=len(infos), uncompressed_bytes=total, date_1904=structure.date_1904)
    for info in infos:
        if not _norm(info.filename).endswith((".xml", ".rels", ".vml")):
            continue
        sheet = None
        if _norm(info.filename) in structure.sheet_parts or (
                "worksheets/" in _norm(info.filename) and _norm(info.filename).endswith(".xml")):
            name, state = structure.sheet_parts.get(_norm(info.filename), ("", "visible"))
            sheet = SheetScan(info.filename, name, state)
        try:
            if info.file_size > _WHOLE_MEMBER_BYTES:
                scanned = _stream_plain_member(archive, info, limits, sheet, structure.percent_styles)
            else:
                scanned = _scan_whole_member(members, info, limits, sheet, structure.percent_styles)
            if not scanned:
                with archive.open(info) as member:
                    _scan_member(member, info.filename, limits, sheet, structure.percent_styles)
        except zipfile.BadZipFile as exc:  # CRC mismatch or a broken member
            raise IntakeRejected("intake.corrupt-zip", f"{info.filename}: {exc}") from exc
        except (zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:  # bad methods
            raise IntakeRejected("intake.corrupt-zip", f"{info.filename}: {type(exc).__name__}: {exc}") from exc
        if sheet is not None:
            scan.sheets.append(sheet)
            if scan.cells_at_most() > limits.max_value_cells and scan.cells > limits.max_value_cells:
                raise IntakeRejected("intake.range-too-large",
                                     f"more than {limits.max_value_cells:,} cells hold values")
    order = {name: i for i, name in enumerate(structure.sheet_order)}
    scan.sheets.sort(key=lambda s: order.get(s.name, len(order)))
    return scan


class _Members:
    """The package's members read whole: inflated by zlib-ng where they are plainly deflated
    (``toolkit.read.inflate``), else by zipfile, with its errors."""

    def __init__(self, archive: zipfile.ZipFile, package: bytes, infos: list[zipfile.ZipInfo]) -> None:
        self.archive, self.package = archive, package
        self.ends = member_ends(infos, archive.start_dir)

    def read(self, info: zipfile.ZipInfo) -> bytes:
        data = fast_inflate(self.package, info, self.ends.get(info.filename, 0))
        if data is None:
            with self.archive.open(info) as member:
                data = member.read()
        return data


def _norm(name: str) -> str:
    """Part names compared as Excel does: forward slashes, no leading slash, any case."""
    return name.replace("\\", "/").lstrip("/").lower()


class _Structure:
    """Workbook part, its sheets (name, state, part) and styles, read from the small structural parts
    with defusedxml; anything missing or odd leaves the defaults (the reader decides later)."""

    def __init__(self, members: _Members, by_norm: dict[str, zipfile.ZipInfo]) -> None:
        self.members, self.by_norm = members, by_norm
        self.sheet_parts: dict[str, tuple[str, str]] = {}
        self.sheet_order: list[str] = []
        self.percent_styles: set[int] = set()
        self.date_1904 = False
        try:
            self._read()
        except (SafeET.ParseError, ValueError, KeyError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            if "DTD" in type(exc).__name__ or "Entities" in type(exc).__name__:
                raise IntakeRejected("intake.hostile-xml", f"{type(exc).__name__}") from exc
            # a damaged structural part: the member scan or the reader reports it

    def _bytes(self, norm_name: str) -> bytes | None:
        info = self.by_norm.get(norm_name)
        if info is None or info.file_size > 32 * 1024 * 1024:
            return None
        data = self.members.read(info)
        if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
            raise IntakeRejected("intake.hostile-xml", f"{info.filename} declares a DTD or entities")
        return data

    def _rels(self, part: str) -> dict[str, str]:
        folder, base = posixpath.split(part)
        data = self._bytes(posixpath.join(folder, "_rels", base + ".rels"))
        return {} if data is None else dict(_relationships(data, folder))

    def _read(self) -> None:
        workbook = next((t.split("|")[0] for t in self._rels("").values() if t.split("|")[1].endswith("/officeDocument")),
                        None)
        if workbook not in self.by_norm:
            workbook = next((n for n in sorted(self.by_norm) if n.endswith("workbook.xml")), None)
        if workbook is None:
            return
        data = self._bytes(workbook)
        if data is None:
            return
        rels = self._rels(workbook)
        date_1904, sheets = _workbook_sheets(data)
        if date_1904 is not None:
            self.date_1904 = date_1904
        for name, rid, state in sheets:
            target = rels.get(rid, "|").split("|")[0]
            self.sheet_order.append(name)
            if target:
                self.sheet_parts[target] = (name, state)
        styles = next((t.split("|")[0] for t in rels.values() if t.split("|")[1].endswith("/styles")), None)
        data = self._bytes(styles) if styles else None
        if data is not None:
            self.percent_styles = set(_percent_styles(data))


# The structural parts below are parsed through functions of their bytes, remembered: the returns of
# one template share them (~0.4 ms a return). A part that does not parse raises each time it is asked.
@lru_cache(maxsize=64)
def _relationships(data: bytes, folder: str) -> tuple[tuple[str, str], ...]:
    """(Id, "resolved target in lower case|Type") of each relationship of a .rels part in ``folder``."""
    out = []
    for rel in SafeET.fromstring(data).iter():
        if _local(rel.tag) == "Relationship" and rel.get("Target"):
            target = rel.get("Target", "").replace("\\", "/")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out.append((rel.get("Id", ""), resolved.lower() + "|" + rel.get("Type", "")))
    return tuple(out)


@lru_cache(maxsize=64)
def _workbook_sheets(data: bytes) -> tuple[bool | None, tuple[tuple[str, str, str], ...]]:
    """A workbook part's 1904 date system (None: no workbookPr element) and its sheets as (name,
    relationship id, state), in order."""
    date_1904, sheets = None, []
    for el in SafeET.fromstring(data).iter():
        tag = _local(el.tag)
        if tag == "workbookPr":
            date_1904 = el.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            sheets.append((el.get("name", ""), rid, el.get("state", "visible")))
    return date_1904, tuple(sheets)


@lru_cache(maxsize=64)
def _percent_styles(data: bytes) -> frozenset[int]:
    """The cell styles (indexes into cellXfs) of a styles part that show a percent. Remembered by the
    part's bytes: the returns of one template share them, and parsing them is ~2 ms a file."""
    root = SafeET.fromstring(data)
    percent_ids = set(_BUILTIN_PERCENT)
    for el in root.iter():
        if _local(el.tag) == "numFmt" and is_percent_format(el.get("formatCode")):
            percent_ids.add(int(el.get("numFmtId", "-1")))
    xfs = next((el for el in root.iter() if _local(el.tag) == "cellXfs"), None)
    return frozenset(i for i, xf in enumerate(x for x in (xfs if xfs is not None else ()) if _local(x.tag) == "xf")
                     if int(xf.get("numFmtId", "0") or 0) in percent_ids)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def is_percent_format(number_format: str | None) -> bool:
    """Excel scales a value by 100 only for a % outside quotes (``0.0" %"`` is a literal sign)."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format or "")


def _scan_member(member: IO[bytes], name: str, limits: Limits, sheet: SheetScan | None,
                 percent_styles: set[int]) -> None:
    """Read the member through (which checks its CRC-32); refuse DTDs; for a worksheet, look at every
    cell: position limits, values, errors, formulas without a value, percent formats."""
    first = True
    tail = b""
    state = _RowState()
    text_run = 0  # bytes since the last "<" (a text node still open at the chunk's end)
    check_text = sheet is not None or _norm(name).endswith("sharedstrings.xml")
    while True:
        chunk = member.read(_CHUNK)
        if check_text and chunk:
            text_run = _check_text_runs(chunk, text_run, name, limits)
        if first:
            if b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:4096]:
                raise IntakeRejected("intake.hostile-xml", f"{name} declares a DTD or entities")
            if sheet is None and _WORKSHEET_ROOT.search(chunk[:4096]):
                sheet = SheetScan(name)  # a worksheet no relationship points to: still checked
            first = False
        if sheet is None:
            if not chunk:
                return
            continue
        if not chunk:
            if tail:
                _scan_cells(tail, name, limits, sheet, percent_styles, state)
            return
        data = tail + chunk
        end = _scan_cells(data, name, limits, sheet, percent_styles, state)
        tail = data[end:]
        if len(tail) > 1024:
            opens = list(_CELL_OPEN.finditer(tail))
            tail = tail[opens[-1].start():] if opens else tail[-1024:]
        if len(tail) > limits.max_cell_xml_bytes:
            raise IntakeRejected("intake.hostile-xml", f"{name} has a cell of more than {limits.max_cell_xml_bytes:,} bytes")


def _check_text_runs(chunk: bytes, carry: int, name: str, limits: Limits) -> int:
    """Refuse a text node longer than ``max_text_bytes``; return the open run at the chunk's end."""
    first = chunk.find(b"<")
    if first == -1:
        longest = carry = carry + len(chunk)
    else:
        longest = carry + first
        if longest <= limits.max_text_bytes and len(chunk) > limits.max_text_bytes and \
                not _every_block_has_tag(chunk, first, limits.max_text_bytes):
            pos = first
            while longest <= limits.max_text_bytes:
                nxt = chunk.find(b"<", pos + 1)
                if nxt == -1:
                    break
                longest, pos = max(longest, nxt - pos - 1), nxt
        carry = len(chunk) - chunk.rfind(b"<") - 1
        longest = max(longest, carry)
    if longest > limits.max_text_bytes:
        raise IntakeRejected("intake.hostile-xml", f"{name} holds a text of more than {limits.max_text_bytes:,} bytes "
                                                   f"(Excel allows 32,767 characters)")
    return carry


def _every_block_has_tag(chunk: bytes, start: int, limit: int) -> bool:
    """True when every block of ``limit // 2`` bytes from ``start`` holds a "<": then no two "<" are
    more than ``limit`` bytes apart (a longer gap would hold a whole block)."""
    block = max(limit // 2, 1)
    return all(chunk.find(b"<", k, k + block) != -1 for k in range(start, len(chunk), block))


def _scan_whole_member(members: _Members, info: zipfile.ZipInfo, limits: Limits, sheet: SheetScan | None,
                       percent_styles: set[int]) -> bool:
    """``_scan_member`` on the member read whole, with the fast path for plain cells. False (and
    ``sheet`` untouched) when the streaming scan must decide: the member cannot be read through (a
    CRC or zlib error), or it declares a DTD or holds too long a text (the streaming scan then names
    whichever problem it meets first)."""
    try:
        data = members.read(info)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        return False
    name = info.filename
    try:
        if sheet is not None or _norm(name).endswith("sharedstrings.xml"):
            carry = 0
            for start in range(0, len(data), _CHUNK):
                carry = _check_text_runs(data[start:start + _CHUNK], carry, name, limits)
        if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
            return False
    except IntakeRejected:
        return False
    if sheet is None:
        if not _WORKSHEET_ROOT.search(data[:4096]):
            return True
        sheet = SheetScan(name)  # a worksheet no relationship points to: still checked
    if _plain_cells(data, limits, sheet, percent_styles):
        return True
    # the streaming scan itself, on the bytes already read (its text and DTD checks pass again, so a
    # refusal from here is the one it would raise first)
    _scan_member(io.BytesIO(data), name, limits, sheet, percent_styles)
    return True


def _cell_region(data: bytes) -> tuple[int, int]:
    """Where the cells can be: from the first ``<sheetData>`` to the ``</sheetData>`` after it, when
    nothing outside could be read as a cell (no ``<c`` or ``:c`` opening one); else all of the part.
    Most of a template's sheet part lies outside (data validations, formatting)."""
    first = data.find(b"<sheetData>")
    end = data.find(b"</sheetData>", first) if first != -1 else -1
    if end == -1 or _cells_outside(data, first, end):
        return 0, len(data)
    return first, end


def _cells_outside(data: bytes, first: int, end: int) -> bool:
    """Whether anything before ``first`` or from ``end`` on could be read as a cell (a ``<c`` or ``:c``
    opening one)."""
    return any(p.search(data, lo, hi) for lo, hi in ((0, first), (end, len(data))) for p in _CELL_OPENINGS)


#: a cell's opening tag, without or with a namespace prefix (searched apart: a literal first character
#: keeps each search fast)
_CELL_OPENINGS = (re.compile(rb"<c[\s/>]"), re.compile(rb":c[\s/>]"))


def _plain_cells(data: bytes, limits: Limits, sheet: SheetScan, percent_styles: set[int]) -> bool:
    """``_scan_cells`` over a whole worksheet part whose every cell is plain (``_PLAIN_CELL``, with its
    reference): the same facts from one regex pass and a few list operations. False, with ``sheet``
    untouched, when a cell is not plain or lies beyond the limits (the exact scan then decides).

    The pass makes a tuple per cell, all freed on return; the garbage collector is paused meanwhile so
    that burst does not start a full collection of everything the process holds (~8 ms a return)."""
    with collector_paused():
        return _plain_cells_counted(data, limits, sheet, percent_styles)


def _plain_cells_counted(data: bytes, limits: Limits, sheet: SheetScan, percent_styles: set[int]) -> bool:
    if _count_simple(data, limits, sheet, percent_styles):
        return True
    lo, hi = _cell_region(data)
    return _count_plain(data, lo, hi, limits, sheet, percent_styles)


#: the simplest cell region, as the toolkit's templates are saved once filled: every cell plain with
#: its reference in columns A-Z and rows up to 99,999, no error cell, no blank or empty value text.
#: One match of the whole region then stands for ``_PLAIN_CELL``'s pass, without a tuple per cell.
#: Matched by RE2 (``_linear``); written for ``re`` as the cell patterns above are, possessive wherever
#: giving characters back could not let the rest match, so the tests can hold both engines to one text
_SIMPLE_LAST_ROW, _SIMPLE_LAST_COLUMN = 99_999, 26
_SIMPLE_CELL = (rb'<c r="[A-Z][0-9]{1,5}+"(?: s="[0-9]{1,9}+")?+(?: t="(?:[a-df-zA-Z][a-zA-Z]{0,11}+|e[a-zA-Z]{1,11}+)")?+'
                rb'(?: ?/>|>(?:<i' + _INLINE_TEXT_REST + rb'|(?:<f' + _FORMULA_REST + rb')?+'
                rb'(?:<v ?/>|<v>[^<\s][^<]*+</v>)?+)</c>)')
_SIMPLE_REGION_PATTERN = rb'<sheetData>(?:<row r="[0-9]{1,5}"[^<>]*(?:/>|>(?:' + _SIMPLE_CELL + rb')*+</row>))*+'


def _linear(pattern: bytes) -> re2._Regexp:
    """``pattern``, written for Python's ``re``, compiled by RE2 (google-re2). RE2 matches with an automaton
    in time linear in the text, without backtracking, so the possessive repeats ``re`` needs are dropped
    (where they stand, giving characters back could not let the rest match: the language is the same).
    Bytes match as bytes (Latin-1), as in ``re``. On a return's cell regions: ~1.5 against ~2.4 ms."""
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.max_mem = 64 << 20  # the automaton's cache (the default 8 MB is ~15 % slower on a sheet)
    return re2.compile(re.sub(rb"([*?}+])\+", rb"\1", pattern), options)


_SIMPLE_REGION = _linear(_SIMPLE_REGION_PATTERN)
#: in a simple region: a formula without a value (the value element absent or empty), up to its cell's end
_SIMPLE_UNCALCULATED = re.compile(rb'<f' + _FORMULA_REST + rb'(<v ?/>)?</c>')


def _count_simple(data: bytes, limits: Limits, sheet: SheetScan, percent_styles: set[int]) -> bool:
    """``_count_plain`` for a simple region (``_SIMPLE_REGION``) on a workbook without percent styles:
    the cells holding a value are the value and inline-text elements (neither can be blank there), and
    only formulas are looked at one by one. False, with ``sheet`` untouched, for any other region.

    The region is ``_cell_region``'s, found by the match itself: from the first ``<sheetData>``, the
    match stops at the first ``</sheetData>`` (no row of a simple region holds one), so no search for
    that end walks the part first (~0.3 ms a return)."""
    if percent_styles or limits.max_row < _SIMPLE_LAST_ROW or limits.max_column < _SIMPLE_LAST_COLUMN:
        return False
    lo = data.find(b"<sheetData>")
    whole = _SIMPLE_REGION.match(data, lo) if lo != -1 else None
    if whole is None or not data.startswith(b"</sheetData>", hi := whole.end()):
        return False
    if _cells_outside(data, lo, hi):
        return False  # the whole part is looked at
    sheet._count_waiting()  # at most one region waits (here and below: worked out, if one did)
    sheet.value_region = (data, lo, hi)
    if data.find(b"<f", lo, hi) != -1:
        sheet._settle()
        sheet.formula_region = (data, lo, hi, limits.max_listed_cells)
    return True


def _simple_uncalculated(data: bytes, lo: int, hi: int) -> list[tuple[int, int]]:
    """(row, col) of the formulas without a value in a simple region, in the sheet's order."""
    uncalculated = []
    for formula in _SIMPLE_UNCALCULATED.finditer(data, lo, hi):
        start = formula.start()
        cell = data.rfind(b'<c r="', lo, start)
        if formula.group(1) and data.find(b' t="str"', cell, start) != -1:
            continue  # a text formula whose result is the empty text
        uncalculated.append((int(data[cell + 7:data.index(b'"', cell + 7)]), data[cell + 6] - 64))
    return uncalculated


@lru_cache(maxsize=64)
def _formula_cell_in(letters: bytes) -> re2._Regexp:
    """A cell of a simple region holding a formula, in one of the columns ``letters``."""
    return _linear(rb'<c r="[' + letters + rb'][0-9]+"[^>]*><f')


def _formula_in_columns(region: tuple[bytes, int, int, int], columns: set[int]) -> bool:
    """Whether a simple region (single-letter columns only) has a formula cell in one of ``columns``."""
    letters = bytes(sorted(64 + c for c in columns if 1 <= c <= _SIMPLE_LAST_COLUMN))
    if not letters:
        return False
    data, lo, hi, _ = region
    return _formula_cell_in(letters).search(data, lo, hi) is not None


def _count_plain(data: bytes, lo: int, hi: int, limits: Limits, sheet: SheetScan, percent_styles: set[int]) -> bool:
    """Add the plain cells of ``data[lo:hi]`` to ``sheet`` (which may hold earlier cells of the same
    part); False, with ``sheet`` untouched, when a cell is not plain or lies beyond the limits."""
    if any(p.search(data, lo, hi) for p in _NOT_PLAIN):
        return False
    found = _PLAIN_CELL.findall(data, lo, hi)
    if not found:
        return True
    if any(map(itemgetter(_OTHER), found)):
        return False
    # the groups every cell needs, a group at a time (transposing all twelve cost ~1.5 ms a return)
    get_letters, get_digits, get_inline, get_texts, get_formula, get_error = _COLUMNS
    number = {text: _column_number(text) for text in set(map(get_letters, found))}
    row_number = {text: int(text) for text in set(map(get_digits, found))}
    if max(row_number.values()) > limits.max_row or max(number.values()) > limits.max_column:
        return False
    texts, inline = list(map(get_texts, found)), list(map(get_inline, found))
    blank, errors = any(map(bytes.isspace, texts)), any(map(get_error, found))
    if blank or errors or percent_styles:  # which cells hold a value, one by one
        holds = [bool(i or (t.strip() if blank else t)) for i, t in zip(inline, texts)]
        sheet.counted_cells += sum(holds)
    else:  # a cell holds an inline text or a value, never both
        sheet.counted_cells += 2 * len(found) - texts.count(b"") - inline.count(b"")
    n_listed = limits.max_listed_cells
    for cell in compress(found, map(get_formula, found)):
        if not (cell[_TEXTS] or (cell[_VALUE] and cell[_TEXT_TYPE])):
            sheet.counted_uncalculated += 1
            if len(sheet.listed_uncalculated) < n_listed:
                sheet.listed_uncalculated.append((row_number[cell[_DIGITS]], number[cell[_LETTERS]]))
    if errors:
        for cell in compress(found, holds):
            if cell[_ERROR]:
                sheet.n_error_cells += 1
                if len(sheet.error_cells) < n_listed:
                    sheet.error_cells.append((row_number[cell[_DIGITS]], number[cell[_LETTERS]],
                                              cell[_TEXTS].decode("utf-8", "replace").strip()))
    if percent_styles:
        for cell in compress(found, holds):
            if (cell[_NUMBER_TYPE] or not cell[_TYPED]) and cell[_STYLE] and int(cell[_STYLE]) in percent_styles:
                sheet.percent_cells.add((row_number[cell[_DIGITS]], number[cell[_LETTERS]]))
    return True


def _stream_plain_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, sheet: SheetScan | None,
                         percent_styles: set[int]) -> bool:
    """The fast path for a worksheet part too large to read whole (a national catalogue's sheet is
    tens of MB): streamed, cut after each chunk's last ``</row>``, every piece counted by
    ``_count_plain`` into a fresh scan that replaces ``sheet`` at the end. False, with ``sheet``
    untouched, whenever the streaming scan must decide (a cell that is not plain, a DTD, too long a
    text or row, an unreadable member); that scan then reads the member again from the start."""
    if sheet is None:
        return False  # not a known worksheet part: the streaming scan decides what it is
    name = info.filename
    counted = SheetScan(sheet.part, sheet.name, sheet.state)
    carry, tail, first = 0, b"", True
    try:
        # the collector paused as in _plain_cells: a tuple per cell, freed piece by piece
        with collector_paused(), archive.open(info) as member:
            while True:
                chunk = member.read(_CHUNK)
                if chunk:
                    carry = _check_text_runs(chunk, carry, name, limits)
                if first and (b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:4096]):
                    return False
                first = False
                data = tail + chunk
                if chunk:
                    cut = data.rfind(b"</row>")
                    if cut == -1:  # no row ends in this piece yet: read on
                        if len(data) > limits.max_cell_xml_bytes:
                            return False
                        tail = data
                        continue
                    cut += len(b"</row>")
                else:  # the member's end: what is left is counted whole
                    cut = len(data)
                if not _count_plain(data, 0, cut, limits, counted, percent_styles):
                    return False
                tail = data[cut:]
                if not chunk:
                    break
    except (IntakeRejected, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError):
        return False
    for f in fields(SheetScan):
        setattr(sheet, f.name, getattr(counted, f.name))
    return True


class _RowState:
    __slots__ = ("row", "col")

    def __init__(self) -> None:
        self.row, self.col = 0, 0


def _scan_cells(data: bytes, name: str, limits: Limits, sheet: SheetScan, percent_styles: set[int],
                st: _RowState) -> int:
    end = 0
    for m in _TOKEN.finditer(data):
        end = m.end()
        if m.group(1):  # <row ...>
            attrs = dict(_ATTR.findall(m.group(2)))
            r = attrs.get(b"r", b"")
            st.row = int(r) if r.isdigit() else st.row + 1
            st.col = 0
            continue
        attrs = dict(_ATTR.findall(m.group(3)))
        ref = _REF.match(attrs.get(b"r", b""))
        if ref:
            col, row = _column_number(ref.group(1)), int(ref.group(2))
            st.row = row
        else:
            col, row = st.col + 1, max(st.row, 1)
        st.col = col
        if row > limits.max_row or col > limits.max_column:
            raise IntakeRejected("intake.range-too-large",
                                 f"{name} has a cell at {column_letters(col)}{row} "
                                 f"(limits: row {limits.max_row:,}, column {limits.max_column})")
        body = m.group(4)
        if not body:
            continue
        v = _V.search(body)
        v_text = (v.group(1) or b"") if v else b""
        kind = attrs.get(b"t", b"n")
        holds = bool(v_text.strip()) or bool(_IS.search(body))
        if _F.search(body) and not (v_text or (v and kind == b"str")):
            sheet.counted_uncalculated += 1
            if len(sheet.listed_uncalculated) < limits.max_listed_cells:
                sheet.listed_uncalculated.append((row, col))
        if not holds:
            continue
        sheet.counted_cells += 1
        if kind == b"e":
            sheet.n_error_cells += 1
            if len(sheet.error_cells) < limits.max_listed_cells:
                sheet.error_cells.append((row, col, v_text.decode("utf-8", "replace").strip()))
        elif kind == b"n" and percent_styles:
            s = attrs.get(b"s", b"")
            if s.isdigit() and int(s) in percent_styles:
                sheet.percent_cells.add((row, col))
    return end
