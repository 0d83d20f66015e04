"""Random volume pairs for detection, and an independent brute-force verdict.

A Case is a volume as raw input (GeoJSON area, band in metres, window, party, domain). The
verdict re-states the agreement's rule from scratch: different parties, windows closer than
the time buffer, bands closer than the vertical minimum (overlap always counts), and areas
closer than the horizontal minimum (touching always counts); the distance comes from
geodesic_truth (pyproj Geod on sampled points), never from interlock.geo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geodesic_truth import Core, distance_below
from hypothesis import strategies as st
from random_areas import REGIONS, DrawSource, Source, Spec, area_pair

from interlock.detect.strategic import Volume
from interlock.geo.shapes import Area
from interlock.model.agreement import Rules, Separation
from interlock.model.conflict import Ref
from interlock.model.notice import VerticalBand

FT = 0.3048
NM = 1852.0
T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)
H_BAND_REL = 2e-3  # horizontal verdicts within 0.2 % (+0.5 m) of the minimum may go either way
H_BAND_ABS = 0.5
V_BAND_M = 0.01  # bands this close to the vertical minimum may go either way (unit round-off)


@dataclass(frozen=True)
class Case:
    spec: Spec
    party: str
    domain: str  # "air" | "sea"
    kind: str  # "notice" | "asset"
    lower_m: float
    upper_m: float
    start: datetime
    end: datetime

    def volume(self, ident: str) -> Volume:
        return Volume(
            ref=Ref(self.kind, ident),
            party=self.party,
            domain=self.domain,
            area=Area.from_geojson(*self.spec),
            band=VerticalBand(self.lower_m, self.upper_m),
            start=self.start,
            end=self.end,
        )

    @property
    def core(self) -> Core:
        return Core.from_feature_parts(*self.spec)


def band(src: Source, domain: str, near: tuple[float, float] | None = None) -> tuple[float, float]:
    """An air band in whole hundreds of feet, or a sea band in whole metres of depth."""
    if domain == "air":
        if near is not None and src.uniform(0, 1) < 0.85:
            lo_ft = max(0, round(near[0] / FT / 100) * 100 + src.integer(-20, 20) * 100)
        else:  # often from the surface, where air meets sea
            lo_ft = src.choice((0, 0, src.integer(0, 300) * 100))
        hi_ft = lo_ft + src.integer(1, 80) * 100
        return lo_ft * FT, hi_ft * FT
    top = src.integer(0, 40) * 5
    bottom = top + src.integer(1, 60) * 5
    return -float(bottom), -float(top)


def rules(src: Source) -> Rules:
    return Rules(
        time_buffer=timedelta(minutes=src.choice((0, 15, 30))),
        separation={
            "air": Separation(src.choice((3.0, 5.0, 8.0)) * NM, src.choice((500, 1000, 2000)) * FT),
            "sea": Separation(src.choice((1.0, 2.0, 4.0)) * NM, src.choice((0.0, 10.0))),
        },
    )


def case_pair(src: Source, region: str | None = None) -> tuple[Case, Case]:
    """Two volumes; most overlap in time and height, so the horizontal test decides."""
    spec_a, spec_b = area_pair(
        src, region or src.choice(REGIONS), reach_m=20_000.0, max_size_m=40_000.0
    )
    dom_a = src.choice(("air", "air", "sea"))
    dom_b = dom_a if src.uniform(0.0, 1.0) < 0.8 else src.choice(("air", "sea"))
    kind_a, kind_b = "notice", src.choice(("notice",) * 6 + ("asset",))
    party_b = src.choice(("red",) * 9 + ("blue",))
    band_a = band(src, dom_a)
    band_b = band(src, dom_b, band_a if dom_a == dom_b else None)
    start_a = T0 + timedelta(minutes=src.integer(0, 600))
    end_a = start_a + timedelta(minutes=src.integer(1, 300))
    start_b = start_a + timedelta(minutes=src.integer(-200, 200))
    end_b = start_b + timedelta(minutes=src.integer(1, 300))
    return (
        Case(spec_a, "blue", dom_a, kind_a, *band_a, start_a, end_a),
        Case(spec_b, party_b, dom_b, kind_b, *band_b, start_b, end_b),
    )


def _and(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    if all(v is True for v in values):
        return True
    return None


def verdict(a: Case, b: Case, r: Rules) -> bool | None:
    """Conflict (True), separated (False), or too close to a minimum to say (None)."""
    if a.party == b.party:
        return False
    overlap = min(a.end, b.end) - max(a.start, b.start)
    if not overlap > -r.time_buffer:
        return False
    dom_a = b.domain if a.kind == "asset" else a.domain
    dom_b = a.domain if b.kind == "asset" else b.domain
    h_min = max(r.separation[dom_a].horizontal_m, r.separation[dom_b].horizontal_m)
    v_min = max(r.separation[dom_a].vertical_m, r.separation[dom_b].vertical_m)
    gap = max(b.lower_m - a.upper_m, a.lower_m - b.upper_m)
    vertical = None if abs(gap - v_min) <= V_BAND_M else gap < v_min
    if vertical is False:
        return False
    horizontal = distance_below(a.core, b.core, h_min, H_BAND_REL * h_min + H_BAND_ABS)
    return _and(vertical, horizontal)


@st.composite
def case_pairs(draw: Callable[[st.SearchStrategy[Any]], Any]) -> tuple[Case, Case]:
    return case_pair(DrawSource(draw))


@st.composite
def rule_sets(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Rules:
    return rules(DrawSource(draw))
