"""Property: whatever an agency types (any Unicode, control characters as Excel's ``_xHHHH_`` escapes,
literal ``_x000D_`` text, text starting with = + - @, real formulas, huge and tiny numbers, edge dates),
after collect and merge the master reads back exactly what was validated (numbers to Excel's 15
significant digits), or the file was refused with named reasons; the master never holds a formula or a
hyperlink made from agency text. TOOLKIT_FUZZ_EXAMPLES raises the number of examples (default 12)."""

import math
import os
import re
import shutil
import zipfile
from datetime import date, datetime
from itertools import count
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from schemas import SHEETS
from schemas.rules import RULES
from tests.builders import make_return, small_catalogue
from toolkit.collect import collect
from toolkit.ledger import Ledger
from toolkit.merge.run import merge_workspace
from toolkit.read.returned import read_return
from toolkit.read.workbook import open_workbook
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace

EXAMPLES = int(os.environ.get("TOOLKIT_FUZZ_EXAMPLES", "12"))
PROGRESS = next(s for s in SHEETS if s.key == "progress")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _as_excel_writes(text: str) -> str:
    """Excel stores characters XML cannot hold as _xHHHH_ escapes; openpyxl refuses them raw."""
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.tuples(st.sampled_from(["=", "+", "-", "@"]), st.text(max_size=15)).map("".join),
    st.tuples(st.text(max_size=5), st.sampled_from(["_x000D_", "_x0001_", "_x005F_x000D_", "_xD83D_", "\r\n", "\t"]),
              st.text(max_size=5)).map("".join),
    st.sampled_from(['=HYPERLINK("http://evil.example/x","click")', "=1+1", "http://evil.example/", "-", "ไม่มี",
                     "  ", "๑๒๓", "@SUM(A1)", "+66 2 123 4567"]),
)
# Values a rule accepts (so that most files reach the master: the last report of the round, after
# report 5's 50 % on 17/2/2021), and the extremes
extreme_numbers = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10 ** 20, 10 ** 20),
                            st.sampled_from([1e308, -1e308, 5e-324, 1e-300]))
precise = st.sampled_from([0.1 + 0.2, 50.00000000000001, 99.99999999999999, 66.66666666666667, 1e-300 + 50])
percents = st.one_of(st.floats(50, 99), st.integers(50, 99), precise, extreme_numbers)
amounts = st.one_of(st.floats(0, 70000), st.integers(0, 70000), precise, extreme_numbers)
dates = st.one_of(st.dates(date(2021, 2, 17), date(2021, 3, 31)), st.dates(date(2021, 2, 17), date(2021, 3, 31)),
                  st.datetimes(datetime(2021, 2, 17), datetime(2021, 3, 31, 23, 59)),
                  st.dates(date(1900, 1, 1), date(9999, 12, 31)),
                  st.sampled_from([date(1900, 2, 28), date(1900, 3, 1), date(1904, 1, 1)]))
cells = st.fixed_dictionaries({
    "narrative": st.tuples(texts, st.booleans()), "problems": st.tuples(texts, st.booleans()),
    "obstacles": st.tuples(texts, st.booleans()), "progress_pct": percents, "disbursed": amounts,
    "report_date": dates,
})


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    ws = Workspace.create(root / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    base = make_return(root / "made", "base.xlsx")
    book = read_return(base)
    located = book.sheets["progress"]
    row = next(r for r, values in located.rows if str(values["report_no"]).startswith("6"))
    addresses = {key: located.cell(key, row) for key in located.columns}
    projects = book.sheets["projects"]
    budget_used = (projects.name, projects.cell("budget_used", projects.rows[0][0]))
    return ws, base, located.name, row, addresses, budget_used, count(1)


def _master_rows(path: Path) -> list[dict]:
    """The Progress sheet of the master through the toolkit's reader, by the English header row."""
    sheet = open_workbook(path).sheets["Progress"]
    english = [str(v) if v is not None else "" for v in sheet.rows[1]]
    return [dict(zip(english, r)) for r in sheet.rows[2:]]


def _same(validated, shown) -> bool:
    if validated is None:
        return shown is None or shown == ""
    if isinstance(validated, (int, float)) and not isinstance(validated, bool):
        return isinstance(shown, (int, float)) and math.isclose(float(shown), float(validated), rel_tol=1e-15,
                                                                 abs_tol=1e-300)
    if isinstance(validated, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", validated):
        return isinstance(shown, (date, datetime)) and shown.strftime("%Y-%m-%d") == validated
    return shown == validated


def _no_formula_or_link_from_agency(master: Path) -> None:
    with zipfile.ZipFile(master) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in data and b"<f " not in data, name
                for location in re.findall(rb'<hyperlink [^>]*location="([^"]*)"', data):
                    assert re.fullmatch(rb"'?[A-Za-z]+'?!A\d+", location), location
            if name.endswith(".rels"):
                assert b'TargetMode="External"' not in data, name


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,  # no shrinking: each example is a collect+merge
          phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=cells)
def test_master_shows_what_was_validated_or_the_file_was_refused(setup, typed, ref):
    ws, base, sheet_name, row, addresses, budget_used, counter = setup
    name = f"fuzz_{next(counter):04d}.xlsx"
    book = openpyxl.load_workbook(base)
    if isinstance(typed["disbursed"], (int, float)):  # the project's budget used is the sum of disbursements
        book[budget_used[0]][budget_used[1]].value = 25000 + typed["disbursed"]
    for key, value in typed.items():
        cell = book[sheet_name][addresses[key]]
        if isinstance(value, tuple):
            text, as_formula = value
            cell.value = _as_excel_writes(text)
            if not (as_formula and text.startswith("=")):
                cell.data_type = "s"  # typed as text ('=... in Excel); otherwise a formula without a result
        else:
            cell.value = value
    book.save(ws.inbox / name)
    book.close()
    [result] = collect(ws, [ws.inbox / name], ref, ws.catalogue())
    report = result.report
    assert report is not None and all(f.rule in RULES for f in report.findings)
    if os.environ.get("TOOLKIT_FUZZ_VERBOSE"):
        print(name, report.outcome, sorted({f.rule for f in report.findings}))
    if not report.accepted:
        assert report.errors  # refused, with the reasons named
        return
    with Ledger(ws.ledger_path) as ledger:
        validated = dict(ledger.rows(result.submission.id, "progress"))[row]
    merge_workspace(ws, ref)
    shown = next(r for r in _master_rows(ws.master_path) if r["Source file"] == name and r["Source row"] == row)
    for col in (c for c in PROGRESS.columns if c.kind != "status"):  # statuses are shown by their labels
        assert _same(validated.get(col.key), shown.get(col.en)), (col.key, validated.get(col.key), shown.get(col.en))
    _no_formula_or_link_from_agency(ws.master_path)
    for leftover in ws.inbox.glob("fuzz_*"):
        leftover.unlink()
    shutil.rmtree(ws.feedback, ignore_errors=True)
