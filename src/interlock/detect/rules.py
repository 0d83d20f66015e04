"""Rules of the agreement that are not geometry: notice lead time, and warning that is
enough for the aircraft a kinetic notice exposes."""

from __future__ import annotations

from datetime import datetime

from ..model.agreement import Rules
from ..model.conflict import Ref, Violation
from .exposure import Exposure


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


def insufficient_warning(
    ref: Ref, party: str, filed_at: datetime, start: datetime, exposure: Exposure
) -> Violation | None:
    """A violation when a kinetic notice starts sooner after filing than an aircraft it
    exposes needs to leave the hot envelope and be told so.

    Agreement ``[hazards]``: the required warning is the exposure's time to exit at
    ``default_exit_speed_kt`` plus ``ack_margin_min`` (``Exposure.required_warning_s``);
    the lead time is the kinetic notice's start less its filing time. Exactly the required
    warning is enough. The static lead-time rule (``late_notice``) applies besides.
    """
    lead_s = (start - filed_at).total_seconds()
    required_s = exposure.required_warning_s
    if lead_s >= required_s:
        return None
    return Violation(
        kind="insufficient_warning",
        notice=ref,
        party=party,
        detail=(
            f"kinetic notice filed {_min_s(lead_s)} before its start; {exposure.exposed_party}'s "
            f"notice {exposure.exposed.id} inside hazard {exposure.hazard_id} needs "
            f"{_min_s(required_s)} ({_min_s(exposure.time_to_exit_s)} to leave + the "
            "acknowledgement margin)"
        ),
        lead_time_s=lead_s,
        required_s=required_s,
        hazard=exposure.hazard_id,
        exposed=exposure.exposed,
        exposed_party=exposure.exposed_party,
    )


def _min_s(seconds: float) -> str:
    """A duration as minutes and seconds, e.g. "12 min 36 s" (negative: "-1 min 0 s")."""
    sign = "-" if seconds < 0 else ""
    whole = round(abs(seconds))
    return f"{sign}{whole // 60} min {whole % 60} s"
