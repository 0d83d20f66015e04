"""Protected receivers: the radio side of a protected asset (e.g. a border radar).

An asset's optional ``receiver`` object makes it a protected receiver, placed at the
centre of the asset's area. Fields (units in the names):

- ``freq_mhz``, ``bandwidth_mhz``: the receiver's band (centre and width);
- ``antenna_height_m`` above the ground, ``gain_dbi`` in the main beam;
- ``azimuth_deg`` + ``beamwidth_deg``: a directional antenna (else omnidirectional);
- ``noise_figure_db`` (N = kTB + NF) or ``noise_floor_dbm`` (N given outright);
- the protection criterion, required one way or the other: ``criterion_db`` (I/N), or
  ``safety_of_life`` true/false to take the agreement's safety-of-life or general one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InvalidInput
from ..validate import number
from .notice import MAX_ANTENNA_M, MAX_FREQ_MHZ, MIN_FREQ_MHZ, parse_pointing
from .spectrum_rules import SpectrumRules

WHERE = "properties.receiver"
FIELDS = frozenset(
    {
        "freq_mhz",
        "bandwidth_mhz",
        "antenna_height_m",
        "gain_dbi",
        "azimuth_deg",
        "beamwidth_deg",
        "noise_figure_db",
        "noise_floor_dbm",
        "criterion_db",
        "safety_of_life",
    }
)


@dataclass(frozen=True, slots=True)
class Receiver:
    freq_mhz: float
    bandwidth_mhz: float
    antenna_height_m: float
    gain_dbi: float
    noise_figure_db: float | None  # one of these two is set
    noise_floor_dbm: float | None
    criterion_db: float | None  # None: from the agreement, by `safety_of_life`
    safety_of_life: bool = False
    azimuth_deg: float | None = None
    beamwidth_deg: float | None = None

    def criterion(self, rules: SpectrumRules) -> float:
        """The I/N this receiver is protected to (its own, else the agreement's)."""
        if self.criterion_db is not None:
            return self.criterion_db
        return rules.safety_of_life_criterion_db if self.safety_of_life else rules.criterion_db

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def parse_receiver(value: Any) -> Receiver:
    """Validate a receiver object (InvalidInput naming the first bad field)."""
    if not isinstance(value, dict):
        raise InvalidInput("an object is required", field=WHERE)
    unknown = set(value) - FIELDS
    if unknown:
        raise InvalidInput(f"unknown field {sorted(unknown)[0]!r}", field=WHERE)

    def num(key: str, lo: float, hi: float) -> float:
        return number(value, key, lo, hi, where=WHERE)

    freq = num("freq_mhz", MIN_FREQ_MHZ, MAX_FREQ_MHZ)
    bandwidth = number(value, "bandwidth_mhz", positive=True, where=WHERE)
    if freq - bandwidth / 2 <= 0 or freq + bandwidth / 2 > MAX_FREQ_MHZ:
        raise InvalidInput(
            f"the band must lie within 0 - {MAX_FREQ_MHZ:g} MHz around the centre",
            field=f"{WHERE}.bandwidth_mhz",
        )
    has_nf, has_floor = value.get("noise_figure_db") is not None, "noise_floor_dbm" in value
    if has_nf == has_floor:
        raise InvalidInput("give either noise_figure_db or noise_floor_dbm", field=WHERE)
    sol = value.get("safety_of_life")
    if sol is not None and not isinstance(sol, bool):
        raise InvalidInput("must be true or false", field=f"{WHERE}.safety_of_life")
    if "criterion_db" not in value and sol is None:
        raise InvalidInput(
            "a protection criterion is required: criterion_db (I/N, dB), or safety_of_life "
            "true/false to take the agreement's",
            field=f"{WHERE}.criterion_db",
        )
    azimuth, beamwidth = parse_pointing(value, WHERE)
    return Receiver(
        freq_mhz=freq,
        bandwidth_mhz=bandwidth,
        antenna_height_m=num("antenna_height_m", 0.0, MAX_ANTENNA_M),
        gain_dbi=num("gain_dbi", -30.0, 70.0),
        noise_figure_db=num("noise_figure_db", 0.0, 40.0) if has_nf else None,
        noise_floor_dbm=num("noise_floor_dbm", -200.0, 0.0) if has_floor else None,
        criterion_db=num("criterion_db", -40.0, 20.0) if "criterion_db" in value else None,
        safety_of_life=bool(sol),
        azimuth_deg=azimuth,
        beamwidth_deg=beamwidth,
    )
