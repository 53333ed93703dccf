"""The feedback workbook: the agency's own file, each offending cell highlighted with a Thai comment,
and a first sheet listing every issue with a link to its cell."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from toolkit.atomic import commit, temp_path
from toolkit.findings import FileReport

if TYPE_CHECKING:
    from toolkit.diff import ReturnDiff

ISSUES_SHEET = "ผลการตรวจ (Issues)"
CHANGES_SHEET = "เทียบครั้งก่อน (Changes)"
_KIND = {"changed": "แก้ไข / changed", "added": "เพิ่ม / added", "removed": "ลบ / removed"}
_CHANGES_HEAD = ("แผ่นงาน / Sheet", "ช่อง / Cell", "รายการ / Item", "คอลัมน์ / Column", "ครั้งก่อน / Before",
                 "ครั้งนี้ / Now", "การเปลี่ยนแปลง / Change")
#: what both writers (this one and ``toolkit.feedback_patch``) put in the feedback workbook
AUTHOR = "สยป. ตรวจสอบ"
COLOURS = {"error": "FFC7CE", "warning": "FFEB9C", "resolved": "C6EFCE", "link": "0563C1"}
ISSUES_WIDTHS = (7, 16, 26, 8, 20, 60, 60, 28)
CHANGES_WIDTHS = (26, 8, 22, 40, 24, 24, 18)
_FILL = {"error": PatternFill("solid", fgColor=COLOURS["error"]), "warning": PatternFill("solid", fgColor=COLOURS["warning"])}
_HEAD = ("ลำดับ / No.", "ระดับ / Severity", "แผ่นงาน / Sheet", "ช่อง / Cell", "ค่าที่พบ / Value",
         "รายละเอียด / Issue", "Issue (English)", "กฎ / Rule")


def issues_title(report: FileReport) -> str:
    """The Issues sheet's first line."""
    return (f"ผลการตรวจไฟล์ {report.file}: ข้อผิดพลาด {len(report.errors)} รายการ คำเตือน {len(report.warnings)} รายการ"
            f" / {len(report.errors)} errors, {len(report.warnings)} warnings")


def severity_label(severity: str) -> str:
    return "ข้อผิดพลาด / error" if severity == "error" else "คำเตือน / warning"


def changes_titles(diff: "ReturnDiff") -> tuple[str, str]:
    """The Changes sheet's first two lines, Thai then English."""
    prev = diff.previous
    return (f"เทียบกับไฟล์ที่ผ่านการตรวจครั้งก่อน {prev.original_name} (ได้รับ {prev.received_at[:10]}): "
            f"แก้ไข {len(diff.changes)} ช่อง แก้ประเด็นได้ {len(diff.resolved)} ประเด็นใหม่ {len(diff.raised)}",
            f"Against the previous accepted return {prev.original_name} (received {prev.received_at[:10]}): "
            f"{len(diff.changes)} cell(s) changed, {len(diff.resolved)} flag(s) resolved, {len(diff.raised)} raised")


def flag_groups(diff: "ReturnDiff") -> tuple[tuple[str, list, bool], ...]:
    """(title, flags, resolved) of the Changes sheet's two lists of flags."""
    return (("ประเด็นที่แก้ไขแล้ว / Flags resolved", diff.resolved, True),
            ("ประเด็นใหม่ / Flags raised", diff.raised, False))


#: characters no cell of a workbook can hold (XML 1.0 forbids them): both feedback writers drop them
#: from what they write (a finding's value is what the agency typed)
NOT_IN_A_CELL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _printable(values: list) -> list:
    """``values`` with ``NOT_IN_A_CELL`` taken out of every text (openpyxl refuses the control
    characters, and a workbook holding the others is broken)."""
    return [NOT_IN_A_CELL.sub("", v) if isinstance(v, str) else v for v in values]


def _as_text(row: tuple) -> None:
    for c in row:
        if isinstance(c.value, str) and c.value[:1] in "=+-@":
            c.data_type = "s"  # agency text stays text, never a formula


