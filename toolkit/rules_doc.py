"""``docs/rules.md``, generated from the rule registry so that it cannot go stale."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields

from schemas.rules import RULES
from toolkit.read.preflight import DEFAULT_LIMITS, Limits

_EXAMPLE = {"value": "150", "expected": "100", "label_th": "ความก้าวหน้าสะสม (ร้อยละ)",
            "label_en": "Cumulative progress (%)", "detail": "…", "found": "2564-Q3", "current": "1",
            "kind_th": "ตัวเลข", "kind_en": "a number", "score": "0 / 0", "project": "21000000-3142",
            "suggestion_th": " (หรือหมายถึง สำนักงานเขตปทุมวัน?)", "suggestion_en": " (did you mean ปทุมวัน?)"}


#: sample values where the generic ones would read oddly
_OVERRIDES = {
    "column.moved": {"value": "F"}, "date.outside-fiscal-year": {"value": "1/1/2566"},
    "progress.dates-out-of-order": {"value": "1/11/2563", "expected": "19/11/2563"},
    "progress.report-missing": {"expected": "6"}, "plan.placeholder-dates": {"value": "1/10/2563"},
    "plan.outside-project": {"value": "31/12/2564", "expected": "2020-10-01 – 2021-09-30"},
    "plan.weights-sum": {"value": "90"}, "sheet.renamed": {"value": "รายงาน", "expected": "ความก้าวหน้า (Progress)"},
    "sheet.missing": {"expected": "ตัวชี้วัด (KPIs)"}, "identity.wrong-round": {"expected": "2564-Q4"},
    "identity.filename-mismatch": {"value": "2564-Q4_1005_บางเขน.xlsx", "claimed_agency": "1005",
                                   "claimed_round": "2564-Q4", "agency": "1021", "round": "2564-Q4"},
    "identity.prefilled-changed": {"value": "999,999", "expected": "100000"},
    "identity.missing-item": {"expected": "21000000-3142#6", "label_th": "รหัสโครงการ", "label_en": "Project code"},
    "identity.unknown-item": {"value": "21000000-9999#6"}, "identity.duplicate-item": {"value": "21000000-3142#1"},
    "identity.unknown-agency": {"value": "9999"}, "id.project-code-format": {"value": "2100-01"},
    "id.kpi-code-format": {"value": "K1"}, "value.status-unknown": {"value": "ไปได้สวย"},
    "value.unreadable": {"value": "สามสิบ"}, "value.money-negative": {"value": "-5"},
    "value.whole-number": {"value": "0"}, "kpi.level-range": {"value": "15"},
    "kpi.achieved-magnitude": {"value": "70", "expected": "6"}, "kpi.achieved-vs-quarters": {"value": "60", "expected": "70"},
    "kpi.score-mismatch": {"value": "70", "expected": "100 / 100"}, "kpi.unit-method-mismatch": {"value": "ระดับ",
                                                                                            "expected": "นับจำนวนเครือข่าย"},
    "kpi.project-complete-kpi-unmet": {"value": "3", "expected": "5"},
    "project.budget-used-mismatch": {"value": "0", "amount": "0", "expected": "36,740"},
    "project.overspent": {"value": "3,500,000", "expected": "3,304,180"},
    "progress.decreasing": {"value": "20", "expected": "30"},
    "progress.below-previous-round": {"value": "30", "expected": "35", "round": "2564-Q1", "report": "3"},
    "template.old-version": {"found": "1", "current": "2"}, "progress.complete-status-mismatch": {"value": "60",
                                                                                                    "expected": "ดำเนินการแล้วเสร็จ"},
    "progress.disbursed-at-zero": {"value": "5,000"}, "progress.behind-while-on-plan": {"value": "5", "expected": "40"},
    "ref.unknown-district": {"value": "สำนักงานเขตปทุมธานี"},
    "intake.error-cells": {"value": "#DIV/0!"}, "intake.timeout": {"detail": "60 s"},
    "intake.memory": {"detail": "3.0 GiB"}, "intake.parser-crashed": {"detail": "signal SIGABRT"},
    "outlier.peers": {"value": "85", "measure_th": "สัดส่วนการเบิกจ่ายต่องบประมาณที่ได้รับ (ร้อยละ)",
                      "measure_en": "Share of the budget disbursed (%)", "z": "+5.2", "lo": "2.1", "hi": "41.9",
                      "median": "22", "n": "30"},
    "outlier.history": {"value": "3,600,000", "measure_th": "งบประมาณที่เบิกใช้ในรายงานครั้งนี้ (บาท)",
                        "measure_en": "Baht disbursed in this report", "z": "+40.3", "lo": "-12,000",
                        "hi": "85,480", "median": "36,740", "n": "6"},
    "narrative.spent-above-disbursed": {"value": "583,203", "expected": "36,740"},
    "narrative.budget-differs": {"value": "3,267,440", "expected": "3,304,180"},
    "ref.unknown-department": {"value": "สำนักยุทธศาสตร์และการประเมินผล", "suggestion": "สำนักยุทธศาสตร์และประเมินผล"},
    "narrative.count-percent-mismatch": {"value": "40 สำนักงานเขต คิดเป็นร้อยละ 70", "count": "40", "total": "50",
                                         "expected": "80"},
    "ref.group-variant": {"value": "กลุ่มกรุงเทพมหานครใต้", "expected": "กรุงธนใต้"},
}


def render_rules_markdown() -> str:
    lines = ["# Validation rules", "",
             "Generated from `schemas/rules.py` by `scripts/gen_rules_doc.py`; do not edit by hand.",
             "An **error** rejects the return; a **warning** accepts it and raises a flag for auditors.",
             "Examples are the message templates filled with sample values.", "",
             "| rule | severity | what it checks | example (English) | ตัวอย่าง (ไทย) |", "|---|---|---|---|---|"]
    for rule in sorted(RULES.values(), key=lambda r: r.id):
        sample = {**_EXAMPLE, **_OVERRIDES.get(rule.id, {})}
        en = rule.message_en.format_map(sample).replace("|", "\\|")
        th = rule.message_th.format_map(sample).replace("|", "\\|")
        lines.append(f"| `{rule.id}` | {rule.severity} | {rule.checks_en} | {en} | {th} |")
    return "\n".join(lines) + "\n"


#: how each rejection is detected (``{limit_name}`` is the limit's default value)
_CAUSES = {
    "file.unreadable": "preflight passed but the reader (python-calamine) could not read the package; or the "
                       "check itself failed on this file (the error is named)",
    "intake.not-a-workbook": "the first bytes are neither a zip (.xlsx/.xlsm) nor an OLE container: empty uploads, "
                             "HTML or text saved as .xlsx, a zip without a workbook part",
    "intake.encrypted": "an OLE container holding an `EncryptedPackage` stream: a password-protected workbook",
    "intake.legacy-xls": "an OLE container without encryption: Excel 97-2003 .xls (also when renamed .xlsx)",
    "intake.corrupt-zip": "unreadable central directory, truncated upload, a member failing its CRC-32, or two "
                          "members with the same name (also differing only in case, or in / against \\)",
    "intake.zip-bomb": "more than {max_members} members, more than {max_uncompressed_bytes} bytes unpacked, or a "
                       "member over 1 MiB expanding more than {max_ratio}x",
    "intake.too-large": "the file is larger than {max_file_bytes} bytes",
    "intake.hostile-xml": "an XML part declares a DTD or entities (billion laughs, XXE), or one cell's XML exceeds "
                          "{max_cell_xml_bytes} bytes",
    "intake.range-too-large": "a cell beyond row {max_row} or column {max_column} (styled empty cells included), or "
                              "more than {max_value_cells} cells holding values",
    "intake.error-cells": "a cell the toolkit reads (a data column, between the first and last data rows) is an "
                          "Excel error cell (`t=\"e\"`: #DIV/0!, #REF! ...); text columns are named here, number and "
                          "date columns refuse the error text as `value.unreadable`",
    "intake.uncalculated-formulas": "a cell the toolkit reads holds a formula saved without its result (files "
                                    "written by programs that do not calculate)",
    "intake.parser-crashed": "the worker reading the file died (a signal such as SIGABRT or SIGSEGV, a Rust panic)",
    "intake.timeout": "the worker reading the file took longer than {worker_timeout_s} s",
    "intake.memory": "the worker reading the file needed more than {worker_memory_bytes} bytes of address space",
}


def _limit_docs() -> dict[str, str]:
    """Each Limits field's ``#:`` comment, read from the source so the doc says what the code says
    (a comment covers every field up to the next comment)."""
    docs: dict[str, str] = {}
    comment, in_comment = "", False
    for line in inspect.getsource(Limits).splitlines():
        text = line.strip()
        if text.startswith("#:"):
            comment = f"{comment} {text[2:].strip()}".strip() if in_comment else text[2:].strip()
            in_comment = True
        elif re.match(r"\w+: ", text):
            docs[text.split(":")[0]] = comment
            in_comment = False
    return docs


def render_rejections_markdown() -> str:
    """``docs/rejections.md``: every reason a file is refused as a whole, how it is detected, what the agency
    is told (Thai and English), and the limits with their defaults."""
    limits = {f.name: f"{getattr(DEFAULT_LIMITS, f.name):,}" for f in fields(Limits)}
    lines = ["# Why a file is refused", "",
             "Generated from `schemas/rules.py` and `toolkit/read/preflight.py` by `scripts/gen_rules_doc.py`; "
             "do not edit by hand.",
             "Before any spreadsheet reader runs, the intake preflight looks at the bytes and the zip; reading then "
             "happens in a memory- and time-limited worker process. A file refused for one of these reasons is kept "
             "in `archive/`, recorded in the ledger as rejected with the reason, and the agency gets the message "
             "below; the rest of the batch goes on.", "",
             "| reason | detected when | message to the agency (English) | ข้อความถึงหน่วยงาน (ไทย) |", "|---|---|---|---|"]
    for rule in sorted((r for r in RULES.values() if r.id.startswith("intake.") or r.id == "file.unreadable"),
                       key=lambda r: r.id):
        sample = {**_EXAMPLE, **_OVERRIDES.get(rule.id, {})}
        en = rule.message_en.format_map(sample).replace("|", "\\|")
        th = rule.message_th.format_map(sample).replace("|", "\\|")
        cause = _CAUSES.get(rule.id, rule.checks_en).format(**limits).replace("|", "\\|")
        lines.append(f"| `{rule.id}` | {cause} | {en} | {th} |")
    lines += ["", "## Limits", "", "In `toolkit.read.preflight.Limits`; the defaults:", "",
              "| limit | default | what it bounds |", "|---|---|---|"]
    notes = _limit_docs()
    for f in fields(Limits):
        lines.append(f"| `{f.name}` | {limits[f.name]} | {notes.get(f.name, '')} |")
    return "\n".join(lines) + "\n"
