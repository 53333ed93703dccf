"""The rule registry: every finding the toolkit can report has a stable id, a severity and a message
template in Thai and English. Messages are formatted with the finding's parameters; ``{label_th}`` /
``{label_en}`` are the column's labels and ``{value}`` the raw value as typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    checks_en: str
    message_th: str
    message_en: str


_RULES = (
    # -- the file and its template ------------------------------------------------------------
    Rule("file.unreadable", "error", "The file opens as a workbook",
         "เปิดไฟล์ไม่ได้: {detail} กรุณาบันทึกเป็น .xlsx แล้วส่งใหม่",
         "The file cannot be opened: {detail}. Save it as .xlsx and send it again."),
    Rule("intake.not-a-workbook", "error", "The file is an Excel workbook",
         "ไฟล์นี้ไม่ใช่ไฟล์ Excel ({detail}) กรุณาส่งไฟล์ .xlsx ที่ได้รับจาก สยป.",
         "This is not an Excel workbook ({detail}); send the .xlsx template you received."),
    Rule("intake.encrypted", "error", "The workbook is not password-protected",
         "ไฟล์ถูกตั้งรหัสผ่าน กรุณาเอารหัสผ่านออก (File > Info > Protect Workbook) แล้วส่งใหม่",
         "The file is password-protected; remove the password and send it again."),
    Rule("intake.legacy-xls", "error", "The workbook is .xlsx, not Excel 97-2003 .xls",
         "ไฟล์เป็นรูปแบบ Excel 97-2003 (.xls) กรุณาบันทึกเป็น .xlsx (Excel Workbook) แล้วส่งใหม่",
         "The file is in the Excel 97-2003 (.xls) format; save it as .xlsx and send it again."),
    Rule("intake.corrupt-zip", "error", "The .xlsx package is intact",
         "ไฟล์เสียหาย ({detail}) กรุณาเปิดไฟล์ใน Excel แล้วบันทึกใหม่ก่อนส่ง",
         "The file is damaged ({detail}); open it in Excel, save it again and resend."),
    Rule("intake.zip-bomb", "error", "The package unpacks to a sane size",
         "ไฟล์มีขนาดเมื่อแตกไฟล์ใหญ่ผิดปกติ ({detail}) ระบบไม่เปิดไฟล์นี้",
         "The file unpacks to an abnormal size ({detail}); it was not opened."),
    Rule("intake.too-large", "error", "The file is within the size limit",
         "ไฟล์มีขนาดใหญ่เกินกำหนด ({detail})", "The file is larger than allowed ({detail})."),
    Rule("intake.hostile-xml", "error", "No part declares a DTD or entities",
         "ไฟล์มีโครงสร้าง XML ที่ไม่ปลอดภัย ({detail}) ระบบไม่เปิดไฟล์นี้",
         "The file contains unsafe XML ({detail}); it was not opened."),
    Rule("intake.range-too-large", "error", "Cells stay within a sane range",
         "ไฟล์มีข้อมูลหรือรูปแบบเซลล์ไกลเกินปกติ ({detail}) กรุณาลบแถว/คอลัมน์ส่วนเกินแล้วส่งใหม่",
         "The file has cells far beyond any real data ({detail}); delete the extra rows/columns and resend."),
    Rule("intake.error-cells", "error", "No data cell shows an Excel error (#DIV/0!, #REF!, #N/A ...)",
         "ช่องนี้แสดงค่าผิดพลาดของ Excel ({value}) กรุณาแก้สูตรหรือพิมพ์ค่าที่ถูกต้องแทน แล้วส่งไฟล์ใหม่",
         "This cell shows an Excel error ({value}); fix the formula or type the correct value, then send the file again."),
    Rule("intake.uncalculated-formulas", "error", "Every formula in a data cell was saved with its result",
         "ช่องนี้มีสูตรแต่ไม่มีผลการคำนวณบันทึกไว้ (ไฟล์ถูกบันทึกด้วยโปรแกรมที่ไม่คำนวณสูตร) กรุณาเปิดไฟล์ใน Excel "
         "หรือ LibreOffice กดบันทึก แล้วส่งใหม่ หรือพิมพ์ค่าแทนสูตร",
         "This cell holds a formula saved without its result (the program that saved the file does not calculate); "
         "open the file in Excel or LibreOffice, save it and send it again, or type the value instead of the formula."),
    Rule("intake.parser-crashed", "error", "The file can be read without crashing the reader",
         "ระบบอ่านไฟล์นี้ไม่ได้ (โปรแกรมอ่านไฟล์หยุดทำงาน: {detail}) ไฟล์ถูกเก็บไว้แล้ว กรุณาเปิดใน Excel "
         "บันทึกเป็นไฟล์ .xlsx ใหม่ แล้วส่งอีกครั้ง",
         "Reading this file crashed the reader ({detail}); the file is kept. Open it in Excel, save it as a new "
         ".xlsx and send it again."),
    Rule("intake.timeout", "error", "The file is read within the time limit",
         "การอ่านไฟล์ใช้เวลานานเกินกำหนด ({detail}) กรุณาลบแผ่นงาน แถว หรือรูปภาพที่ไม่เกี่ยวข้อง แล้วส่งใหม่",
         "Reading the file took longer than allowed ({detail}); remove unrelated sheets, rows or pictures and "
         "send it again."),
    Rule("intake.memory", "error", "The file is read within the memory limit",
         "การอ่านไฟล์ต้องใช้หน่วยความจำเกินกำหนด ({detail}) กรุณาลบแผ่นงาน แถว หรือรูปภาพที่ไม่เกี่ยวข้อง แล้วส่งใหม่",
         "Reading the file needed more memory than allowed ({detail}); remove unrelated sheets, rows or pictures and "
         "send it again."),
    Rule("template.no-metadata", "warning", "The workbook carries the template's hidden metadata",
         "ไม่พบข้อมูลแม่แบบที่ซ่อนไว้ ระบบอ่านข้อมูลจากหัวคอลัมน์แทน ({detail})",
         "The template's hidden metadata is missing; data was read by its headers instead ({detail})."),
    Rule("template.old-version", "warning", "The return was made from the current template version",
         "ไฟล์นี้สร้างจากแม่แบบรุ่น {found} (รุ่นปัจจุบัน {current}) ระบบแปลงข้อมูลให้แล้ว",
         "This return uses template version {found} (current {current}); it was migrated."),
    Rule("template.metadata-tampered", "error", "The hidden metadata matches its checksum",
         "ข้อมูลแม่แบบที่ซ่อนไว้ถูกแก้ไข กรุณาใช้แม่แบบที่ได้รับจากสำนักยุทธศาสตร์และประเมินผล",
         "The template's hidden metadata was altered; use the template the central office sent."),
    Rule("identity.unknown-agency", "error", "The return names an agency of the catalogue",
         "ไม่ทราบว่าไฟล์นี้เป็นของหน่วยงานใด ({value}) กรุณาใช้แม่แบบของหน่วยงานท่าน",
         "Cannot tell which agency this return belongs to ({value}); use your agency's template."),
    Rule("identity.wrong-round", "error", "The return is for the expected round",
         "ไฟล์นี้เป็นของรอบ {found} ไม่ใช่รอบ {expected}",
         "This return is for round {found}, not {expected}."),
    Rule("identity.filename-mismatch", "error", "A file named for an agency and round holds that agency's return for that round",
         "ชื่อไฟล์ '{value}' ระบุหน่วยงาน {claimed_agency} รอบ {claimed_round} แต่ข้อมูลในไฟล์เป็นของหน่วยงาน {agency} "
         "รอบ {round} อาจส่งไฟล์ผิด กรุณาตรวจสอบและส่งไฟล์ที่ถูกต้อง",
         "The file name '{value}' says agency {claimed_agency}, round {claimed_round}, but the workbook is agency "
         "{agency}, round {round}: probably the wrong file; check it and send the right one."),
    Rule("identity.prefilled-changed", "error", "Pre-filled identifiers and catalogue facts are unchanged",
         "ค่าที่กำหนดไว้ล่วงหน้าถูกแก้ไข: '{value}' ควรเป็น '{expected}' กรุณาอย่าแก้ไขช่องสีเทา",
         "A pre-filled value was changed: '{value}' should be '{expected}'. Do not edit grey cells."),
    Rule("identity.missing-item", "error", "Every project and KPI of the catalogue is present once",
         "ไม่พบ {label_th} {expected} ในแผ่นงาน กรุณาอย่าลบแถวที่กำหนดไว้",
         "{label_en} {expected} is missing from the sheet; do not delete pre-filled rows."),
    Rule("identity.unknown-item", "error", "No unknown codes",
         "รหัส '{value}' ไม่อยู่ในรายการของหน่วยงานในรอบนี้",
         "Code '{value}' is not among this agency's items for the round."),
    Rule("identity.duplicate-item", "error", "No item appears twice",
         "'{value}' ซ้ำกันมากกว่าหนึ่งแถว", "'{value}' appears on more than one row."),
    Rule("sheet.missing", "error", "Every sheet of the template is present",
         "ไม่พบแผ่นงาน '{expected}'", "Sheet '{expected}' is missing."),
    Rule("sheet.renamed", "warning", "Sheets keep their template names",
         "แผ่นงาน '{value}' ถูกเปลี่ยนชื่อ (ชื่อเดิม '{expected}') ระบบอ่านได้",
         "Sheet '{value}' was renamed (template name '{expected}'); it was still read."),
    Rule("column.missing", "error", "Every column of the template is present",
         "ไม่พบคอลัมน์ '{label_th}'", "Column '{label_en}' is missing."),
    Rule("column.moved", "warning", "Columns stay where the template put them",
         "คอลัมน์ '{label_th}' ถูกย้ายไปที่ {value} ระบบอ่านได้",
         "Column '{label_en}' was moved to {value}; it was still read."),
    Rule("id.project-code-format", "error", "Project codes look like 21000000-3215",
         "รหัสโครงการ '{value}' ไม่ถูกรูปแบบ (เช่น 21000000-3215)",
         "Project code '{value}' is not of the form 21000000-3215."),
    Rule("id.kpi-code-format", "error", "KPI codes look like 2100-1037",
         "รหัสตัวชี้วัด '{value}' ไม่ถูกรูปแบบ (เช่น 2100-1037)",
         "KPI code '{value}' is not of the form 2100-1037."),
    # -- single values ------------------------------------------------------------------------
    Rule("value.unreadable", "error", "Every value reads as its column's type",
         "อ่านค่า '{value}' ในช่อง {label_th} ไม่ได้ (ต้องเป็น{kind_th})",
         "Cannot read '{value}' in {label_en} as {kind_en}."),
    Rule("value.required", "error", "Required cells are filled",
         "ช่อง {label_th} ต้องมีค่า", "{label_en} must not be empty."),
    Rule("value.percent-range", "error", "Percentages lie in 0-100",
         "{label_th} ต้องอยู่ระหว่าง 0 ถึง 100 (พบ {value})", "{label_en} must lie in 0-100 (found {value})."),
    Rule("value.money-negative", "error", "Money is never negative",
         "{label_th} ต้องไม่ติดลบ (พบ {value})", "{label_en} must not be negative (found {value})."),
    Rule("value.whole-number", "error", "Counters are whole numbers from 1",
         "{label_th} ต้องเป็นจำนวนเต็มตั้งแต่ 1 (พบ {value})", "{label_en} must be a whole number from 1 (found {value})."),
    Rule("value.status-unknown", "warning", "Statuses come from the vocabulary (variants are mapped)",
         "'{value}' ไม่อยู่ในรายการของ {label_th} กรุณาเลือกจากรายการ",
         "'{value}' is not a known {label_en}; pick one from the list."),
    Rule("date.outside-fiscal-year", "warning", "Dates lie inside the fiscal year",
         "วันที่ {value} อยู่นอกปีงบประมาณ", "Date {value} lies outside the fiscal year."),
    # -- within a project ---------------------------------------------------------------------
    Rule("project.budget-used-mismatch", "warning", "Budget used equals the sum of disbursements",
         "งบประมาณที่ใช้ไป {amount} บาท ไม่เท่ากับผลรวมการเบิกจ่ายในรายงาน {expected} บาท",
         "Budget used {amount} baht differs from the {expected} baht disbursed in the reports."),
    Rule("project.overspent", "error", "Disbursements never exceed the budget received",
         "ผลรวมการเบิกจ่าย {value} บาท เกินงบประมาณที่ได้รับ {expected} บาท",
         "Disbursements total {value} baht, above the {expected} baht received."),
    Rule("progress.decreasing", "error", "Cumulative progress never decreases",
         "ความก้าวหน้าสะสมลดลงจาก {expected}% เป็น {value}% (เป็นค่าสะสม ห้ามลดลง)",
         "Cumulative progress fell from {expected}% to {value}%; it must never decrease."),
    Rule("progress.dates-out-of-order", "warning", "Report dates ascend with report numbers",
         "วันที่รายงาน {value} ไม่อยู่หลังรายงานครั้งก่อน ({expected})",
         "Report date {value} is not after the previous report's ({expected})."),
    Rule("progress.report-missing", "warning", "Every report due in the round is filled",
         "รายงานครั้งที่ {expected} ยังไม่ได้กรอก", "Report {expected} is not filled in."),
    Rule("progress.complete-status-mismatch", "warning", "Progress at 100 % matches a finished status",
         "ความก้าวหน้า {value}% ไม่สอดคล้องกับสถานะโครงการ '{expected}'",
         "Progress {value}% does not match the project status '{expected}'."),
    Rule("progress.disbursed-at-zero", "warning", "No money is disbursed while progress is 0 %",
         "มีการเบิกจ่าย {value} บาท ขณะที่ความก้าวหน้าเป็น 0%", "{value} baht disbursed while progress is 0 %."),
    Rule("progress.delay-without-problem", "warning", "A delay comes with a stated problem",
         "สถานะล่าช้ากว่าแผนแต่ไม่ได้ระบุปัญหา", "Status says behind plan but no problem is stated."),
    Rule("progress.behind-while-on-plan", "warning", "Progress is not far behind the plan-weighted schedule while on plan",
         "ความก้าวหน้า {value}% ต่ำกว่าแผน ({expected}% ตามน้ำหนักและวันที่ของขั้นตอน) มาก แต่ระบุว่าเป็นไปตามแผน",
         "Progress {value}% is far behind the plan-weighted schedule ({expected}%) while the status says on plan."),
    Rule("progress.zero-late-on-plan", "warning", "No 0 % progress in the second half of the year with an on-plan status",
         "ความก้าวหน้ายังเป็น 0% ในครึ่งหลังของปีงบประมาณ แต่ระบุว่าเป็นไปตามแผน",
         "Progress is still 0 % in the second half of the fiscal year while the status says on plan."),
    Rule("progress.copied-narrative", "warning", "Narratives are not copied from the previous report",
         "ผลการดำเนินงานซ้ำกับรายงานครั้งก่อนทุกตัวอักษร", "The narrative repeats the previous report word for word."),
    Rule("progress.below-previous-round", "warning",
         "Cumulative progress is not below what the previous round's accepted return reported",
         "ความก้าวหน้าสะสม {value}% ต่ำกว่าที่รายงานไว้ในรอบ {round} ({expected}% ในรายงานครั้งที่ {report}) "
         "หากเป็นการแก้ไขตัวเลขเดิม กรุณาระบุเหตุผลในช่องปัญหา",
         "Cumulative progress {value}% is below the {expected}% the accepted return of round {round} reported "
         "(report {report}); if the earlier figure was wrong, say so in the problems field."),
    Rule("plan.weights-sum", "error", "Plan-step weights sum to 100",
         "น้ำหนักของขั้นตอนรวมกันได้ {value} ไม่ใช่ 100", "Plan-step weights sum to {value}, not 100."),
    Rule("plan.placeholder-dates", "warning", "Plan-step dates are a plan, not placeholders",
         "ทุกขั้นตอนเริ่มและสิ้นสุดวันเดียวกัน ({value}) ซึ่งน่าจะเป็นค่าเริ่มต้น ไม่ใช่แผนจริง",
         "Every plan step starts and ends on the same day ({value}): placeholder dates, not a plan."),
    Rule("plan.outside-project", "warning", "Plan steps lie inside the project period",
         "วันที่ของขั้นตอน {value} อยู่นอกช่วงโครงการ ({expected})",
         "Plan-step date {value} lies outside the project period ({expected})."),
    # -- within a KPI -------------------------------------------------------------------------
    Rule("kpi.level-range", "error", "Level KPIs take whole values 1-5",
         "ตัวชี้วัดระดับความสำเร็จต้องมีค่าเป็นจำนวนเต็ม 1-5 (พบ {value})",
         "A success-level KPI takes a whole value 1-5 (found {value})."),
    Rule("kpi.percent-range", "error", "Percent KPIs lie in 0-100",
         "ตัวชี้วัดหน่วยร้อยละต้องอยู่ระหว่าง 0-100 (พบ {value})", "A percent KPI lies in 0-100 (found {value})."),
    Rule("kpi.achieved-magnitude", "warning", "Achieved is within an order of magnitude of the target",
         "ผลงาน {value} ห่างจากค่าเป้าหมาย {expected} มาก อาจกรอกผิดหน่วย (เช่น ร้อยละแทนจำนวน)",
         "Achieved {value} is far from the target {expected}: possibly a unit mix-up (a percent typed into a count)."),
    Rule("kpi.achieved-vs-quarters", "warning", "The year's achieved value equals the last quarter's result",
         "ผลงานที่ทำได้ {value} ไม่ตรงกับผลไตรมาสล่าสุด {expected}",
         "Achieved {value} differs from the latest quarter's result {expected}."),
    Rule("kpi.score-mismatch", "warning", "Equal results get equal scores",
         "ผลงาน {value} ได้คะแนน '{score}' แต่ไตรมาสอื่นที่ผลงานเท่ากันได้ '{expected}'",
         "Result {value} scored '{score}' while another quarter with the same result scored '{expected}'."),
    Rule("kpi.project-complete-kpi-unmet", "warning", "A project reported complete supports a KPI that met its target",
         "โครงการ {project} รายงานความก้าวหน้า 100% แต่ตัวชี้วัดที่สนับสนุนได้ผลงาน {value} จากเป้าหมาย {expected}",
         "Project {project} reports 100 % progress while the KPI it supports reached {value} of its target {expected}."),
    Rule("kpi.unit-method-mismatch", "warning", "The unit matches the calculation method",
         "หน่วยนับเป็น '{value}' แต่วิธีการคำนวณเป็นการนับจำนวน ({expected})",
         "The unit is '{value}' but the calculation method counts items ({expected})."),
    Rule("narrative.spent-above-disbursed", "warning",
         "Money a narrative says was disbursed does not exceed the disbursements recorded so far",
         "ผลการดำเนินงานระบุว่าเบิกจ่ายแล้ว {value} บาท แต่ช่องงบประมาณที่เบิกใช้รวมถึงรายงานนี้มีเพียง {expected} บาท "
         "กรุณากรอกการเบิกจ่ายให้ครบ",
         "The narrative says {value} baht were disbursed, but the disbursements recorded up to this report total "
         "{expected} baht; record every disbursement."),
    Rule("narrative.budget-differs", "warning",
         "A budget a narrative says was transferred or received equals the project's budget received",
         "ผลการดำเนินงานระบุงบประมาณที่โอน/ได้รับ {value} บาท ไม่เท่ากับงบประมาณที่ได้รับของโครงการ {expected} บาท",
         "The narrative states a budget transferred or received of {value} baht, not the project's {expected} baht."),
    Rule("narrative.count-percent-mismatch", "warning", "A count and the percent stated with it agree",
         "'{value}' ไม่สอดคล้องกัน: {count} จาก {total} คิดเป็นร้อยละ {expected}",
         "'{value}' does not add up: {count} of {total} is {expected} %."),
    # -- outliers across returns (computed by the merge) ----------------------------------------
    Rule("outlier.peers", "warning", "A value is not far from its peers in the same round (robust z-score)",
         "{measure_th} {value} ห่างจากหน่วยงานอื่นในรอบเดียวกันมาก (z = {z}; ช่วงปกติ {lo} ถึง {hi}, "
         "ค่ากลาง {median} จาก {n} รายการ) กรุณาตรวจสอบว่ากรอกถูกต้อง",
         "{measure_en} {value} is far from its peers in the same round (z = {z}; usual range {lo} to {hi}, "
         "median {median} of {n})."),
    Rule("outlier.history", "warning", "A value is not far from the agency's own earlier rounds for the same item",
         "{measure_th} {value} ห่างจากที่หน่วยงานเคยรายงานสำหรับรายการเดียวกันในรอบก่อน ๆ มาก (z = {z}; "
         "ช่วงปกติ {lo} ถึง {hi}, ค่ากลาง {median} จาก {n} รายงาน)",
         "{measure_en} {value} is far from what the agency reported for the same item in earlier rounds "
         "(z = {z}; usual range {lo} to {hi}, median {median} of {n} reports)."),
    # -- reference data -----------------------------------------------------------------------
    Rule("ref.unknown-district", "warning", "District names are Bangkok districts",
         "'{value}' ไม่ใช่สำนักงานเขตของกรุงเทพมหานคร{suggestion_th}",
         "'{value}' is not a Bangkok district office{suggestion_en}."),
    Rule("ref.unknown-department", "warning",
         "Departments, district offices and groups in the responsible unit are canonical names",
         "'{value}' ไม่ตรงกับชื่อสำนัก สำนักงานเขต หรือกลุ่มเขตใด (หรือหมายถึง '{suggestion}'?)",
         "'{value}' matches no department, district office or district group (did you mean '{suggestion}'?)."),
    Rule("ref.group-variant", "warning", "District groups use their canonical names",
         "ชื่อกลุ่มเขต '{value}' ไม่ใช่ชื่อทางการ ควรเป็น 'กลุ่มเขต{expected}'",
         "District group written '{value}'; the canonical name is '{expected}'."),
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
if len(RULES) != len(_RULES):  # pragma: no cover - a definition error
    raise ValueError("duplicate rule ids")


def get_rule(rule_id: str) -> Rule:
    return RULES[rule_id]
