"""KPIs sheet: one row per KPI of the agency in the fiscal year; the agency reports what it achieved."""

from schemas.base import Column, SheetSpec
from schemas.checks import code_pattern

KPI_CODE = Column("kpi_code", "รหัสตัวชี้วัด", "KPI code", "code", required=True, width=12,
                  checks=(code_pattern(r"\d{4}-\d{1,6}", "id.kpi-code-format"),))

KPIS = SheetSpec(
    key="kpis", th="ตัวชี้วัด", en="KPIs",
    description_th="ตัวชี้วัดของหน่วยงาน กรอกผลงานที่ทำได้ (สะสมทั้งปี) และสรุปผล",
    description_en="The agency's KPIs: fill in the value achieved (year to date) and the summary.",
    id_columns=("kpi_code",),
    columns=(
        KPI_CODE,
        Column("name", "ชื่อตัวชี้วัด", "KPI name", "longtext", width=42),
        Column("unit", "หน่วยนับ", "Unit", "text", width=9),
        Column("target", "ค่าเป้าหมาย", "Target", "number", width=10),
        Column("direction", "ทิศทาง", "Direction", "status", vocab="direction", width=13),
        Column("kpi_type", "ประเภทตัวชี้วัด", "KPI type", "status", vocab="kpi_type", width=18),
        Column("calc_method", "วิธีการคำนวณ", "Calculation method", "longtext", width=34),
        Column("achieved", "ผลงานที่ทำได้", "Achieved", "number", editable=True, width=11,
               help_th="ผลงานสะสมทั้งปีในหน่วยนับของตัวชี้วัด", help_en="Year-to-date value in the KPI's unit"),
        Column("summary", "สรุปผลการดำเนินงาน", "Summary", "longtext", editable=True, width=36),
        Column("factors", "ปัจจัยสนับสนุน", "Supporting factors", "longtext", editable=True, width=24),
        Column("obstacles", "อุปสรรค", "Obstacles", "longtext", editable=True, width=24),
        Column("evidence", "หลักฐานอ้างอิง", "Evidence", "longtext", editable=True, width=24),
    ),
)
