"""Merge stage: consolidate accepted returns from the ledger, compute KPI results, write the master."""
