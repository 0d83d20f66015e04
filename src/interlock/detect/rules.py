"""Rules of the agreement that are not geometry: notice lead time."""

from __future__ import annotations

from datetime import datetime

from ..model.agreement import Rules
from ..model.conflict import Ref, Violation


def late_notice(
    ref: Ref, party: str, filed_at: datetime, start: datetime, rules: Rules
) -> Violation | None:
    """A violation when the activity starts sooner after filing than the agreed lead time.

    Agreement clause "notice lead time"; this is the rule whose breach the 2018 incident
    turned on ("about a minute" of warning).
    """
    lead_s = (start - filed_at).total_seconds()
    required_s = rules.min_lead_time.total_seconds()
    if lead_s >= required_s:
        return None
    return Violation(
        kind="late_notice",
        notice=ref,
        party=party,
        detail=(
            f"notice filed {lead_s / 60:.1f} min before its start; the agreement requires "
            f"{required_s / 60:g} min"
        ),
        lead_time_s=lead_s,
        required_s=required_s,
    )
