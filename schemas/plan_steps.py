"""Plan steps sheet: the steps of each project as planned (locked) and how far each got."""

from schemas.base import Column, Computed, SheetSpec
from schemas.checks import percent_range, positive_whole
from schemas.projects import PROJECT_CODE

PLAN_STEPS = SheetSpec(
    key="plan_steps", th="ขั้นตอน", en="PlanSteps",
    description_th="ขั้นตอนการดำเนินงานตามแผน (ล็อกไว้) กรอกผลการดำเนินงานของแต่ละขั้นตอน",
    description_en="Plan steps as planned (locked): fill in how far each step got.",
    id_columns=("project_code", "step_no"),
    columns=(
        PROJECT_CODE,
        Column("step_no", "ขั้นตอนที่", "Step", "int", required=True, width=8, checks=(positive_whole(),)),
        Column("description", "รายละเอียดขั้นตอน", "Step description", "longtext", width=46),
        Column("weight_pct", "น้ำหนัก (ร้อยละ)", "Weight (%)", "percent", unit="%", width=10,
               checks=(percent_range(),)),
        Column("planned_start", "เริ่มต้นตามแผน", "Planned start", "date", width=13),
        Column("planned_end", "สิ้นสุดตามแผน", "Planned end", "date", width=13),
        Column("step_progress_pct", "ผลการดำเนินงาน (ร้อยละ)", "Step done (%)", "percent", editable=True,
               unit="%", width=13, checks=(percent_range(),), help_th="ร้อยละ 0-100 ของขั้นตอนนี้",
               help_en="0-100 of this step"),
        Column("actual_end", "วันที่แล้วเสร็จจริง", "Actual end", "date", editable=True, width=13),
    ),
    computed=(
        Computed("weight_total", "น้ำหนักรวมของโครงการ [คำนวณ]", "Project weight total [computed]", "percent",
                 "=SUMIFS(${weight_pct}:${weight_pct},${project_code}:${project_code},{project_code}{row})",
                 initial=lambda row, rows: sum(s.get("weight_pct") or 0 for s in rows["plan_steps"]
                                               if s["project_code"] == row["project_code"])),
    ),
)
