"""Generate one template per agency and round from the schemas and the catalogue."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from schemas import PROJECTS, SHEETS, Column, SheetSpec
from toolkit import SCHEMA_VERSION, __version__
from toolkit.atomic import commit, temp_path
from toolkit.calendar import Round, fiscal_bounds, format_be
from toolkit.catalogue import Catalogue
from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.expected import all_expected, prefill_payload, unit_key
from toolkit.layout import (BE_DATE_FORMAT, END_MARKER, FIRST_DATA_ROW, HEADER_EN_ROW, HEADER_TH_ROW,
                            INSTRUCTIONS_SHEET, META_CHUNK, META_SHEET, TITLE_ROW, template_checksum)
from toolkit.reference import Reference
from toolkit.template.xlsx import check, new_workbook, write_value
from xlsxwriter.utility import quote_sheetname, xl_col_to_name

CONTACT = "สำนักยุทธศาสตร์และประเมินผล (สยป.) กองยุทธศาสตร์บริหารจัดการ โทร. 1543"


@dataclass(frozen=True)
class GeneratedTemplate:
    agency: str
    round: str
    path: Path
    template_id: str
    rows: dict[str, int]


def template_filename(rnd: Round, agency_code: str, agency_name: str) -> str:
    short = re.sub(r"^สำนักงานเขต", "", agency_name)
    short = re.sub(r"[\\/:*?\"<>|\s]+", "_", short).strip("_")[:40]
    return f"{rnd}_{agency_code}_{short}.xlsx"


class _Formats:
    def __init__(self, book: Any) -> None:
        base = {"font_name": "TH Sarabun New", "font_charset": 222, "font_size": 14, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
        self.title = book.add_format({**base, "bold": True, "font_size": 16, "border": 0})
        self.head_th = book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                                        "text_wrap": True, "align": "center", "valign": "vcenter"})
        self.head_en = book.add_format({**base, "italic": True, "font_size": 12, "bg_color": "#DDEBF7",
                                        "text_wrap": True, "align": "center"})
        self.end = book.add_format({**base, "italic": True, "font_color": "#7F7F7F", "border": 0})
        self.wrap = book.add_format({**base, "border": 0, "text_wrap": True})
        self.bold = book.add_format({**base, "border": 0, "bold": True})
        self.bold_wrap = book.add_format({**base, "border": 0, "bold": True, "text_wrap": True})
        self.head_computed = book.add_format({**base, "bold": True, "bg_color": "#548235", "font_color": "#FFFFFF",
                                              "text_wrap": True, "align": "center", "valign": "vcenter"})
        self._cache: dict[tuple[str, bool], Any] = {}
        self._book = book
        self._base = base

    def computed(self, kind: str) -> Any:
        key = ("computed:" + kind, False)
        if key not in self._cache:
            props = {**self._base, "bg_color": "#E2EFDA", "locked": True, "italic": True,
                     "num_format": '0.0" %"' if kind == "percent" else "#,##0"}
            self._cache[key] = self._book.add_format(props)
        return self._cache[key]

    def cell(self, col: Column, editable: bool) -> Any:
        key = (col.kind, editable)
        if key not in self._cache:
            props = dict(self._base)
            props.update({"bg_color": "#FFF2CC", "locked": False} if editable else {"bg_color": "#EDEDED", "locked": True})
            if col.kind == "date":
                props["num_format"] = BE_DATE_FORMAT
            elif col.kind == "money":
                props["num_format"] = "#,##0"
            elif col.kind == "percent":
                props["num_format"] = '0.0" %"'
            elif col.kind == "number":
                props["num_format"] = "#,##0.##"
            elif col.kind in ("longtext", "text"):
                props["text_wrap"] = True
            elif col.kind == "code":
                props["num_format"] = "@"
            self._cache[key] = self._book.add_format(props)
        return self._cache[key]


_DEFAULT_HELP = {
    "percent": "กรอกร้อยละเป็นตัวเลข 0 ถึง 100", "money": "กรอกจำนวนเงินเป็นบาทเต็ม",
    "date": "กรอกวันที่ เช่น 26/10/2563 (วัน/เดือน/ปี พ.ศ.)", "status": "เลือกจากรายการ",
    "number": "กรอกตัวเลขในหน่วยนับของตัวชี้วัด",
}
ROW_HEIGHT = 22  # points: Thai vowels and tone marks need more than Excel's 15


def _row_height(texts_and_widths: list[tuple[object, float]], max_lines: int = 6) -> float:
    """Height that shows wrapped text whole: XlsxWriter cannot autofit, so estimate lines by length."""
    lines = 1
    for text, width in texts_and_widths:
        if isinstance(text, str) and text:
            lines = max(lines, -(-len(text) // max(int(width), 1)))
    return ROW_HEIGHT * min(lines, max_lines)


def _validation(col: Column, ref: Reference, rnd: Round, unit: str | None = None) -> dict[str, Any] | None:
    """The Excel input rule of an editable column (per row for KPI results, by the KPI's unit)."""
    lo, hi = fiscal_bounds(rnd.fiscal_year)
    common = {"error_title": "ค่าไม่ถูกต้อง", "input_title": col.th[:32],
              "input_message": (col.help_th or _DEFAULT_HELP.get(col.kind, ""))[:255]}
    if col.kind == "percent":
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_message": "กรุณากรอกร้อยละเป็นตัวเลข 0 ถึง 100 (ไม่ต้องใส่เครื่องหมาย %)"}
    elif col.kind == "money":
        rule = {"validate": "integer", "criteria": ">=", "value": 0,
                "error_message": "กรุณากรอกจำนวนเงินเป็นบาทเต็ม ไม่ติดลบ ไม่ต้องใส่จุลภาค"}
    elif col.kind == "date":
        rule = {"validate": "date", "criteria": "between",
                "minimum": datetime(lo.year, lo.month, lo.day), "maximum": datetime(hi.year, hi.month, hi.day),
                "error_message": f"กรุณากรอกวันที่ภายในปีงบประมาณ {format_be(lo)} - {format_be(hi)}"}
    elif col.kind == "status":
        labels = [s.label_th for s in ref.vocab(col.vocab or "")]
        rule = {"validate": "list", "source": labels, "error_type": "warning",
                "error_message": "กรุณาเลือกจากรายการ"}
    elif col.kind == "number" and unit:
        u = ref.units.get(unit)
        if u and u.kind == "level":
            rule = {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 5,
                    "error_message": "ตัวชี้วัดระดับความสำเร็จ: กรุณากรอกจำนวนเต็ม 1 ถึง 5"}
        elif u and u.kind == "percent":
            rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                    "error_message": "ตัวชี้วัดหน่วยร้อยละ: กรุณากรอก 0 ถึง 100"}
        else:
            rule = {"validate": "decimal", "criteria": ">=", "value": 0,
                    "error_message": "กรุณากรอกตัวเลขไม่ติดลบ ในหน่วยนับของตัวชี้วัด"}
    else:
        return None
    if not common["input_message"]:
        del common["input_message"]
    return {**common, **rule}


