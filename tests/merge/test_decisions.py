"""record_decision: the one place a decision is written (master read-back and the web app use it)."""

from toolkit.ledger import Ledger
from toolkit.merge.decisions import record_decision


def test_record_decision_upserts_and_reports_changes(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert record_decision(ledger, "F-1", "ยืนยัน / confirmed", "โทรสอบถามแล้ว", "สมหญิง", "2564-11-02", "150")
        assert not record_decision(ledger, "F-1", "ยืนยัน / confirmed", "โทรสอบถามแล้ว", "สมหญิง", "2564-11-02", "150")
        assert record_decision(ledger, "F-1", "ไม่เป็นปัญหา / false alarm", "", "สมหญิง", "2564-11-03", "150")
        with ledger._transaction():  # inside the caller's transaction
            assert record_decision(ledger, "F-2", "ชี้แจงแล้ว / explained", "", "", "", "0")
        decisions = ledger.decisions()
    assert decisions["F-1"]["decision"] == "ไม่เป็นปัญหา / false alarm" and decisions["F-1"]["decided_on"] == "2564-11-03"
    assert decisions["F-2"]["value_at_decision"] == "0"


def test_a_replaced_decision_is_kept_in_history(tmp_path):
    from toolkit.merge.decisions import decision_history

    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        record_decision(ledger, "F-1", "ชี้แจงแล้ว / explained", "เบิกผ่านเขต", "สมหญิง", "2564-11-02", "0")
        record_decision(ledger, "F-1", "ยืนยัน / confirmed", "ค่าเปลี่ยนเป็น 1", "สมชาย", "2564-12-01", "1")
        [old] = decision_history(ledger, "F-1")
        assert (old["decision"], old["note"], old["value_at_decision"]) == ("ชี้แจงแล้ว / explained", "เบิกผ่านเขต", "0")
        assert ledger.decisions()["F-1"]["decision"] == "ยืนยัน / confirmed"