def _write_changes(book: openpyxl.Workbook, diff: "ReturnDiff") -> None:
    """A sheet listing, cell by cell, what changed against the previous accepted return, and the
    flags this file resolved and raised."""
    ws = book.create_sheet(CHANGES_SHEET, 1)
    for line in changes_titles(diff):
        ws.append(_printable([line]))
    ws.append(list(_CHANGES_HEAD))
    for c in ws[3]:
        c.font = Font(bold=True)
    for ch in diff.changes:
        ws.append(_printable([ch.sheet, ch.cell, ch.item, f"{ch.label_th} / {ch.label_en}", ch.before, ch.after,
                              _KIND[ch.kind]]))
        _as_text(ws[ws.max_row])
        if ch.cell and ch.sheet in book.sheetnames and ":" not in ch.cell:
            link = ws.cell(ws.max_row, 2)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(ch.sheet)}!{ch.cell}")
            link.font = Font(color=COLOURS["link"], underline="single")
    for title, flags, resolved in flag_groups(diff):
        fill = PatternFill("solid", fgColor=COLOURS["resolved"]) if resolved else None
        ws.append([])
        ws.append([f"{title}: {len(flags)}"])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for f in flags:
            ws.append(_printable([f.sheet, f.cell, f.rule, f.message_th, f.value, f.message_en]))
            _as_text(ws[ws.max_row])
            ws.cell(ws.max_row, 1).fill = fill or _FILL.get(f.severity, _FILL["warning"])
    for col, width in zip("ABCDEFG", CHANGES_WIDTHS):
        ws.column_dimensions[col].width = width


def write_feedback(source: Path, report: FileReport, out_path: Path, changes: "ReturnDiff | None" = None) -> Path | None:
    """Write the annotated copy; returns None when the source cannot be opened as a workbook.
    With ``changes`` (a resubmission), a second sheet shows what changed against the previous
    accepted return. The agency's package is patched in place (:mod:`toolkit.feedback_patch`, every
    untouched part kept byte for byte); whatever that cannot handle goes through openpyxl as before."""
    from toolkit.feedback_patch import patch_feedback
    try:
        return patch_feedback(Path(source), report, Path(out_path), changes)
    except Exception:  # anything unexpected: openpyxl's load + save below, never worse than before
        pass
    return write_feedback_openpyxl(source, report, out_path, changes)


def write_feedback_openpyxl(source: Path, report: FileReport, out_path: Path,
                            changes: "ReturnDiff | None" = None) -> Path | None:
    """The feedback workbook through openpyxl's load + save (slow; drops parts openpyxl does not know)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(source)
    except Exception:  # an unreadable file gets its issues in the report only
        return None
    notes: dict[tuple[str, str], list[str]] = {}
    for f in report.findings:
        if f.sheet in book.sheetnames and f.cell:
            notes.setdefault((f.sheet, f.cell), []).append(f"[{f.rule}] {f.message_th}")
            cell = book[f.sheet][f.cell]
            if f.severity == "error" or cell.fill.fgColor.rgb != _FILL["error"].fgColor.rgb:
                cell.fill = _FILL[f.severity]
    for (sheet, ref), texts in notes.items():
        comment = Comment(_printable(["\n".join(texts)[:3000]])[0], AUTHOR)
        comment.width, comment.height = 320, 160
        book[sheet][ref].comment = comment
    ws = book.create_sheet(ISSUES_SHEET, 0)
    ws.append(_printable([issues_title(report)]))
    ws.append(list(_HEAD))
    for c in ws[2]:
        c.font = Font(bold=True)
    for i, f in enumerate(report.findings, start=1):
        ws.append(_printable([i, severity_label(f.severity), f.sheet, f.cell, f.value, f.message_th, f.message_en,
                              f.rule]))
        row = ws.max_row
        _as_text(ws[row])
        if f.sheet in book.sheetnames and f.cell:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(f.sheet)}!{f.cell}")
            link.font = Font(color=COLOURS["link"], underline="single")
        ws.cell(row, 1).fill = _FILL[f.severity]
    for col, width in zip("ABCDEFGH", ISSUES_WIDTHS):
        ws.column_dimensions[col].width = width
    if changes is not None:
        _write_changes(book, changes)
    book.active = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(out_path)
    book.save(tmp)
    commit(tmp, out_path)
    return out_path
