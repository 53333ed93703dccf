"""Open each generated workbook with openpyxl and check it from the file itself."""

import json

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from schemas import SHEETS
from schemas.progress import PROGRESS
from toolkit import SCHEMA_VERSION
from toolkit.layout import BE_DATE_FORMAT, END_MARKER, FIRST_DATA_ROW, HEADER_EN_ROW, HEADER_TH_ROW, META_SHEET, template_checksum
from tests.builders import AGENCY, COUNT_KPI, LEVEL_KPI, PROJECT, ROUND, make_template


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return make_template(tmp_path_factory.mktemp("gen"))


@pytest.fixture(scope="module")
def book(generated):
    return openpyxl.load_workbook(generated.path)


def test_file_name_names_round_and_agency(generated):
    assert generated.path.name == f"{ROUND}_{AGENCY}_สำนักยุทธศาสตร์และประเมินผล.xlsx"


def test_sheets_thai_first_and_metadata_very_hidden(book):
    assert book.sheetnames == ["คำชี้แจง (Instructions)", *[s.sheet_name for s in SHEETS], META_SHEET]
    assert book[META_SHEET].sheet_state == "veryHidden"
    assert all(book[s.sheet_name].sheet_state == "visible" for s in SHEETS)


def test_headers_come_from_the_schema(book):
    for spec in SHEETS:
        ws = book[spec.sheet_name]
        assert [ws.cell(HEADER_TH_ROW, i + 1).value for i in range(len(spec.columns))] == [c.th for c in spec.columns]
        assert [ws.cell(HEADER_EN_ROW, i + 1).value for i in range(len(spec.columns))] == [c.en for c in spec.columns]


def test_rows_per_round(generated):
    # 2564-Q2: six monthly reports, two quarters, two KPIs
    assert generated.rows == {"projects": 1, "progress": 6, "plan_steps": 2, "kpis": 2, "kpi_quarters": 4}


def test_locked_and_unlocked_cells_follow_editable(book):
    for spec in SHEETS:
        ws = book[spec.sheet_name]
        assert ws.protection.sheet, spec.key
        assert ws.protection.sort is False and ws.protection.autoFilter is False  # False = allowed in openpyxl
        for i, col in enumerate(spec.columns, start=1):
            assert ws.cell(FIRST_DATA_ROW, i).protection.locked is (not col.editable), (spec.key, col.key)


def test_prefilled_identifiers(book):
    ws = book["โครงการ (Projects)"]
    assert ws.cell(FIRST_DATA_ROW, 1).value == PROJECT
    assert ws.cell(FIRST_DATA_ROW, 6).value == 100000
    quarters = book["ผลรายไตรมาส (KPIQuarters)"]
    assert [(quarters.cell(r, 1).value, quarters.cell(r, 2).value) for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 4)] \
        == [(LEVEL_KPI, 1), (LEVEL_KPI, 2), (COUNT_KPI, 1), (COUNT_KPI, 2)]


