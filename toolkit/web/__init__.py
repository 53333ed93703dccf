"""The office's intranet web application: agency self-check and submission by secret link, the office's
round dashboard, and the auditors' Flags view, all on the same workspace and ledger as the command line."""
