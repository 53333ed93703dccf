"""The SQLite ledger: the record of truth from which the master is rebuilt."""

from toolkit.ledger.store import Ledger, Submission

__all__ = ["Ledger", "Submission"]
