"""The feedback workbook: the agency's own file, each offending cell highlighted with a Thai comment,
and a first sheet listing every issue with a link to its cell."""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from toolkit.atomic import commit, temp_path
from toolkit.findings import FileReport

ISSUES_SHEET = "ผลการตรวจ (Issues)"
_FILL = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
_HEAD = ("ลำดับ / No.", "ระดับ / Severity", "แผ่นงาน / Sheet", "ช่อง / Cell", "ค่าที่พบ / Value",
         "รายละเอียด / Issue", "Issue (English)", "กฎ / Rule")


def write_feedback(source: Path, report: FileReport, out_path: Path) -> Path | None:
    """Write the annotated copy; returns None when the source cannot be opened as a workbook."""
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
        comment = Comment("\n".join(texts)[:3000], "สยป. ตรวจสอบ")
        comment.width, comment.height = 320, 160
        book[sheet][ref].comment = comment
    ws = book.create_sheet(ISSUES_SHEET, 0)
    ws.append([f"ผลการตรวจไฟล์ {report.file}: ข้อผิดพลาด {len(report.errors)} รายการ คำเตือน {len(report.warnings)} รายการ"
               f" / {len(report.errors)} errors, {len(report.warnings)} warnings"])
    ws.append(list(_HEAD))
    for c in ws[2]:
        c.font = Font(bold=True)
    for i, f in enumerate(report.findings, start=1):
        ws.append([i, "ข้อผิดพลาด / error" if f.severity == "error" else "คำเตือน / warning", f.sheet, f.cell,
                   f.value, f.message_th, f.message_en, f.rule])
        row = ws.max_row
        for c in ws[row]:
            if isinstance(c.value, str) and c.value[:1] in "=+-@":
                c.data_type = "s"  # agency text stays text, never a formula
        if f.sheet in book.sheetnames and f.cell:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(f.sheet)}!{f.cell}")
            link.font = Font(color="0563C1", underline="single")
        ws.cell(row, 1).fill = _FILL[f.severity]
    for col, width in zip("ABCDEFGH", (7, 16, 26, 8, 20, 60, 60, 28)):
        ws.column_dimensions[col].width = width
    book.active = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(out_path)
    book.save(tmp)
    commit(tmp, out_path)
    return out_path
