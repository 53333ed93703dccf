from pathlib import Path

from schemas.rules import RULES
from toolkit.rules_doc import render_rules_markdown


def test_docs_rules_md_is_generated_from_the_registry():
    text = (Path(__file__).parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert text == render_rules_markdown(), "run scripts/gen_rules_doc.py"
    assert all(f"`{rule_id}`" in text for rule_id in RULES)
