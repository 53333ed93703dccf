"""``toolkit demo``: init with the sample, generate, fill as agencies would, collect, merge."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Callable

from toolkit.calendar import Round
from toolkit.collect import CollectResult, collect
from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.demo.fill import fill_template, load_answers
from toolkit.errors import WorkspaceError
from toolkit.init import init_workspace
from toolkit.merge.run import MergeResult, merge_workspace
from toolkit.reference import load_reference
from toolkit.template.generate import generate_round

DEMO_ROUNDS = ("2563-Q4", "2564-Q4")
#: agencies whose demo return arrives after the due date, so the Summary shows a late return.
LATE_AGENCIES = {"1047"}
#: agencies that type dates as Buddhist Era text (as the seeds' printouts show them).
TEXT_DATE_AGENCIES = {"2100", "0100"}


@dataclass
class DemoResult:
    workspace: Path
    templates: int = 0
    collected: list[CollectResult] = field(default_factory=list)
    merge: MergeResult | None = None


def _received_at(rnd: Round, agency: str, settings: Settings) -> str:
    due = rnd.due_date(settings.due_days_after_round)
    day = due + timedelta(days=9) if agency in LATE_AGENCIES else due - timedelta(days=2)
    return datetime.combine(day, time(10, 0)).isoformat()


def run_demo(root: Path, fresh: bool = False, settings: Settings = DEFAULT_SETTINGS,
             progress: Callable[[str], None] | None = None) -> DemoResult:
    say = progress or (lambda message: None)
    root = Path(root)
    if fresh and root.exists():
        if any(root.iterdir()) and not (root / "catalogue.xlsx").exists():
            raise WorkspaceError("demo.not-workspace", f"{root} exists and is not a workspace; refusing to delete it")
        shutil.rmtree(root)
    ws = init_workspace(root, sample=True)
    ref = load_reference()
    catalogue = ws.catalogue()
    answers = load_answers()
    result = DemoResult(ws.root)
    received: dict[str, str] = {}
    for round_text in DEMO_ROUNDS:
        rnd = Round.parse(round_text)
        say(f"generate templates for {rnd}")
        for template in generate_round(catalogue, ref, rnd, ws.templates, settings):
            target = ws.inbox / template.path.name
            fill_template(template.path, target, answers, text_dates=template.agency in TEXT_DATE_AGENCIES)
            received[target.name] = _received_at(rnd, template.agency, settings)
            result.templates += 1
    say(f"collect {len(received)} returns")
    result.collected = collect(ws, None, ref, catalogue, settings, received_at=lambda p: received.get(p.name))
    say("merge the master workbook")
    result.merge = merge_workspace(ws, ref, settings)
    return result
