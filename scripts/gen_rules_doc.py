"""Write docs/rules.md from the rule registry. Run: .venv/bin/python scripts/gen_rules_doc.py"""

from pathlib import Path

from toolkit.rules_doc import render_rules_markdown

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
    target.write_text(render_rules_markdown(), encoding="utf-8")
    print(target)
