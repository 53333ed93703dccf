"""Projects sheet: one row per project of the agency in the round's fiscal year."""

from schemas.base import Column, SheetSpec
from schemas.checks import code_pattern, non_negative_money

PROJECT_CODE = Column("project_code", "รหัสโครงการ", "Project code", "code", required=True, width=16,
                      checks=(code_pattern(r"\d{8}-\d{1,6}", "id.project-code-format"),))

PROJECTS = SheetSpec(
    key="projects", th="โครงการ", en="Projects",
    description_th="ข้อมูลโครงการจากแผนปฏิบัติราชการ กรอกงบประมาณที่ใช้ไปและสถานะโครงการ",
    description_en="Projects from the action plan: fill in the budget used and the project status.",
    id_columns=("project_code",),
    columns=(
        PROJECT_CODE,
        Column("name", "ชื่อโครงการ/กิจกรรม", "Project name", "longtext", width=42),
        Column("fiscal_year", "ปีงบประมาณ (พ.ศ.)", "Fiscal year (BE)", "int", width=11),
        Column("start_date", "วันเริ่มต้นโครงการ", "Start date", "date", width=13),
        Column("end_date", "วันสิ้นสุดโครงการ", "End date", "date", width=13),
        Column("budget_received", "งบประมาณที่ได้รับ (บาท)", "Budget received (baht)", "money",
               unit="บาท", width=16),
        Column("responsible_unit", "หน่วยงานที่รับผิดชอบ", "Responsible unit", "longtext", width=34),
        Column("strategy_branch", "ยุทธศาสตร์ที่สนับสนุน", "Strategy branch", "code", width=12),
        Column("kpi_code", "ตัวชี้วัดที่สนับสนุน", "Supported KPI", "code", width=12),
        Column("officer", "ผู้รับผิดชอบ (ชื่อ โทร.)", "Responsible officer (name, phone)", "text",
               editable=True, width=24, help_th="ชื่อผู้รับผิดชอบและเบอร์โทรภายใน",
               help_en="Name and phone extension of the officer in charge"),
        Column("budget_used", "งบประมาณที่ใช้ไป (บาท)", "Budget used (baht)", "money", editable=True,
               unit="บาท", width=16, checks=(non_negative_money(),),
               help_th="ยอดรวมงบประมาณที่เบิกใช้ตั้งแต่ต้นปีงบประมาณ (บาท จำนวนเต็ม)",
               help_en="Total disbursed since the start of the fiscal year (whole baht)"),
        Column("project_status", "สถานะโครงการ", "Project status", "status", vocab="project",
               editable=True, width=20, help_th="เลือกจากรายการ", help_en="Pick from the list"),
        Column("remarks", "หมายเหตุ", "Remarks", "longtext", editable=True, width=30),
    ),
)