def _formula(template: str, spec: SheetSpec, row: int) -> str:
    """Expand a Computed formula's placeholders for one 1-based Excel ``row``."""
    from schemas import SHEETS_BY_KEY

    def letter(sheet: SheetSpec, key: str) -> str:
        keys = [c.key for c in sheet.columns] + [c.key for c in sheet.computed]
        return xl_col_to_name(keys.index(key))

    def expand(m: re.Match[str]) -> str:
        token = m.group(1)
        if token == "row":
            return str(row)
        if token == "first":
            return str(FIRST_DATA_ROW)
        if token.startswith("sheet:"):
            return quote_sheetname(SHEETS_BY_KEY[token[6:]].sheet_name)
        if "." in token:
            other, key = token.split(".", 1)
            return letter(SHEETS_BY_KEY[other], key)
        return letter(spec, token)

    return re.sub(r"\{([a-z_:.]+)\}", expand, template)


class _ValidationRuns:
    """Input rules added a run of cells at a time: each column's consecutive rows with the same rule
    become one range (a rule per cell made a 450-row sheet carry 2,300 rules, 1.3 MB of XML that Excel,
    LibreOffice and every reader of the returned file had to get through)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.runs: dict[int, tuple[dict[str, Any], int, int, str]] = {}

    def add(self, r: int, c: int, rule: dict[str, Any] | None, what: str) -> None:
        run = self.runs.get(c)
        if run is not None and run[0] == rule and run[2] == r - 1:
            self.runs[c] = (run[0], run[1], r, run[3])
            return
        self._flush(c)
        if rule:
            self.runs[c] = (rule, r, r, what)

    def _flush(self, c: int) -> None:
        run = self.runs.pop(c, None)
        if run is not None:
            rule, first, last, what = run
            check(self.ws.data_validation(first, c, last, c, rule), what)

    def close(self) -> None:
        for c in sorted(self.runs):
            self._flush(c)


def _write_sheet(book: Any, fmt: _Formats, spec: SheetSpec, rows: list[dict[str, Any]], ref: Reference,
                 rnd: Round, agency_label: str, all_rows: dict[str, list[dict[str, Any]]]) -> None:
    ws = book.add_worksheet(spec.sheet_name)
    last_col = len(spec.columns) + len(spec.computed) - 1
    check(ws.write_string(TITLE_ROW - 1, 0, f"{spec.th} / {spec.en} — {agency_label} — {rnd.label_th}", fmt.title),
          "write title")
    ws.set_row(TITLE_ROW - 1, 26)
    ws.set_default_row(ROW_HEIGHT)
    for c, col in enumerate(spec.columns):
        check(ws.write_string(HEADER_TH_ROW - 1, c, col.th, fmt.head_th), "write Thai header")
        check(ws.write_string(HEADER_EN_ROW - 1, c, col.en, fmt.head_en), "write English header")
        ws.set_column(c, c, col.width)
    for c, comp in enumerate(spec.computed, start=len(spec.columns)):
        check(ws.write_string(HEADER_TH_ROW - 1, c, comp.th, fmt.head_computed), "write computed header")
        check(ws.write_string(HEADER_EN_ROW - 1, c, comp.en, fmt.head_en), "write computed header")
        ws.set_column(c, c, comp.width)
    ws.set_row(HEADER_TH_ROW - 1, 48)
    ws.set_row(HEADER_EN_ROW - 1, 36)
    rules = _ValidationRuns(ws)
    for i, row in enumerate(rows):
        r = FIRST_DATA_ROW - 1 + i
        unit = unit_key(ref, str(row.get("unit", ""))) if spec.key in ("kpis", "kpi_quarters") else None
        ws.set_row(r, _row_height([(row.get(col.key), col.width) for col in spec.columns if not col.editable]))
        for c, col in enumerate(spec.columns):
            cell_fmt = fmt.cell(col, col.editable)
            write_value(ws, r, c, None if col.editable and col.key not in row else row.get(col.key), cell_fmt)
            if col.editable:
                rules.add(r, c, _validation(col, ref, rnd, unit), f"add validation to {spec.key}.{col.key}")
        for c, comp in enumerate(spec.computed, start=len(spec.columns)):
            cached = comp.initial(row, all_rows) if comp.initial else 0
            check(ws.write_formula(r, c, _formula(comp.formula, spec, r + 1), fmt.computed(comp.kind), cached),
                  f"write formula {spec.key}.{comp.key}")
    first_extra = FIRST_DATA_ROW - 1 + len(rows)
    codes_source = None
    if all_rows.get("projects"):
        n = len(all_rows["projects"])
        codes_source = f"={quote_sheetname(PROJECTS.sheet_name)}!$A${FIRST_DATA_ROW}:$A${FIRST_DATA_ROW + n - 1}"
    for r in range(first_extra, first_extra + spec.extra_rows):
        for c, col in enumerate(spec.columns):
            write_value(ws, r, c, None, fmt.cell(col, True))
            if col.key == "project_code" and codes_source:
                rule = {"validate": "list", "source": codes_source, "input_title": "รายงานเพิ่มเติม",
                        "input_message": "แถวว่างสำหรับรายงานเพิ่มเติม: เลือกรหัสโครงการ แล้วใส่ครั้งที่รายงานถัดไป",
                        "error_message": "กรุณาเลือกรหัสโครงการของหน่วยงาน"}
            elif col.key in spec.id_columns:
                rule = {"validate": "integer", "criteria": ">=", "value": 1, "input_title": col.th[:32],
                        "input_message": "ครั้งที่ของรายงานเพิ่มเติม (ต่อจากครั้งล่าสุด)",
                        "error_message": "กรุณากรอกจำนวนเต็มตั้งแต่ 1"}
            else:
                rule = _validation(col, ref, rnd) if col.editable else None
            rules.add(r, c, rule, f"add validation to extra row {spec.key}.{col.key}")
        for c, comp in enumerate(spec.computed, start=len(spec.columns)):
            check(ws.write_formula(r, c, _formula(comp.formula, spec, r + 1), fmt.computed(comp.kind), 0),
                  f"write formula {spec.key}.{comp.key}")
    rules.close()
    end_row = first_extra + spec.extra_rows
    check(ws.write_string(end_row, 0, END_MARKER, fmt.end), "write end marker")
    if rows:
        check(ws.autofilter(HEADER_EN_ROW - 1, 0, end_row - 1, last_col), "set autofilter")
    ws.freeze_panes(FIRST_DATA_ROW - 1, len(spec.id_columns))
    ws.protect("", {"sort": True, "autofilter": True, "format_columns": True, "format_rows": True,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_TH_ROW - 1, HEADER_EN_ROW - 1)
    ws.set_footer(f"&L{agency_label}&C{rnd}&Rหน้า &P / &N")


def _write_instructions(book: Any, fmt: _Formats, agency_label: str, rnd: Round, settings: Settings,
                        template_id: str, agency_link: str | None = None) -> None:
    ws = book.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 100)
    ws.set_row(0, 30)
    due = format_be(rnd.due_date(settings.due_days_after_round))
    lines = [
        ("แบบรายงานผลการดำเนินงานโครงการและตัวชี้วัด", "Project and KPI progress return"),
        ("หน่วยงาน / Agency", agency_label),
        ("รอบรายงาน / Round", f"{rnd.label_th} ({rnd})"),
        ("กำหนดส่ง / Due", f"ภายในวันที่ {due} ส่งไฟล์นี้กลับทางอีเมลถึง สยป. / Return this file by {due}"),
        ("ผู้ประสานงาน / Contact", CONTACT),
        *([("ตรวจและส่งทางเว็บ / Check and submit online",
            f"{agency_link} (ลิงก์เฉพาะหน่วยงานของท่าน ห้ามเผยแพร่ / your agency's own link; do not share)")]
          if agency_link else []),
        ("วิธีกรอก / How to fill",
         "กรอกเฉพาะช่องสีเหลือง ช่องสีเทาเป็นข้อมูลจากแผนซึ่งแก้ไขไม่ได้ วันที่ใช้ วัน/เดือน/ปี พ.ศ. "
         "ตัวเลขไม่ต้องใส่เครื่องหมายจุลภาค / Fill the yellow cells only; grey cells come from the plan."),
    ]
    for spec in SHEETS:
        lines.append((spec.sheet_name, f"{spec.description_th} / {spec.description_en}"))
    lines += [("อย่าเปลี่ยนชื่อแผ่นงาน / Do not rename sheets", "ห้ามลบหรือย้ายแถวและคอลัมน์ / Do not delete or move rows and columns"),
              ("รหัสแม่แบบ / Template id", template_id),
              ("รุ่นโปรแกรม / Toolkit version", f"{__version__} (schema {SCHEMA_VERSION})")]
    title_th, title_en = lines[0]
    check(ws.merge_range(0, 0, 0, 1, f"{title_th} / {title_en}", fmt.title), "write instruction title")
    for r, (label, text) in enumerate(lines[1:], start=1):
        ws.set_row(r, _row_height([(label, 34), (text, 100)]) + 4)
        check(ws.write_string(r, 0, label, fmt.bold_wrap), "write instruction label")
        check(ws.write_string(r, 1, text, fmt.wrap), "write instruction text")
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
                    "format_rows": True})
    ws.set_footer(f"&L{agency_label}&C{rnd}&Rหน้า &P / &N")
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def generate_template(cat: Catalogue, ref: Reference, agency_code: str, rnd: Round, out_dir: Path,
                      settings: Settings = DEFAULT_SETTINGS, generated_at: datetime | None = None,
                      agency_link: str | None = None) -> GeneratedTemplate:
    """Write the template of ``agency_code`` for ``rnd`` into ``out_dir`` and return what was written.
    ``agency_link`` (the agency's web link, ``toolkit tokens``) is printed on the instruction sheet."""
    agency = cat.agencies[agency_code]
    agency_label = f"{agency.name_th} ({agency.agency_code})"
    expected = all_expected(cat, ref, agency_code, rnd)
    payload = prefill_payload(expected)
    digest = template_checksum(agency_code, str(rnd), payload)
    template_id = hashlib.sha256(f"{agency_code}|{rnd}|{digest}".encode()).hexdigest()[:16]
    generated_at = generated_at or datetime.now(timezone.utc).replace(microsecond=0)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / template_filename(rnd, agency_code, agency.name_th)
    tmp = temp_path(path)
    book = new_workbook(str(tmp))
    book.set_properties({"title": f"{rnd} {agency.name_th}", "author": "BMA reporting toolkit",
                         "created": generated_at.replace(tzinfo=None)})
    fmt = _Formats(book)
    _write_instructions(book, fmt, agency_label, rnd, settings, template_id, agency_link)
    for spec in SHEETS:
        _write_sheet(book, fmt, spec, expected[spec.key], ref, rnd, agency_label, expected)
    meta = book.add_worksheet(META_SHEET)
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    items = [("template_id", template_id), ("schema_version", str(SCHEMA_VERSION)), ("toolkit_version", __version__),
             ("agency_code", agency_code), ("round", str(rnd)), ("generated_at", generated_at.isoformat()),
             ("prefill_checksum", digest)]
    items += [(f"prefill_{i}", blob[i * META_CHUNK:(i + 1) * META_CHUNK]) for i in range(len(blob) // META_CHUNK + 1)]
    for r, (key, value) in enumerate(items):
        check(meta.write_string(r, 0, key), "write metadata key")
        check(meta.write_string(r, 1, value), "write metadata value")
    meta.very_hidden()
    meta.protect("")
    book.worksheets()[0].activate()
    book.close()
    commit(tmp, path)
    return GeneratedTemplate(agency_code, str(rnd), path, template_id, {k: len(v) for k, v in expected.items()})


def generate_round(cat: Catalogue, ref: Reference, rnd: Round, out_dir: Path, settings: Settings = DEFAULT_SETTINGS,
                   agencies: list[str] | None = None, progress: Any = None) -> list[GeneratedTemplate]:
    """One template per agency with anything to report in ``rnd``; ``progress(i, n, agency)`` is called per agency."""
    codes = agencies or [a.agency_code for a in cat.agencies_for(rnd)]
    written = []
    for i, code in enumerate(codes, start=1):
        if progress:
            progress(i, len(codes), code)
        written.append(generate_template(cat, ref, code, rnd, out_dir, settings))
    return written
