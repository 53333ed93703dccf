"""Money a narrative says was disbursed, against the disbursement column up to that report."""

import pytest

from tests.builders import PROJECT, make_return, set_cell, small_catalogue
from toolkit.validate.run import validate_file

P = PROJECT


@pytest.mark.parametrize("text, flagged", [
    ("เบิกจ่ายงบประมาณแล้ว 16 สำนักงานเขต (ร้อยละ 32) จำนวนเงิน 583,203.-บาท (ร้อยละ 17.85)", True),
    ("เบิกจ่ายแล้ว เป็นเงิน ๕๐,๐๐๐ บาท", True),                  # Thai digits
    ("เบิกจ่ายแล้ว เป็นเงิน 15,000 บาท", False),                  # what the column records to date
    ("เบิกจ่ายกิจกรรมที่ 1 จำนวนเงิน 5,000 บาท", False),           # part of it
    ("เบิกจ่ายแล้ว / จำนวนเงิน 90,000 บาท", False),               # another clause
])
def test_amount_said_to_be_disbursed_against_the_column(tmp_path, ref, text, flagged):
    located = {}

    def person(book, cells):
        located["at"] = set_cell(book, cells, ("progress", f"{P}#3", "narrative"), text)

    report = validate_file(make_return(tmp_path, edit=person), ref, catalogue=small_catalogue()).report
    hits = [(f.rule, f.cell) for f in report.findings]
    assert hits == ([("narrative.spent-above-disbursed", located["at"])] if flagged else [])
    if flagged:
        assert "15,000" in report.findings[0].message_en  # 3 reports of 5,000 recorded so far


@pytest.mark.parametrize("text, flagged", [
    ("สยป. ได้โอนงบประมาณให้สำนักงานเขต 50 สำนักงานเขต จำนวนเงิน 3,267,440.-บาท", True),
    ("ได้รับจัดสรรงบประมาณ ๘๐,๐๐๐ บาท", True),
    ("ได้รับการจัดสรรงบประมาณ จำนวน 100,000 บาท", False),         # the budget received (100,000)
    ("โอนงบประมาณแล้ว / เบิกจ่าย 5,000 บาท", False),              # the amount is in another clause
])
def test_budget_stated_in_a_narrative_against_the_budget_received(tmp_path, ref, text, flagged):
    located = {}

    def person(book, cells):
        located["at"] = set_cell(book, cells, ("progress", f"{P}#2", "narrative"), text)

    report = validate_file(make_return(tmp_path, edit=person), ref, catalogue=small_catalogue()).report
    assert [(f.rule, f.cell) for f in report.findings] == \
        ([("narrative.budget-differs", located["at"])] if flagged else [])
    if flagged:
        assert "100,000" in report.findings[0].message_en
