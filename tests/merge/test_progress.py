"""``merge`` says what it is doing: the consolidation a return at a time, the master a few thousand rows
at a time, then the saving of the file (at a national scale the whole takes minutes)."""

import io

import openpyxl
import pytest
from rich.console import Console
from typer.testing import CliRunner

import toolkit.cli as cli
import toolkit.merge.master as master
from schemas import SHEETS
from tests.builders import make_return
from toolkit.collect import collect
from toolkit.merge.run import merge_workspace


@pytest.fixture
def collected(ws, ref):
    make_return(ws.inbox, "a.xlsx")
    collect(ws, None, ref, ws.catalogue())
    return ws


def test_merge_reports_each_step_in_order(collected, ref, monkeypatch):
    monkeypatch.setattr(master, "_REPORT_EVERY", 5)  # the small return's sheets hold tens of rows
    heard: list[tuple[str, int, int | None]] = []
    result = merge_workspace(collected, ref, progress=lambda step, done, total: heard.append((step, done, total)))
    assert all(" / " in step and step[0] > "\u0e00" for step, _, _ in heard)  # Thai, then English
    heard = [(step.split(" / ", 1)[1], done, total) for step, done, total in heard]
    steps = [step for step, _, _ in heard]
    assert steps[0] == "reading the auditors' decisions"
    assert steps[-1] == "saving the master workbook"

    consolidating = [(done, total) for step, done, total in heard if step.startswith("consolidating")]
    assert consolidating == [(i, len(SHEETS)) for i in range(len(SHEETS) + 1)]  # one accepted return, each sheet
    assert steps.index("looking for outliers across returns") > steps.index(f"consolidating {SHEETS[-1].en}")

    writing = [(step, done, total) for step, done, total in heard if step.startswith("writing ")]
    sheets_written = list(dict.fromkeys(step.removeprefix("writing ") for step, _, _ in writing))
    assert sheets_written == ["Submissions", "Projects", "Progress", "PlanSteps", "KPIs", "KPIResults", "Flags"]
    done = [d for _, d, _ in writing]
    assert done == sorted(done) and len(done) > len(sheets_written)  # several reports on the longer sheets
    book = openpyxl.load_workbook(result.path, read_only=True)
    # every table row the master holds (two header rows per sheet), counted in the file written
    in_file = sum(book[name].max_row - 2 for name in sheets_written)
    book.close()
    assert {total for _, _, total in writing} == {in_file}
    assert heard[-1][1] == in_file and heard[-1][2] is None  # saving: no measure, all rows written


def test_merge_command_shows_its_progress_on_a_terminal(collected, monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=screen, force_terminal=True, width=160))
    result = CliRunner().invoke(cli.app, ["merge", str(collected.root)])
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    assert "merge: เขียน / writing Progress" in shown and "merge: บันทึกไฟล์รวม / saving the master workbook" in shown
    assert "master:" in result.stdout
