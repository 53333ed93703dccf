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
    #: robust z-score (0.6745 (x - median) / MAD) beyond which a value is an outlier; 3.5 is the cut-off
    #: Iglewicz and Hoaglin recommend.
    outlier_z: float = 3.5
    #: fewest peers (other projects or KPIs in the same round) needed before peers are compared.
    outlier_min_peers: int = 8
    #: fewest earlier reports of the same project needed before its own history is compared.
    outlier_min_history: int = 4
    #: smallest spread (percentage points per unit of z) for measures in percent: where nearly every
    #: peer reports 100 %, the MAD alone would call 105 % an outlier; with 10, a value is flagged only
    #: beyond 35 points (3.5 x 10) from the median.
    outlier_min_scale_points: float = 10.0
    #: smallest spread for amounts (baht), as a share of the median: 0.1 flags beyond 35 % of it.
    outlier_min_scale_share: float = 0.1


DEFAULT_SETTINGS = Settings()
