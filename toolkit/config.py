"""Every threshold the rules use, in one place with its documented default."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    #: achieved/target ratio at or above which a KPI is "an order of magnitude" off (and 1/ratio below).
    kpi_magnitude_ratio: float = 5.0
    #: how far (percent of budget) the stated budget used may differ from the sum of disbursements.
    budget_used_tolerance_pct: float = 0.5
    #: plan weights must sum to 100 within this tolerance (percentage points).
    weight_sum_tolerance: float = 0.01
    #: days after the end of a round by which returns are due.
    due_days_after_round: int = 15
    #: progress this many points behind the plan-weighted schedule while "on plan" is flagged.
    behind_plan_points: float = 30.0
    #: a complete project's KPI is "unmet" below this share of its target (level 3 of 5 is 0.6).
    kpi_unmet_share: float = 0.8
    #: similarity (0-1) above which a misspelt district name gets a suggestion.
    name_match_cutoff: float = 0.6


DEFAULT_SETTINGS = Settings()
