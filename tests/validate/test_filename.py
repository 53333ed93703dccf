"""identity.filename-mismatch: a file named for one agency and round that holds another's return."""

import pytest

from tests.builders import make_return, small_catalogue
from toolkit.collect import collect
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.validate.filename import filename_claim
from toolkit.validate.run import validate_file
from toolkit.workspace import Workspace


@pytest.mark.parametrize("name, claim", [
    ("2564-Q4_1005_บางเขน.xlsx", ("2564-Q4", "1005")),
    ("แก้ไข_2564-q4_1005_บางเขน (1).xlsx", ("2564-Q4", "1005")),
    ("2564-M03_2100_สำนักยุทธศาสตร์และประเมินผล.xlsx", ("2564-M03", "2100")),
    ("return.xlsx", None),
    ("รายงานไตรมาส 4 ปี 2564.xlsx", None),
    ("2564-Q4.xlsx", None),
    ("12564-Q4_1005.xlsx", None),
    ("2564-Q4_10051.xlsx", None),
])
def test_what_a_file_name_claims(name, claim):
    assert filename_claim(name) == claim


@pytest.mark.parametrize("name, rejected", [
    ("2564-Q2_2100_สำนักยุทธศาสตร์และประเมินผล.xlsx", False),  # the template's own name
    ("return.xlsx", False),  # claims nothing
    ("2564-Q2_1007_ปทุมวัน.xlsx", True),  # another agency's name
    ("2564-Q3_2100_สำนักยุทธศาสตร์และประเมินผล.xlsx", True),  # another round
])
def test_a_return_under_another_name_is_refused(tmp_path, ref, name, rejected):
    report = validate_file(make_return(tmp_path, name), ref, catalogue=small_catalogue()).report
    hits = [f for f in report.findings if f.rule == "identity.filename-mismatch"]
    assert bool(hits) == rejected and report.accepted == (not rejected)
    if rejected:
        assert hits[0].severity == "error" and hits[0].value == name
        assert "2100" in hits[0].message_en and "2564-Q2" in hits[0].message_en and "ชื่อไฟล์" in hits[0].message_th


def test_collect_refuses_another_agencys_file_by_its_inbox_name(tmp_path, ref):
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    make_return(ws.inbox, "2564-Q2_1007_ปทุมวัน.xlsx")  # 2100's return, saved under district 1007's name
    [result] = collect(ws, None, ref, ws.catalogue())
    assert result.submission.outcome == "rejected" and result.submission.agency == "2100"
    assert [f.rule for f in result.report.errors] == ["identity.filename-mismatch"]
    assert result.feedback is not None  # the agency is told why
