"""Scenes for the advice tests: a subject notice among other parties' notices, assets and
hazards, as the core sees them (``keepclear.Obstacle``) and as the detectors do
(``advice_reference.Scene``).

Notices are made as a party files them (GeoJSON through ``parse_notice``), so bands keep
the unit they were given in (flight levels, feet, depths) and advice moves them in it.
Areas come from ``random_areas`` (vertices placed by pyproj, independent of interlock.geo).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from hazard_scenes import site_hazard
from random_areas import NumpySource, area_spec, centre, fwd

from interlock.detect.advice import Subject
from interlock.detect.advice_reference import Judge, Scene
from interlock.detect.exposure import hot_obstacle, kinetic_obstacle
from interlock.detect.hazards import ActivityNotice, Hazard, hot_hazards
from interlock.detect.keepclear import Obstacle
from interlock.detect.strategic import Volume, keep_clear_of, notice_volume
from interlock.model.advice_rules import AdviceRules
from interlock.model.agreement import Rules
from interlock.model.conflict import Ref
from interlock.model.hazard_rules import HazardRules
from interlock.model.notice import NoticeDraft, parse_notice

T0 = datetime(2030, 3, 1, 12, tzinfo=UTC)
NOW = T0 - timedelta(hours=12)  # well before the lead time: advances are open
RULES = Rules()
HAZARD_RULES = HazardRules()
SUBJECT = Ref("notice", "subject")
# The reference walks every grid point: small bounds and few bearings keep it quick.
SMALL = AdviceRules(max_time_shift_h=12.0, max_offset_nm=15.0, bearings=12, offset_step_nm=0.5)

Spec = tuple[dict[str, Any], dict[str, Any]]


def draft(
    spec: Spec,
    band: dict[str, float],
    start: datetime = T0,
    minutes: float = 120.0,
    domain: str | None = None,
    activity: str | None = None,
) -> NoticeDraft:
    geometry, shape_props = spec
    props: dict[str, Any] = {
        "domain": domain or ("sea" if "depth_min_m" in band else "air"),
        **shape_props,
        **band,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
    }
    if activity is not None:
        props["activity"] = activity
    return parse_notice({"type": "Feature", "geometry": geometry, "properties": props})


def circle_spec(lon: float, lat: float, radius_m: float) -> Spec:
    return {"type": "Point", "coordinates": [lon, lat]}, {"radius_m": radius_m}


def fl(lo: float, hi: float) -> dict[str, float]:
    return {"fl_lower": lo, "fl_upper": hi}


def ft(lo: float, hi: float) -> dict[str, float]:
    return {"alt_lower_ft": lo, "alt_upper_ft": hi}


def depth(top: float, bottom: float) -> dict[str, float]:
    return {"depth_min_m": top, "depth_max_m": bottom}


@dataclass(frozen=True)
class Setup:
    subject: Subject
    scene: Scene
    obstacles: tuple[Obstacle, ...]

    @property
    def judge(self) -> Judge:
        return Judge(self.subject, self.scene)


def subject_of(
    d: NoticeDraft, party: str = "blue", now: datetime = NOW, rules: Rules = RULES
) -> Subject:
    return Subject(d, SUBJECT, party, now + rules.min_lead_time, now + rules.planning_horizon)


def obstacles_of(subject: Subject, scene: Scene) -> tuple[Obstacle, ...]:
    """Everything the subject must keep clear of, as the core takes it: other parties'
    notices and assets (``keep_clear_of``), envelopes their kinetic notices make hot over
    an air subject (``hot_obstacle``), and for a kinetic subject their air notices in
    hazards it would make hot (``kinetic_obstacle``)."""
    d, party, hr = subject.draft, subject.party, scene.hazard_rules
    others = [n for n in scene.notices if n.volume.party != party]
    vols: list[Volume] = [n.volume for n in others]
    vols += [a for a in scene.assets if a.party != party]
    out = [keep_clear_of(d.domain, v, scene.rules) for v in vols]
    if d.domain == "air":
        out += [hot_obstacle(h) for h in hot_hazards(scene.hazards, others, hr)]
    if hr.is_kinetic(d.activity):
        for hz in scene.hazards:
            for n in others:
                o = kinetic_obstacle(hz, n.volume, party, hr)
                if o is not None:
                    out.append(o)
    return tuple(out)


def setup(
    subject: Subject,
    notices: Sequence[ActivityNotice] = (),
    assets: Sequence[Volume] = (),
    hazards: Sequence[Hazard] = (),
    rules: Rules = RULES,
    hazard_rules: HazardRules = HAZARD_RULES,
) -> Setup:
    scene = Scene(tuple(notices), tuple(assets), tuple(hazards), rules, hazard_rules)
    return Setup(subject, scene, obstacles_of(subject, scene))


def other(
    nid: str, d: NoticeDraft, party: str = "red", activity: str | None = None
) -> ActivityNotice:
    return ActivityNotice(notice_volume(d, Ref("notice", nid), party), activity)


def asset(aid: str, d: NoticeDraft, party: str = "green") -> Volume:
    v = notice_volume(d, Ref("asset", aid), party)
    return replace(v, domain="air")  # an asset takes the domain of what meets it


# ---- random scenes ------------------------------------------------------------------------


def _band(src: NumpySource, domain: str) -> dict[str, float]:
    if domain == "sea":
        top = float(src.integer(0, 200))
        return depth(top, top + src.integer(5, 150))
    lo = src.integer(0, 300)
    if src.choice((True, False)):
        return fl(float(lo), float(lo + src.integer(10, 80)))
    return ft(lo * 100.0, (lo + src.integer(10, 80)) * 100.0)


def random_setup(
    seed: int,
    n: int,
    region: str = "mid",
    kinetic: bool = False,
    n_hazards: int = 0,
    n_assets: int = 0,
    spread_m: float = 60_000.0,
    sea_share: float = 0.3,
) -> Setup:
    """A subject (party blue, 2 h at T0 + up to 3 h) among `n` other notices (red and
    green, all four shapes, air and sea) within about `spread_m`, `n_assets` assets and
    `n_hazards` site hazards; with `kinetic`, the subject strikes and a few others fire
    too. Windows and bands are drawn so many meet the subject."""
    rng = np.random.default_rng(seed)
    src = NumpySource(rng)
    lon, lat = centre(src, region)
    domain = "sea" if src.uniform(0, 1) < sea_share and not kinetic else "air"
    start = T0 + timedelta(minutes=src.integer(0, 180))
    subj = draft(
        area_spec(src, lon, lat, src.uniform(8_000.0, 40_000.0)),
        _band(src, domain),
        start,
        120.0,
        activity="strike" if kinetic else None,
    )

    def somewhere(size: float) -> Spec:
        p = fwd(lon, lat, src.uniform(0.0, 360.0), src.uniform(0.0, spread_m))
        return area_spec(src, p[0], p[1], size)

    notices = []
    for k in range(n):
        dom = "sea" if src.uniform(0, 1) < sea_share else "air"
        when = start + timedelta(minutes=src.integer(-240, 240))
        band = _band(src, dom)
        if k == 0:  # one meets the subject: its domain and band, near it, at its time
            dom, band, when = subj.domain, dict(subj.band_input), start
            when += timedelta(minutes=src.integer(-60, 60))
        d = draft(
            somewhere(src.uniform(4_000.0, 30_000.0))
            if k
            else area_spec(
                src,
                *fwd(lon, lat, src.uniform(0.0, 360.0), src.uniform(0.0, 10_000.0)),
                src.uniform(4_000.0, 20_000.0),
            ),
            band,
            when,
            float(src.integer(30, 240)),
            domain=dom,
        )
        act = "live_fire" if n_hazards and src.uniform(0, 1) < 0.3 else None
        notices.append(other(f"n{k}", d, src.choice(("red", "green")), act))
    assets = [
        asset(
            f"a{k}",
            draft(
                somewhere(src.uniform(2_000.0, 10_000.0)),
                ft(-2000.0, 200_000.0),
                T0 - timedelta(days=1),
                4 * 24 * 60.0,
            ),
        )
        for k in range(n_assets)
    ]
    hazards = []
    for k in range(n_hazards):
        p = fwd(lon, lat, src.uniform(0.0, 360.0), src.uniform(0.0, spread_m))
        hazards.append(site_hazard(f"h{k}", p[0], p[1], src.uniform(10_000.0, 40_000.0)))
    return setup(subject_of(subj), notices, assets, hazards)
