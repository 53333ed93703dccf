"""Validation stage: pandera column checks, identity checks and cross-sheet rules, all as Findings."""
