"""Protected assets and the conflict record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from interlock.errors import InvalidInput
from interlock.model.asset import parse_asset
from interlock.model.conflict import Conflict, Ref
from interlock.model.notice import VerticalBand


def asset(**props: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"kind": "radar", "name": "North radar", "radius_m": 20_000}
    base.update(props)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-179.9, 71.0]},
        "properties": {k: v for k, v in base.items() if v is not None},
    }


def test_standing_asset_covers_sea_floor_to_top_of_airspace() -> None:
    draft = parse_asset(asset())
    assert draft.start is None and draft.end is None
    assert draft.band == VerticalBand(-11_000.0, 200_000 * 0.3048)
    assert draft.area.radius_m == 20_000.0
    props = draft.to_feature()["properties"]
    assert props["start"] is None and props["kind"] == "radar"


def test_asset_with_band_and_window() -> None:
    draft = parse_asset(
        asset(
            alt_lower_ft=0,
            alt_upper_ft=5000,
            start="2026-12-01T00:00Z",
            end="2026-12-02T00:00Z",
            name="  Base  ",
        )
    )
    assert draft.name == "Base"
    assert draft.band.upper_m == pytest.approx(1524.0)
    assert draft.end == datetime(2026, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"kind": "ship"}, "properties.kind"),
        ({"name": "   "}, "properties.name"),
        ({"name": None}, "properties.name"),
        ({"name": "n" * 201}, "properties.name"),
        ({"alt_lower_ft": 5000, "alt_upper_ft": 100}, "properties.alt_lower_ft"),
        ({"start": "2026-12-01T00:00:00"}, "properties.start"),
        ({"start": "2026-12-02T00:00Z", "end": "2026-12-01T00:00Z"}, "properties.end"),
        ({"radius_m": None}, "properties.radius_m"),
    ],
)
def test_bad_assets(props: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_asset(asset(**props))
    assert info.value.field == field


def test_conflict_to_dict_writes_times_in_utc_and_parties_sorted() -> None:
    t = datetime(2026, 12, 1, 10, tzinfo=UTC)
    c = Conflict(
        a=Ref("notice", "n2", 3),
        b=Ref("asset", "a1"),
        a_party="red",
        b_party="blue",
        window_start=t,
        window_end=t,
        time_gap_s=0.0,
        horizontal_distance_m=100.0,
        horizontal_minimum_m=9260.0,
        vertical_gap_m=0.0,
        vertical_minimum_m=304.8,
        worst_lon=1.0,
        worst_lat=2.0,
        severity="major",
    )
    d = c.to_dict()
    assert d["window_start"] == "2026-12-01T10:00:00Z"
    assert d["a"] == {"kind": "notice", "id": "n2", "version": 3}
    assert d["b"]["version"] == 1
    assert c.parties == ("blue", "red")


RADAR_RX: dict[str, Any] = {
    "freq_mhz": 2800.0,
    "bandwidth_mhz": 1.0,
    "antenna_height_m": 30.0,
    "gain_dbi": 33.0,
    "azimuth_deg": 20.0,
    "beamwidth_deg": 1.5,
    "noise_figure_db": 3.0,
    "safety_of_life": True,
}


def test_an_asset_with_a_receiver_is_a_protected_receiver() -> None:
    from interlock.model.spectrum_rules import SpectrumRules

    draft = parse_asset(asset(receiver=RADAR_RX))
    rx = draft.receiver
    assert rx is not None and rx.noise_floor_dbm is None and rx.azimuth_deg == 20.0
    assert rx.criterion(SpectrumRules()) == -10.0  # safety of life: the agreement's -10 dB
    assert (
        parse_asset(asset(receiver={**RADAR_RX, "criterion_db": -8})).receiver.criterion(
            SpectrumRules()
        )
        == -8
    )
    again = parse_asset(draft.to_feature())
    assert again.receiver == rx
    assert parse_asset(asset()).receiver is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"freq_mhz": 0}, "properties.receiver.freq_mhz"),
        ({"freq_mhz": 400_000}, "properties.receiver.freq_mhz"),
        ({"bandwidth_mhz": 0}, "properties.receiver.bandwidth_mhz"),
        ({"bandwidth_mhz": -2}, "properties.receiver.bandwidth_mhz"),
        ({"gain_dbi": float("nan")}, "properties.receiver.gain_dbi"),
        ({"noise_figure_db": None}, "properties.receiver"),  # no noise at all
        ({"noise_floor_dbm": -110}, "properties.receiver"),  # both
        ({"safety_of_life": None}, "properties.receiver.criterion_db"),  # no criterion
        ({"safety_of_life": "yes"}, "properties.receiver.safety_of_life"),
        ({"beamwidth_deg": None}, "properties.receiver.beamwidth_deg"),
        ({"colour": "red"}, "properties.receiver"),
    ],
)
def test_bad_receivers_are_refused(change: dict[str, Any], field: str) -> None:
    rx = {k: v for k, v in {**RADAR_RX, **change}.items() if v is not None}  # None: left out
    with pytest.raises(InvalidInput) as err:
        parse_asset(asset(receiver=rx))
    assert err.value.field == field
