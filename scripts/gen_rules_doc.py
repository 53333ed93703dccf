"""Write docs/rules.md and docs/rejections.md from the rule registry. Run: .venv/bin/python scripts/gen_rules_doc.py"""

from pathlib import Path

from toolkit.rules_doc import render_rejections_markdown, render_rules_markdown

if __name__ == "__main__":
    docs = Path(__file__).resolve().parents[1] / "docs"
    for name, render in (("rules.md", render_rules_markdown), ("rejections.md", render_rejections_markdown)):
        (docs / name).write_text(render(), encoding="utf-8")
        print(docs / name)
