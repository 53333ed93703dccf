"""Cumulative progress is compared with the agency's latest accepted return of an earlier round of the
same fiscal year (progress.below-previous-round), through collect and the ledger."""

import copy


from schemas.rules import RULES
from tests.builders import LEVEL_KPI, COUNT_KPI, PROJECT, clean_answers, make_return, set_cell, small_catalogue
from toolkit.calendar import Round
from toolkit.collect import collect
from toolkit.ledger import Ledger
from toolkit.ledger.history import History, LedgerHistory, _current_of, build_history, history_for
from toolkit.validate.run import validate_file

P = PROJECT
Q1, Q2 = Round.parse("2564-Q1"), Round.parse("2564-Q2")
RULE = "progress.below-previous-round"


def _q1_answers(pcts=(10, 20, 30)):
    answers = copy.deepcopy(clean_answers())
    for n, pct in enumerate(pcts, start=1):
        answers["progress"][f"{P}#{n}"]["progress_pct"] = str(pct)
    answers["projects"][P]["budget_used"] = "15000"
    answers["kpis"][LEVEL_KPI]["achieved"], answers["kpis"][COUNT_KPI]["achieved"] = "1", "2"
    return answers


def _collect(ws, ref, name, **kw):
    path = make_return(ws.root / "made", name, **kw)
    (ws.inbox / name).write_bytes(path.read_bytes())
    [result] = collect(ws, [ws.inbox / name], ref, ws.catalogue())
    return result


def test_rule_is_a_warning():
    assert RULES[RULE].severity == "warning"


def test_progress_below_the_previous_rounds_accepted_return_is_flagged_at_its_cell(ws, ref):
    assert _collect(ws, ref, "q1.xlsx", rnd=Q1, answers=_q1_answers((10, 20, 35))).report.accepted
    located = {}

    def person(book, cells):  # the Q2 return restates report 3 lower than Q1 said (35 -> 30)
        located["at"] = cells[("progress", f"{P}#3", "progress_pct")]

    result = _collect(ws, ref, "q2.xlsx", rnd=Q2, edit=person)
    hits = [f for f in result.report.findings if f.rule == RULE]
    assert [(f.sheet, f.cell, f.value) for f in hits] == [(*located["at"], "30")]
    assert "2564-Q1" in hits[0].message_en and "35%" in hits[0].message_en and "report 3" in hits[0].message_en
    assert "2564-Q1" in hits[0].message_th
    assert result.report.accepted  # a warning: the earlier figure may have been the mistake


def test_later_reports_below_the_previous_rounds_latest_figure_are_flagged(ws, ref):
    _collect(ws, ref, "q1.xlsx", rnd=Q1, answers=_q1_answers((10, 20, 45)))

    def person(book, cells):
        for n, pct in ((3, 45), (4, 40), (5, 50), (6, 60)):
            set_cell(book, cells, ("progress", f"{P}#{n}", "progress_pct"), pct)
        located["at"] = cells[("progress", f"{P}#4", "progress_pct")]

    located = {}
    report = _collect(ws, ref, "q2.xlsx", rnd=Q2, edit=person).report
    hits = [f for f in report.findings if f.rule == RULE]
    # report 4 (40) is below report 3's 45 both in Q1 and in this return: two rules, one cell
    assert [(f.sheet, f.cell) for f in hits] == [located["at"]]
    assert {f.rule for f in report.findings if (f.sheet, f.cell) == located["at"]} == {RULE, "progress.decreasing"}


def test_clean_next_round_has_no_issue(ws, ref):
    _collect(ws, ref, "q1.xlsx", rnd=Q1, answers=_q1_answers())
    assert _collect(ws, ref, "q2.xlsx", rnd=Q2).report.findings == []


def test_rejected_returns_and_other_fiscal_years_are_not_history(ws, ref):
    rejected = _q1_answers((10, 25, 90))
    rejected["progress"][f"{P}#1"]["progress_pct"] = "150"
    assert not _collect(ws, ref, "q1-bad.xlsx", rnd=Q1, answers=rejected).report.accepted
    assert _collect(ws, ref, "q2.xlsx", rnd=Q2).report.findings == []
    with Ledger(ws.ledger_path) as ledger:
        assert build_history(ledger, "2100", "2564-Q2") is None
        assert build_history(ledger, "2100", "2565-Q1") is None  # Q2 of 2564 is another fiscal year


def test_the_latest_accepted_earlier_return_is_used(ws, ref):
    _collect(ws, ref, "q1-first.xlsx", rnd=Q1, answers=_q1_answers((10, 20, 50)))
    _collect(ws, ref, "q1-again.xlsx", rnd=Q1, answers=_q1_answers((10, 20, 30)))  # supersedes the first
    with Ledger(ws.ledger_path) as ledger:
        history = build_history(ledger, "2100", "2564-Q2")
    assert history.round == "2564-Q1" and history.source_file == "q1-again.xlsx"
    assert history.progress[P] == {1: 10.0, 2: 20.0, 3: 30.0}
    assert history.prior_progress(P, 2) == (20.0, 2) and history.prior_progress(P, 9) == (30.0, 3)
    assert LedgerHistory(ws.ledger_path).for_return("2100", "2564-Q2") == history
    assert LedgerHistory(ws.ledger_path).for_return("2100", "2564-Q1") is None  # nothing earlier than Q1
    with Ledger(ws.ledger_path) as ledger:  # the same choice as the ledger's own current submissions
        assert [s.id for s in ledger.current() if s.agency == "2100"] == [s.id for s in _current_of(ledger, "2100")]


def test_history_given_directly_applies_to_its_agency_only(tmp_path, ref):
    history = History("2100", "2564-Q1", "q1.xlsx", {P: {3: 55.0}})
    path = make_return(tmp_path)
    report = validate_file(path, ref, catalogue=small_catalogue(), history=history).report
    assert sorted(f.item for f in report.findings if f.rule == RULE) == [f"{P}#3", f"{P}#4", f"{P}#5"]
    assert history_for(history, "1007", "2564-Q2") is None
    assert history_for(None, "2100", "2564-Q2") is None
