"""Progress sheet: one row per project and report (about monthly), cumulative progress."""

from schemas.base import Column, Computed, SheetSpec
from schemas.checks import in_fiscal_year, non_negative_money, percent_range, positive_whole
from schemas.projects import PROJECT_CODE

PROGRESS = SheetSpec(
    key="progress", th="ความก้าวหน้า", en="Progress",
    description_th="รายงานความก้าวหน้ารายครั้ง (ประมาณเดือนละครั้ง) ความก้าวหน้าเป็นค่าสะสม",
    description_en="One row per progress report (about monthly); progress is cumulative.",
    id_columns=("project_code", "report_no"),
    extra_rows=5,
    columns=(
        PROJECT_CODE,
        Column("report_no", "รายงานครั้งที่", "Report no.", "int", required=True, width=9,
               checks=(positive_whole(),)),
        Column("report_date", "วันที่รายงาน", "Report date", "date", editable=True, width=13,
               checks=(in_fiscal_year(),), help_th="วัน/เดือน/ปี พ.ศ. ภายในปีงบประมาณ",
               help_en="Day/month/year (BE) inside the fiscal year"),
        Column("narrative", "ผลการดำเนินงาน", "Work done", "longtext", editable=True, width=40),
        Column("progress_pct", "ความก้าวหน้าสะสม (ร้อยละ)", "Cumulative progress (%)", "percent",
               editable=True, unit="%", width=13, checks=(percent_range(),),
               help_th="ร้อยละ 0-100 สะสมตั้งแต่เริ่มโครงการ", help_en="0-100, cumulative"),
        Column("disbursed", "งบประมาณที่เบิกใช้ครั้งนี้ (บาท)", "Disbursed this report (baht)", "money",
               editable=True, unit="บาท", width=16, checks=(non_negative_money(),),
               help_th="จำนวนเงินที่เบิกจ่ายในรายงานครั้งนี้ (บาท)", help_en="Baht disbursed in this report"),
        Column("schedule_status", "ผลเทียบกับแผน", "Against plan", "status", vocab="schedule",
               editable=True, width=20),
        Column("target_status", "ผลเทียบกับเป้าหมาย", "Against target", "status", vocab="target",
               editable=True, width=20),
        Column("problems", "ปัญหา", "Problems", "longtext", editable=True, width=22),
        Column("obstacles", "อุปสรรค", "Obstacles", "longtext", editable=True, width=22),
    ),
    computed=(
        Computed("disbursed_to_date", "เบิกจ่ายสะสม (บาท) [คำนวณ]", "Disbursed to date (baht) [computed]", "money",
                 "=SUMIFS(${disbursed}${first}:{disbursed}{row},${project_code}${first}:{project_code}{row},"
                 "{project_code}{row})", width=16, initial=lambda row, rows: 0),
        Computed("budget_remaining", "งบประมาณคงเหลือ (บาท) [คำนวณ]", "Budget remaining (baht) [computed]", "money",
                 "=SUMIFS({sheet:projects}!${projects.budget_received}:${projects.budget_received},"
                 "{sheet:projects}!${projects.project_code}:${projects.project_code},{project_code}{row})"
                 "-{disbursed_to_date}{row}", width=16,
                 initial=lambda row, rows: sum(p.get("budget_received") or 0 for p in rows["projects"]
                                               if p["project_code"] == row["project_code"])),
    ),
)
