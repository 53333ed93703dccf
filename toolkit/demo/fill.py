"""Fill a generated template as an agency would: open it in openpyxl, type answers into the input
cells (some dates typed as Buddhist Era text, as people do), save under a new name."""

from __future__ import annotations

import csv
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from toolkit.atomic import commit, temp_path
from toolkit.read.returned import read_return
from workbook_templates import SAMPLE_DIR

ANSWER_FILES = {"projects": "answers_projects.csv", "progress": "answers_progress.csv",
                "kpis": "answers_kpis.csv", "kpi_quarters": "answers_kpi_quarters.csv"}
_ID_COLUMNS = {"projects": ("project_code",), "progress": ("project_code", "report_no"),
               "kpis": ("kpi_code",), "kpi_quarters": ("kpi_code", "quarter")}


def load_answers(folder: Path = SAMPLE_DIR) -> dict[str, dict[str, dict[str, str]]]:
    """``{sheet: {row id: {column: text}}}`` from the sample answer CSVs."""
    answers: dict[str, dict[str, dict[str, str]]] = {}
    for key, name in ANSWER_FILES.items():
        path = folder / name
        rows: dict[str, dict[str, str]] = {}
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    rows["#".join(row[c].strip() for c in _ID_COLUMNS[key])] = row
        answers[key] = rows
    return answers


def _typed(column_kind: str, text: str, as_text_date: bool) -> Any:
    if text == "":
        return None
    if column_kind == "date":
        d = date.fromisoformat(text)
        return f"{d.day}/{d.month}/{d.year + 543}" if as_text_date else d
    if column_kind in ("percent", "money", "number", "int"):
        number = float(text.replace(",", ""))
        return int(number) if number.is_integer() else number
    return text


def fill_template(template: Path, out_path: Path, answers: dict[str, dict[str, dict[str, str]]],
                  text_dates: bool = False) -> int:
    """Write the answers for every row of ``template`` into ``out_path``; returns cells written."""
    located = read_return(template)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(template)
    written = 0
    for key, sheet in located.sheets.items():
        rows = answers.get(key, {})
        ws = book[sheet.name]
        for excel_row, values in sheet.rows:
            rid = "#".join(str(values[c]).strip() for c in _ID_COLUMNS.get(key, ()))
            answer = rows.get(rid)
            if answer is None:
                continue
            for col in sheet.spec.editable:
                text = (answer.get(col.key) or "").strip()
                if col.key not in answer or col.key not in sheet.columns:
                    continue
                value = _typed(col.kind, text, text_dates)
                if value is None:
                    continue
                ws.cell(excel_row, sheet.columns[col.key]).value = value
                written += 1
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(out_path)
    book.save(tmp)
    commit(tmp, out_path)
    return written
