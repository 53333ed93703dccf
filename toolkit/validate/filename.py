"""A return's file name against what the workbook says it is.

Templates are named ``2564-Q4_1005_บางเขน.xlsx`` (round, agency code, short name; see
``toolkit.template.generate.template_filename``). Agencies often keep that name, so a file called
``2564-Q4_1005_...`` that holds agency 1021's return, or the 2564-Q3 round, is a file sent by
mistake: the office would otherwise record it against the wrong agency or round without noticing.
Names that claim nothing (``return.xlsx``, ``รายงานไตรมาส 4.xlsx``) are fine."""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.calendar import Round
from toolkit.errors import ToolkitError
from toolkit.findings import Finding, make_finding

#: round, then the 4-digit agency code, as the template name starts; anywhere in the name, so
#: "แก้ไข_2564-Q4_1005_บางเขน (1).xlsx" still counts as a claim.
_CLAIM = re.compile(r"(?<![0-9A-Za-z])(\d{4}-(?:Q[1-4]|M(?:0[1-9]|1[0-2])))_(\d{4})(?![0-9])", re.IGNORECASE)


def filename_claim(name: str) -> tuple[str, str] | None:
    """(round, agency code) the file name claims, or None when it claims none."""
    found = _CLAIM.search(Path(name).stem)
    if not found:
        return None
    try:
        return str(Round.parse(found.group(1))), found.group(2)
    except ToolkitError:
        return None


def filename_findings(name: str, agency: str, round_text: str) -> list[Finding]:
    """One error when ``name`` claims another agency or round than the workbook's own."""
    claim = filename_claim(name)
    if claim is None or not agency:
        return []
    claimed_round, claimed_agency = claim
    try:
        actual_round = str(Round.parse(round_text)) if round_text else ""
    except ToolkitError:
        actual_round = round_text
    if claimed_agency == agency and (not actual_round or claimed_round == actual_round):
        return []
    return [make_finding("identity.filename-mismatch", sheet="_meta", value=name,
                         claimed_agency=claimed_agency, claimed_round=claimed_round,
                         agency=agency, round=actual_round or "?")]
