"""What the office dashboard lists besides ``toolkit.status`` and ``toolkit.diff``: the rounds known to
the workspace and an agency's submissions of a round."""

from __future__ import annotations

from toolkit.calendar import Round
from toolkit.ledger import Ledger, Submission


def known_rounds(ledger: Ledger) -> list[str]:
    """Rounds with a submission or an issued agency link, oldest first."""
    rounds = {s.round for s in ledger.submissions() if s.round}
    try:
        rounds |= {r[0] for r in ledger.db.execute("SELECT DISTINCT round FROM web_tokens")}
    except Exception:  # no link issued yet
        pass
    valid = []
    for text in rounds:
        try:
            valid.append(Round.parse(text))
        except Exception:
            continue
    return [str(r) for r in sorted(valid)]


def history(ledger: Ledger, agency: str, round_text: str) -> list[Submission]:
    """Every submission of the agency for the round, oldest first (held resubmissions included)."""
    return ledger.submissions_of(agency, round_text)