def _validations(ws):
    """Cell address -> the input rule that covers it."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row, col in rng.cells:
                assert f"{get_column_letter(col)}{row}" not in out, "two rules on one cell"
                out[f"{get_column_letter(col)}{row}"] = dv
    return out


def test_input_rules_cover_every_editable_cell_a_run_of_rows_at_a_time(book):
    ws = book["ความก้าวหน้า (Progress)"]
    rules = _validations(ws)
    editable = [i for i, col in enumerate(PROGRESS.columns, start=1) if col.editable]
    last = next(r for r in range(FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == END_MARKER) - 1
    assert last - FIRST_DATA_ROW >= 5
    for row in range(FIRST_DATA_ROW, last + 1):
        for col in editable:
            if PROGRESS.columns[col - 1].kind in ("percent", "money", "date", "status"):
                assert f"{get_column_letter(col)}{row}" in rules
    # one rule per column and kind of row (pre-filled, extra), not one per cell
    assert len(ws.data_validations.dataValidation) <= 3 * len(editable)


def test_data_validations_type_and_bounds(book):
    progress = _validations(book["ความก้าวหน้า (Progress)"])
    pct = progress[f"E{FIRST_DATA_ROW}"]
    assert (pct.type, pct.operator or "between", pct.formula1, pct.formula2) == ("decimal", "between", "0", "100")  # between is the OOXML default
    assert pct.error and "ร้อยละ" in pct.error
    money = progress[f"F{FIRST_DATA_ROW}"]
    assert (money.type, money.operator, money.formula1) == ("whole", "greaterThanOrEqual", "0")  # whole baht
    day = progress[f"C{FIRST_DATA_ROW}"]
    assert day.type == "date" and (day.operator or "between") == "between"
    assert (int(float(day.formula1)), int(float(day.formula2))) == (44105, 44469)  # 2020-10-01 .. 2021-09-30
    status = progress[f"G{FIRST_DATA_ROW}"]
    assert status.type == "list" and "เป็นไปตามแผน" in status.formula1
    quarters = _validations(book["ผลรายไตรมาส (KPIQuarters)"])
    level = quarters[f"E{FIRST_DATA_ROW}"]
    assert (level.type, level.formula1, level.formula2) == ("whole", "1", "5")
    count = quarters[f"E{FIRST_DATA_ROW + 2}"]
    assert (count.type, count.operator) == ("decimal", "greaterThanOrEqual")


def test_dates_show_buddhist_era(book):
    ws = book["โครงการ (Projects)"]
    assert ws.cell(FIRST_DATA_ROW, 4).number_format == BE_DATE_FORMAT
    assert book["ความก้าวหน้า (Progress)"].cell(FIRST_DATA_ROW, 3).number_format == BE_DATE_FORMAT


def test_metadata_and_checksum(book, generated):
    meta = {r[0]: r[1] for r in book[META_SHEET].iter_rows(values_only=True)}
    assert meta["agency_code"] == AGENCY and meta["round"] == str(ROUND)
    assert meta["template_id"] == generated.template_id and meta["schema_version"] == str(SCHEMA_VERSION)
    prefill = json.loads("".join(v for k, v in sorted(meta.items()) if k.startswith("prefill_") and k[-1].isdigit()))
    assert template_checksum(AGENCY, str(ROUND), prefill) == meta["prefill_checksum"]
    assert prefill["projects"][PROJECT]["budget_received"] == "100000"
    assert prefill["progress"][f"{PROJECT}#6"] == {"project_code": PROJECT, "report_no": "6"}


def test_generation_is_deterministic_apart_from_time(tmp_path):
    a = make_template(tmp_path / "a")
    b = make_template(tmp_path / "b")
    assert a.template_id == b.template_id


def test_every_input_rule_has_a_thai_prompt_and_alert(book):
    for spec in SHEETS:
        for dv in book[spec.sheet_name].data_validations.dataValidation:
            assert dv.prompt and dv.error and any("\u0e00" <= ch <= "\u0e7f" for ch in dv.prompt + dv.error), \
                (spec.key, dv.sqref)


def test_blank_rows_for_extra_reports_before_the_end_marker(book, generated):
    ws = book["ความก้าวหน้า (Progress)"]
    first_extra = FIRST_DATA_ROW + generated.rows["progress"]
    for r in range(first_extra, first_extra + 5):
        assert ws.cell(r, 1).value is None and not ws.cell(r, 1).protection.locked
        assert not ws.cell(r, 2).protection.locked
    assert ws.cell(first_extra + 5, 1).value.startswith("— สิ้นสุดข้อมูล")
    codes = _validations(ws)[f"A{first_extra}"]
    assert codes.type == "list" and "Projects" in codes.formula1


def test_computed_columns_are_formulas_with_cached_values(book):
    steps = book["ขั้นตอน (PlanSteps)"]
    header = [c.value for c in steps[HEADER_EN_ROW]]
    col = header.index("Project weight total [computed]") + 1
    assert steps.cell(FIRST_DATA_ROW, col).value.startswith("=SUMIFS(")
    assert not any(c == "Project weight total [computed]" for c in [x.en for s in SHEETS for x in s.columns])


def test_printing_freezing_and_font(book):
    for spec in SHEETS:
        ws = book[spec.sheet_name]
        assert ws.print_title_rows.replace("$", "") == f"{HEADER_TH_ROW}:{HEADER_EN_ROW}"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert "&P" in ws.oddFooter.right.text and "2564-Q2" in ws.oddFooter.center.text
        assert ws.freeze_panes == f"{'ABC'[len(spec.id_columns)]}{FIRST_DATA_ROW}"
        font = ws.cell(FIRST_DATA_ROW, 1).font
        assert font.name == "TH Sarabun New" and font.charset == 222  # Thai charset: a Thai fallback font
