"""KPI quarterly results: one row per KPI and quarter elapsed in the round (results are cumulative)."""

from schemas.base import Column, SheetSpec
from schemas.kpis import KPI_CODE

KPI_QUARTERS = SheetSpec(
    key="kpi_quarters", th="ผลรายไตรมาส", en="KPIQuarters",
    description_th="ผลงานตัวชี้วัดรายไตรมาส (ค่าสะสม) ในหน่วยนับของตัวชี้วัด",
    description_en="KPI results per quarter (cumulative), in the KPI's unit.",
    id_columns=("kpi_code", "quarter"),
    columns=(
        KPI_CODE,
        Column("quarter", "ไตรมาสที่", "Quarter", "int", required=True, width=8),
        Column("unit", "หน่วยนับ", "Unit", "text", width=9),
        Column("target", "ค่าเป้าหมาย", "Target", "number", width=10),
        Column("result", "ผลงาน", "Result", "number", editable=True, width=11,
               help_th="ผลงานสะสมถึงไตรมาสนี้ ในหน่วยนับของตัวชี้วัด",
               help_en="Result to date in the KPI's unit"),
        Column("score", "ผลประเมิน (2.1 / 2.2)", "Score (2.1 / 2.2)", "text", editable=True, width=12),
        Column("narrative", "รายงานผล", "Quarter report", "longtext", editable=True, width=50),
        Column("evidence", "หลักฐานอ้างอิง", "Evidence", "longtext", editable=True, width=30, since=2,
               help_th="เอกสารหรือลิงก์ที่ยืนยันผลงานของไตรมาสนี้ (เช่น หนังสือ ลว. หรือ URL)",
               help_en="Document or link that supports this quarter's result (letter, URL)"),
    ),
)
