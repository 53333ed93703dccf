"""docs/rejections.md is generated from the rule registry and the intake limits, so it cannot go stale."""

from pathlib import Path

from schemas.rules import RULES
from toolkit.read.preflight import DEFAULT_LIMITS
from toolkit.rules_doc import render_rejections_markdown


def test_docs_rejections_md_is_current():
    text = (Path(__file__).parents[2] / "docs" / "rejections.md").read_text(encoding="utf-8")
    assert text == render_rejections_markdown(), "run scripts/gen_rules_doc.py"


def test_every_rejection_reason_and_limit_is_listed_with_both_messages():
    text = render_rejections_markdown()
    for rule in (r for r in RULES.values() if r.id.startswith("intake.")):
        row = next(line for line in text.splitlines() if line.startswith(f"| `{rule.id}` |"))
        assert rule.message_en.split("{")[0][:30] in row and rule.message_th.split("{")[0][:20] in row
    assert f"| `max_row` | {DEFAULT_LIMITS.max_row:,} | the furthest cell" in text
    assert "remove the password" in text  # what the agency should do, not just what went wrong
