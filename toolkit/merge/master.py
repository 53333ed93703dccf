"""Write the master workbook from MasterData, atomically (temp file, fsync, replace; previous kept)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from xlsxwriter.utility import xl_col_to_name

from schemas import SHEETS
from toolkit.atomic import commit, temp_path
from toolkit.layout import BE_DATE_FORMAT
from toolkit.merge.consolidate import OUTCOME_LABELS, MasterData, MergeProgress, Row
from toolkit.merge.decisions import WRITTEN_COLUMN, decision_signature
from toolkit.merge.kpi_results import STATUS_LABELS, TREND_LABELS
from toolkit.merge.summary_sheet import write_summary
from toolkit.template.xlsx import EXCEL_MAX_STRING, check, fit_text, new_workbook, write_value

MASTER_SHEETS = {"projects": "Projects", "progress": "Progress", "plan_steps": "PlanSteps", "kpis": "KPIs"}
DECISIONS = ("ยืนยัน / confirmed", "ชี้แจงแล้ว / explained", "ไม่เป็นปัญหา / false alarm")
_PREFIX = [("round", "รอบรายงาน", "Round", "text"), ("agency", "รหัสหน่วยงาน", "Agency code", "code"),
           ("agency_name", "ชื่อหน่วยงาน", "Agency name", "text")]
#: lineage: the file as received, the archived copy (its SHA-256 is the name), the sheet and cells read
_SUFFIX = [("source_file", "ไฟล์ต้นทาง", "Source file", "text"),
           ("archived_path", "ไฟล์ที่เก็บ (SHA-256)", "Archived file (SHA-256)", "text"),
           ("source_sheet", "แผ่นงานต้นทาง", "Source sheet", "text"),
           ("source_range", "เซลล์ต้นทาง", "Source cells", "text"), ("excel_row", "แถวในไฟล์", "Source row", "int")]
_SUBMISSIONS = [("id", "ลำดับ", "Submission", "int"), ("received_at", "เวลาที่ได้รับ", "Received at", "text"),
                ("original_name", "ชื่อไฟล์", "File name", "text"), ("agency", "รหัสหน่วยงาน", "Agency code", "code"),
                ("round", "รอบรายงาน", "Round", "text"), ("outcome", "ผลการตรวจ", "Outcome", "text"),
                ("n_errors", "ข้อผิดพลาด", "Errors", "int"), ("n_warnings", "คำเตือน", "Warnings", "int"),
                ("superseded_by", "ถูกแทนที่โดย", "Superseded by", "int"),
                ("approved", "อนุมัติแล้ว", "Approved", "text"), ("held", "รอถอนการอนุมัติ", "Held (round approved)", "text"),
                ("template_id", "รหัสแม่แบบ", "Template id", "text"),
                ("sha256", "SHA-256", "SHA-256", "text"), ("archived_path", "ที่เก็บ", "Archived at", "text")]
_KPI_RESULTS = [("fiscal_year", "ปีงบประมาณ", "Fiscal year", "int"), ("agency", "รหัสหน่วยงาน", "Agency code", "code"),
                ("agency_name", "ชื่อหน่วยงาน", "Agency name", "text"), ("kpi_code", "รหัสตัวชี้วัด", "KPI code", "code"),
                ("kpi_name", "ชื่อตัวชี้วัด", "KPI name", "text"), ("unit", "หน่วยนับ", "Unit", "text"),
                ("target", "ค่าเป้าหมาย", "Target", "number"), ("quarter", "ไตรมาส", "Quarter", "int"),
                ("result", "ผลงานสะสม", "Result to date", "number"),
                ("expected_to_date", "เป้าหมายถึงไตรมาสนี้", "Target to date", "number"),
                ("achievement_pct", "ร้อยละของเป้าหมาย", "Achievement (% of target)", "percent"),
                ("status", "สถานะ", "Status", "text"), ("trend", "แนวโน้ม", "Trend", "text"),
                ("claimed_achieved", "ผลงานที่หน่วยงานแจ้ง", "Achieved as claimed", "number"),
                ("claim_differs", "ต่างจากผลที่คำนวณ", "Claim differs", "text"),
                ("claimed_score", "คะแนนที่หน่วยงานแจ้ง", "Score as claimed", "text"),
                ("round", "รอบรายงาน", "Round", "text"), ("source_file", "ไฟล์ต้นทาง", "Source file", "text"),
                ("archived_path", "ไฟล์ที่เก็บ (SHA-256)", "Archived file (SHA-256)", "text"),
                ("result_source", "เซลล์ผลงาน", "Result cell", "text"),
                ("claimed_source", "เซลล์ผลงานที่แจ้ง", "Claimed cell", "text")]
#: what an auditor reads and decides on comes first (and is what prints: see FLAGS_PRINTED)
_FLAGS = [("flag_id", "รหัสประเด็น", "Flag id", "text"), ("severity", "ระดับ", "Severity", "text"),
          ("rule", "กฎ", "Rule", "text"), ("agency", "รหัสหน่วยงาน", "Agency code", "code"),
          ("round", "รอบรายงาน", "Round", "text"), ("sheet", "แผ่นงาน", "Sheet", "text"), ("cell", "ช่อง", "Cell", "text"),
          ("value", "ค่าที่พบ", "Raw value", "longtext"), ("message_th", "รายละเอียด", "Message (Thai)", "longtext"),
          ("decision", "ผลการพิจารณา", "Decision", "text"), ("note", "บันทึก", "Note", "longtext"),
          ("reviewer", "ผู้ตรวจสอบ", "Reviewer", "text"), ("decided_on", "วันที่พิจารณา", "Decided on", "text"),
          ("message_en", "รายละเอียด (อังกฤษ)", "Message (English)", "longtext"), ("link", "ไปยังแถว", "Go to row", "text"),
          ("agency_name", "ชื่อหน่วยงาน", "Agency name", "text"), ("source_file", "ไฟล์ต้นทาง", "Source file", "text"),
          ("archived_path", "ไฟล์ที่เก็บ (SHA-256)", "Archived file (SHA-256)", "text"),
          ("submission_outcome", "ผลการตรวจไฟล์", "File outcome", "text"),
          # hidden: the decision as this file was written, so a merge tells an auditor's edit from a stale copy
          ("as_written", "ค่าที่ระบบเขียนไว้", WRITTEN_COLUMN, "text")]
FLAGS_PRINTED = [k for k, *_ in _FLAGS].index("decided_on") + 1
_KEY_WIDTH = {"agency_name": 30, "state": 31, "rule": 27, "message_th": 46, "message_en": 46, "source_file": 34,
              "name": 40, "kpi_name": 40, "narrative": 50, "description": 40, "original_name": 36, "sha256": 20,
              "status": 22, "trend": 16, "decision": 21, "note": 26, "value": 18, "sheet": 21, "link": 16,
              "archived_path": 28, "source_sheet": 24, "source_range": 12, "result_source": 30, "claimed_source": 26,
              "claim_differs": 12, "claimed_score": 12, "held": 12, "errors": 12, "warnings": 12, "approved": 12,
              "late": 12, "disbursed_pct": 12, "severity": 10, "flag_id": 14, "cell": 8, "round": 10, "reviewer": 14,
              "decided_on": 13,
              "submission_outcome": 16}
_WIDTH = {"text": 18, "code": 13, "int": 9, "number": 11, "percent": 11, "money": 15, "date": 12, "longtext": 40,
          "status": 16}


#: rows written between two reports to ``write_master``'s ``progress``
_REPORT_EVERY = 2000


class _Writer:
    def __init__(self, path: Path, progress: MergeProgress | None = None, total_rows: int = 0) -> None:
        self.book = new_workbook(str(path))
        self.progress, self.total_rows, self.rows_written = progress, total_rows, 0
        base = {"font_name": "TH Sarabun New", "font_charset": 222, "font_size": 14, "valign": "top"}
        self.base = base
        self.head_th = self.book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                                             "text_wrap": True})
        self.fmt = {
            "date": self.book.add_format({**base, "num_format": BE_DATE_FORMAT}),
            "money": self.book.add_format({**base, "num_format": "#,##0"}),
            "percent": self.book.add_format({**base, "num_format": '0.0" %"'}),
            "number": self.book.add_format({**base, "num_format": "#,##0.##"}),
            "longtext": self.book.add_format({**base, "text_wrap": True}),
        }
        # xf 0, the format of a cell that has none, is the base look itself (new_workbook gives it the
        # font; here it is top-aligned too), so text and code cells go in without a format: xlsxwriter
        # writes such a cell in about half the time (no style lookup, no "s" attribute), and two in
        # three of the master's cells are texts
        self.book.formats[0].set_valign("top")
        self.link = self.book.add_format({**base, "font_color": "#0563C1", "underline": 1})
        self.title = self.book.add_format({**base, "bold": True, "font_size": 18})

    def table(self, name: str, columns: list[tuple[str, str, str, str]], rows: Sequence[Mapping[str, Any]],
              start_row: int = 0, ws: Any = None, configure: bool = True) -> Any:
        """Thai header row, then an Excel table whose header is the English row."""
        alone = ws is None and start_row == 0  # the only table on a sheet of its own
        ws = ws or self.book.add_worksheet(name)
        if configure:
            ws.set_default_row(21)  # room for Thai vowels and tone marks
            ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 0)
            ws.set_footer(f"&L{name}&Rหน้า &P / &N")
        if start_row == 0:
            ws.repeat_rows(0, 1)
        # a table alone on its sheet: each column carries its format, cells go in without one
        by_column = configure and start_row == 0
        for c, (key, th, en, kind) in enumerate(columns):
            check(ws.write_string(start_row, c, th, self.head_th), "write Thai header")
            if configure:
                ws.set_column(c, c, _KEY_WIDTH.get(key, _WIDTH.get(kind, 14)),
                              self.fmt.get(kind) if by_column else None)
        ws.set_row(start_row, 36)
        keys = [key for key, *_ in columns]
        key_index: dict[str, int] | None = None
        at: list[int | None] = []
        report = self.progress if alone else None  # the Summary's small tables are not counted
        writers = _cell_writers(ws)
        label = f"เขียน / writing {name}"
        if report is not None:
            report(label, self.rows_written, self.total_rows)
        for r, row in enumerate(rows, start=start_row + 2):
            if report is not None and r > 2 and (r - 2) % _REPORT_EVERY == 0:
                report(label, self.rows_written + r - 2, self.total_rows)
            if by_column:
                if type(row) is Row:  # a consolidated row: its cells by position, worked out once per sheet
                    if row.key_index is not key_index:
                        key_index = row.key_index
                        at = [key_index.get(key) for key in keys]
                    cells = row.cells
                    values = [None if i is None else cells[i] for i in at]
                else:
                    values = [row.get(key) for key in keys]
                _write_cells(ws, r, values, name, writers)
                continue
            for c, (key, _, _, kind) in enumerate(columns):
                value = row.get(key)
                if isinstance(value, bool):
                    value = "ใช่ / yes" if value else ""
                write_value(ws, r, c, value, self.fmt.get(kind), self.fmt["date"])
        if alone:
            self.rows_written += len(rows)
        last = start_row + 1 + max(len(rows), 1)
        options = {"columns": [{"header": en} for _, _, en, _ in columns], "style": "Table Style Light 9",
                   "name": f"t_{name}_{start_row}"}
        if alone:
            add_table_alone(ws, start_row + 1, last, len(columns) - 1, options, f"add table {name}")
        else:
            check(ws.add_table(start_row + 1, 0, last, len(columns) - 1, options), f"add table {name}")
        ws.freeze_panes(start_row + 2, 0)
        return ws


def add_table_alone(ws: Any, first_row: int, last_row: int, last_col: int, options: dict[str, Any], what: str) -> None:
    """``ws.add_table(first_row, 0, last_row, last_col, options)`` for a table alone on its sheet,
    without xlsxwriter's overlap bookkeeping: ``add_table`` records every cell of the range in a dict
    (``table_cells``, one entry per cell, kept until the workbook is closed: ~100 bytes a cell, over
    400 MB for the master of 250 returns, and seconds of CPU). The table is added over its header and
    first row, then its ranges are set to the whole table: the table's XML is the same
    (tests/merge/test_master_memory.py compares the files). Where this xlsxwriter's table record
    does not come out the same that way (checked once, see ``_ranges_can_be_widened``), the plain
    ``add_table`` is used."""
    if last_row <= first_row + 1 or not _ranges_can_be_widened():
        check(ws.add_table(first_row, 0, last_row, last_col, options), what)
        return
    check(ws.add_table(first_row, 0, first_row + 1, last_col, options), what)
    _widen(ws.tables[-1], first_row, last_row, last_col)


def _widen(table: dict[str, Any], first_row: int, last_row: int, last_col: int) -> None:
    from xlsxwriter.utility import xl_range

    whole = xl_range(first_row, 0, last_row, last_col)
    table["range"] = table["a_range"] = whole
    if table.get("autofilter"):
        table["autofilter"] = whole


@lru_cache(maxsize=None)
def _ranges_can_be_widened() -> bool:
    """Whether a table added small and widened is recorded as the same table added whole (in this
    version of xlsxwriter), on two scratch worksheets."""
    try:
        from xlsxwriter.sharedstrings import SharedStringTable
        from xlsxwriter.worksheet import Worksheet

        whole, small = Worksheet(), Worksheet()
        whole.str_table = small.str_table = SharedStringTable()
        options = {"columns": [{"header": "a"}, {"header": "b"}], "style": "Table Style Light 9", "name": "t_probe"}
        if whole.add_table(1, 0, 6, 1, dict(options)) != 0 or small.add_table(1, 0, 2, 1, dict(options)) != 0:
            return False
        _widen(small.tables[-1], 1, 6, 1)
        return bool(whole.tables == small.tables)
    except Exception:  # another xlsxwriter: take the plain path
        return False


def _cell_writers(ws: Any) -> tuple[Callable[..., int], Callable[..., int], Callable[..., int]]:
    """The worksheet's string, number and date writers: xlsxwriter's undecorated ones
    (``_write_string``, what ``write_string`` calls once it has checked the row is not "A1" text:
    ~20 % of the master's cell writing) where this xlsxwriter has them, else the public ones.
    tests/merge/test_master_cells.py checks the file is byte for byte what ``write_row`` makes."""
    return tuple(getattr(ws, "_" + name, None) or getattr(ws, name)  # type: ignore[return-value]
                 for name in ("write_string", "write_number", "write_datetime"))


def _write_cells(ws: Any, r: int, values: Sequence[Any], name: str,
                 writers: tuple[Callable[..., int], Callable[..., int], Callable[..., int]]) -> None:
    """Row ``r``'s cells from column A, unformatted (the column's format shows), each through the
    write method of its type (``writers``: ``_cell_writers(ws)``): what ``write_row`` does after its
    per-cell dispatch, which took a third of the master's writing time. Anything but a text, number
    or day goes through ``_cell``."""
    write_string, write_number, write_datetime = writers
    for c, value in enumerate(values):
        kind = type(value)
        if kind is str:
            if not value:
                continue  # write_row writes nothing for an empty text without a format
            code = write_string(r, c, value if len(value) <= EXCEL_MAX_STRING else fit_text(value))
        elif kind is float or kind is int:
            if value != value:
                continue  # NaN: a blank, as _cell makes it
            code = write_number(r, c, value)
        elif value is None:
            continue
        elif kind is date:
            code = write_datetime(r, c, value)
        else:
            code = ws.write(r, c, _cell(value))
        if code:
            check(code, f"write {name} row {r + 1} column {c + 1}")


def _cell(value: Any) -> Any:
    """A value as ``write_row`` should get it: what ``write_value`` would write, without a format."""
    if isinstance(value, bool):
        return "ใช่ / yes" if value else ""
    if value is None or isinstance(value, (int, float, date)):
        return None if isinstance(value, float) and value != value else value
    return fit_text(str(value))


def _consolidated_columns(key: str) -> list[tuple[str, str, str, str]]:
    spec = next(s for s in SHEETS if s.key == key)
    return _PREFIX + [(c.key, c.th, c.en, c.kind) for c in spec.columns] + _SUFFIX


def write_master(data: MasterData, path: Path, progress: MergeProgress | None = None,
                 derived: Callable[[], None] | None = None) -> Path:
    """Write ``path`` atomically; the previous master is kept as ``master.previous.xlsx``.
    ``progress(step, rows written, rows in all)`` hears each sheet, then the saving of the file.
    ``derived``, when given, fills ``data``'s KPI results, flags and summary (being worked out
    elsewhere) and is called once the consolidated sheets are written; the rows in all then grow by
    theirs."""
    tmp = temp_path(path)
    rows = len(data.submissions) + sum(len(data.sheets.get(key, [])) for key in MASTER_SHEETS)
    w = _Writer(tmp, progress, rows + (0 if derived else len(data.kpi_results) + len(data.flags)))
    w.book.set_properties({"created": _created(data)})  # same ledger, same bytes
    summary = w.book.add_worksheet("Summary")
    sheets: dict[str, Any] = {}
    w.table("Submissions", _SUBMISSIONS,
            [{**s.__dict__, "outcome": " / ".join(OUTCOME_LABELS[s.outcome]), "held": bool(s.held),
              "approved": s.id in data.approved} for s in data.submissions])
    for key, name in MASTER_SHEETS.items():
        sheets[name] = w.table(name, _consolidated_columns(key), data.sheets.get(key, []))
    if derived is not None:
        derived()
        w.total_rows += len(data.kpi_results) + len(data.flags)
    # where each flagged row landed (only rows a flag links to are remembered, not every row)
    linked = {(f["submission"], f["sheet_key"], f["excel_row"]) for f in data.flags}
    row_of: dict[tuple[int, str, int], tuple[str, int]] = {}
    for key, name in MASTER_SHEETS.items():
        for i, r in enumerate(data.sheets.get(key, [])):
            if (r["submission"], key, r["excel_row"]) in linked:
                row_of[(r["submission"], key, r["excel_row"])] = (name, i + 3)
    # KPI quarters are shown through KPIResults, which carries every quarter's claimed result.
    kpi_rows = [{**r, "status": " / ".join(STATUS_LABELS[r["status"]]), "trend": TREND_LABELS[r["trend"]]}
                for r in data.kpi_results]
    kpi_ws = w.table("KPIResults", _KPI_RESULTS, kpi_rows)
    kpi_keys = [k for k, *_ in _KPI_RESULTS]
    differs = xl_col_to_name(kpi_keys.index("claim_differs"))
    claimed = kpi_keys.index("claimed_achieved")
    check(kpi_ws.conditional_format(2, claimed, len(kpi_rows) + 1, claimed + 1, {
        "type": "formula", "criteria": f'=${differs}3<>""', "format": w.book.add_format({"bg_color": "#F8CBAD"})}),
        "format claims that differ")
    flags_ws = w.table("Flags", _FLAGS, [{**f, "as_written": decision_signature(f)} for f in data.flags])
    check(flags_ws.set_column(len(_FLAGS) - 1, len(_FLAGS) - 1, 12, None, {"hidden": True}), "hide the written column")
    for i, f in enumerate(data.flags, start=2):
        target = row_of.get((f["submission"], f["sheet_key"], f["excel_row"]))
        col = [k for k, *_ in _FLAGS].index("link")
        if target:
            check(flags_ws.write_url(i, col, f"internal:'{target[0]}'!A{target[1]}", w.link,
                                     f"{target[0]} แถว {target[1]}"), "write flag link")
    n = len(data.flags) + 1
    sev_col = xl_col_to_name([k for k, *_ in _FLAGS].index("severity"))
    dec_col = [k for k, *_ in _FLAGS].index("decision")
    for word, colour in (("confirmed", "#F4B084"), ("explained", "#C6EFCE"), ("false alarm", "#DDEBF7")):
        check(flags_ws.conditional_format(2, dec_col, n, dec_col, {
            "type": "text", "criteria": "containing", "value": word,
            "format": w.book.add_format({"bg_color": colour, "bold": True}), "stop_if_true": True}),
            "format decisions")
    check(flags_ws.conditional_format(2, 0, n, len(_FLAGS) - 1, {
        "type": "formula", "criteria": f'=${xl_col_to_name(dec_col)}3<>""',
        "format": w.book.add_format({"bg_color": "#E7E6E6", "font_color": "#7F7F7F"}), "stop_if_true": True}),
        "format decided flags")
    for severity, colour in (("error", "#FFC7CE"), ("warning", "#FFEB9C")):
        check(flags_ws.conditional_format(2, 0, n, len(_FLAGS) - 1, {
            "type": "formula", "criteria": f'=${sev_col}3="{severity}"', "format": w.book.add_format({"bg_color": colour})}),
            "format flags by severity")
    check(flags_ws.print_area(0, 0, n, FLAGS_PRINTED - 1), "set the Flags print area")
    check(flags_ws.data_validation(2, dec_col, max(n, 2) + 500, dec_col, {
        "validate": "list", "source": list(DECISIONS), "error_type": "warning"}), "add decision list")
    write_summary(w, summary, data)
    if progress:
        progress("บันทึกไฟล์รวม / saving the master workbook", w.total_rows, None)  # xlsxwriter assembles and zips it: ~60 % of the time
    w.book.close()
    return commit(tmp, path, keep_previous=path.with_name(f"{path.stem}.previous{path.suffix}"))


def _created(data: MasterData) -> datetime:
    """The document's creation date: the latest receipt in the ledger (not the clock)."""
    stamps = []
    for s in data.submissions:
        try:
            stamps.append(datetime.fromisoformat(s.received_at).replace(tzinfo=None))
        except (TypeError, ValueError):
            continue
    return max(stamps, default=datetime(2000, 1, 1))
