"""The agreement's spectrum clauses (`[spectrum]`): when an emission harms a receiver.

Defaults and their sources:
- ``criterion_db`` -6 dB I/N: the usual protection criterion for radars and most services
  (ITU-R M.1461-2 §2.1 / M.1849: I/N = -6 dB, interference 1 dB below the noise adds ~1 dB).
- ``safety_of_life_criterion_db`` -10 dB I/N: radionavigation and other safety services
  (ITU-R M.1849-2 §3 and M.1464, I/N = -10 dB for safety-of-life radars).
- ``propagation`` "smooth_earth": free space (ITU-R P.525) inside the radio horizon and
  smooth-earth diffraction beyond it (ITU-R P.526-15 §3.1.1); "free_space" for P.525 alone.
- ``k_factor`` 4/3: the median effective Earth radius factor (ITU-R P.453-14 / P.834).
- ``clutter_db`` 0: an extra end loss the parties agree (e.g. ITU-R P.2108 §3.2); none by
  default, which protects receivers the most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput

PROPAGATION_MODELS = ("smooth_earth", "free_space")


@dataclass(frozen=True, slots=True)
class SpectrumRules:
    criterion_db: float = -6.0
    safety_of_life_criterion_db: float = -10.0
    propagation: str = "smooth_earth"
    k_factor: float = 4 / 3
    clutter_db: float = 0.0
    top_contributors: int = 5  # contributors named in a conflict

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion_db": self.criterion_db,
            "safety_of_life_criterion_db": self.safety_of_life_criterion_db,
            "propagation": self.propagation,
            "k_factor": self.k_factor,
            "clutter_db": self.clutter_db,
            "top_contributors": self.top_contributors,
        }


def _finite(table: dict[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("must be a finite number", field=f"spectrum.{key}")
    if not lo <= value <= hi:
        raise InvalidInput(f"must be from {lo:g} to {hi:g}", field=f"spectrum.{key}")
    return float(value)


def spectrum_rules(data: dict[str, Any]) -> SpectrumRules:
    """Validate the `[spectrum]` table (absent: the defaults above)."""
    table = data.get("spectrum", {})
    if not isinstance(table, dict):
        raise InvalidInput("must be a table", field="spectrum")
    unknown = set(table) - set(SpectrumRules.__slots__)
    if unknown:
        raise InvalidInput(f"unknown clause {sorted(unknown)[0]!r}", field="spectrum")
    d = SpectrumRules()
    model = table.get("propagation", d.propagation)
    if model not in PROPAGATION_MODELS:
        raise InvalidInput(
            f"must be one of {', '.join(PROPAGATION_MODELS)}", field="spectrum.propagation"
        )
    top = table.get("top_contributors", d.top_contributors)
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 100:
        raise InvalidInput("must be an integer from 1 to 100", field="spectrum.top_contributors")
    return SpectrumRules(
        criterion_db=_finite(table, "criterion_db", d.criterion_db, -40.0, 20.0),
        safety_of_life_criterion_db=_finite(
            table, "safety_of_life_criterion_db", d.safety_of_life_criterion_db, -40.0, 20.0
        ),
        propagation=model,
        k_factor=_finite(table, "k_factor", d.k_factor, 0.5, 10.0),
        clutter_db=_finite(table, "clutter_db", d.clutter_db, 0.0, 100.0),
        top_contributors=top,
    )
