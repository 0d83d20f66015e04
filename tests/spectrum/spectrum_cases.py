"""Small random scenarios for the spectrum tests: a crowded 1 x 1 degree box, S-band radars
and a few other bands, windows on whole minutes (so boundaries coincide) over 6 h."""

from __future__ import annotations

import random

from interlock.spectrum.interference import Emission, ProtectedReceiver

T0, T1 = 0.0, 6 * 3600.0


def emissions(rng: random.Random, n: int, far: int = 0) -> list[Emission]:
    """`n` emissions near the receivers plus `far` weak in-band ones far away (culled)."""
    out = []
    for i in range(n + far):
        f = rng.choice([2850.0, 2900.0, 2950.0, 2900.0, 9400.0, 400.0])
        start = rng.randrange(-60, 330) * 60.0
        near = i < n
        out.append(
            Emission(
                id=f"e{i}",
                lon=rng.uniform(33.0, 34.0) if near else rng.uniform(20.0, 22.0),
                lat=rng.uniform(34.0, 35.0),
                height_m=rng.uniform(2.0, 60.0),
                freq_mhz=f + rng.choice([0.0, rng.uniform(-15.0, 15.0)]),
                bw_mhz=rng.choice([0.5, 1.0, 2.0, 5.0, 10.0]),
                eirp_dbm=rng.uniform(20.0, 90.0) if near else rng.uniform(-200.0, 0.0),
                start_s=start,
                end_s=start + rng.randrange(10, 480) * 60.0,
                azimuth_deg=rng.choice([None, rng.uniform(0.0, 360.0)]),
                beamwidth_deg=rng.choice([None, 2.0, 30.0]),
            )
        )
    return out


def receivers(rng: random.Random, n: int) -> list[ProtectedReceiver]:
    """`n` S-band (and one X-band) border radars along 34.5 N."""
    return [
        ProtectedReceiver(
            id=f"r{j}",
            lon=33.0 + (j + 0.5) / n,
            lat=34.5 + rng.uniform(-0.05, 0.05),
            height_m=rng.uniform(10.0, 40.0),
            gain_dbi=rng.uniform(25.0, 40.0),
            freq_mhz=9400.0
            if j == n - 1
            else rng.choice([2850.0, 2900.0, 2950.0]) + rng.uniform(-5, 5),
            bw_mhz=rng.choice([1.0, 2.0, 5.0]),
            noise_figure_db=rng.uniform(2.0, 5.0),
            safety_of_life=rng.random() < 0.5,
            azimuth_deg=rng.choice([None, 0.0, 180.0]),
            beamwidth_deg=rng.choice([None, 1.5, 20.0]),
        )
        for j in range(n)
    ]


def rx(**kw: object) -> ProtectedReceiver:
    base = dict(
        id="r",
        lon=33.0,
        lat=34.0,
        height_m=20.0,
        gain_dbi=30.0,
        freq_mhz=2900.0,
        bw_mhz=1.0,
        noise_figure_db=3.0,
    )
    base.update(kw)
    return ProtectedReceiver(**base)  # type: ignore[arg-type]


def em(**kw: object) -> Emission:
    base = dict(
        id="e",
        lon=33.01,
        lat=34.0,
        height_m=20.0,
        freq_mhz=2900.0,
        bw_mhz=1.0,
        eirp_dbm=30.0,
        start_s=0.0,
        end_s=3600.0,
    )
    base.update(kw)
    return Emission(**base)  # type: ignore[arg-type]
