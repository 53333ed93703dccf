"""Render what an agency receives (one PNG per sheet kind of a sample template) and what the office
reads (the first page of the master's Summary and Flags, from the demo round with an approval and a
few auditors' decisions), into docs/.

Needs LibreOffice (soffice) and poppler (pdftoppm, pdftotext); the toolkit itself needs neither.
Run: .venv/bin/python scripts/render_docs.py [templates|master]   (both by default)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from schemas import SHEETS
from toolkit.calendar import Round
from toolkit.catalogue import Catalogue
from toolkit.reference import load_reference
from toolkit.template.generate import generate_template
from workbook_templates import SAMPLE_DIR

DOCS = Path(__file__).resolve().parents[1] / "docs"
AGENCY, ROUND = "0100", "2564-Q4"


def _pdf(soffice: str, source: Path, work: Path) -> tuple[Path, list[str]]:
    """``source`` converted to PDF by LibreOffice, and the text of each page."""
    subprocess.run([soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(work), str(source)], check=True, capture_output=True, timeout=300)
    pdf = work / f"{source.stem}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout.split("\f")
    return pdf, text


def _page_png(pdf: Path, page: int, out: Path, dpi: int = 110) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(out)], check=True)
    print(f"{out}.png  (page {page})")


def _render_pages(soffice: str, source: Path, work: Path, wanted: dict[str, str], prefix: str) -> int:
    """docs/<prefix>-<key>.png of the first page of ``source`` whose text holds each marker."""
    pdf, text = _pdf(soffice, source, work)
    for key, marker in wanted.items():
        page = next((i + 1 for i, t in enumerate(text) if marker in t), None)
        if page is None:
            print(f"no page of the {prefix} shows {key}", file=sys.stderr)
            return 1
        _page_png(pdf, page, DOCS / f"{prefix}-{key}")
    return 0


def render_master(soffice: str) -> int:
    """docs/master-summary.png and docs/master-flags.png from the demo workspace."""
    from toolkit.demo.run import run_demo
    from toolkit.ledger import Ledger
    from toolkit.ledger.approval import approve
    from toolkit.merge.decisions import record_decision
    from toolkit.merge.run import merge_workspace
    from toolkit.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = run_demo(work / "ws", fresh=True)
        ws = Workspace.open(demo.workspace)
        flags = demo.merge.data.flags if demo.merge else []
        decided = {"kpi.achieved-magnitude": ("ยืนยัน / confirmed", "โทรสอบถามแล้ว กรอกร้อยละแทนจำนวนเล่ม"),
                   "project.budget-used-mismatch": ("ชี้แจงแล้ว / explained", "เบิกจ่ายผ่านสำนักงานเขต"),
                   "ref.group-variant": ("ไม่เป็นปัญหา / false alarm", "ชื่อเรียกเดิมของกลุ่มเขต")}
        with Ledger(ws.ledger_path) as ledger:
            approve(ledger, "1005", "2564-Q4", by="สยป.")
            for rule, (decision, note) in decided.items():
                flag = next((f for f in flags if f["rule"] == rule), None)
                if flag:
                    record_decision(ledger, flag["flag_id"], decision, note, "วรมณี", "2564-11-02", flag["value"])
        master = merge_workspace(ws, load_reference()).path
        return _render_pages(soffice, master, work, {"summary": "Reporting summary", "flags": "Flag id"}, "master")


def render_templates(soffice: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = generate_template(Catalogue.from_csv_folder(SAMPLE_DIR), load_reference(), AGENCY,
                                     Round.parse(ROUND), work).path
        wanted = {"instructions": "Project and KPI progress return"}
        wanted.update({spec.key: f"/ {spec.en} —" for spec in SHEETS})
        return _render_pages(soffice, template, work, wanted, "template")


def main() -> int:
    soffice = shutil.which("soffice")
    if not soffice or not shutil.which("pdftoppm"):
        print("needs LibreOffice (soffice) and poppler-utils (pdftoppm)", file=sys.stderr)
        return 2
    DOCS.mkdir(exist_ok=True)
    wanted = sys.argv[1:] or ["templates", "master"]
    for what in wanted:
        status = {"templates": render_templates, "master": render_master}[what](soffice)
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
