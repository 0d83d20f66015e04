"""The eastern-med demo scenario loads through the service and produces the conflicts its
README promises: named pairs, not just counts."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from interlock.errors import InvalidInput, NotFound
from interlock.geo.distance import separation
from interlock.geo.shapes import Area
from interlock.model.agreement import load_agreement
from interlock.model.timeutil import parse_utc
from interlock.service.assets import asset_view
from interlock.service.notices import NoticeService
from interlock.service.root import Services, build_services
from interlock.service.scenario import (
    DEFAULT_SCENARIO,
    ScenarioReport,
    load_scenario,
    scenario_agreement_path,
)
from interlock.store import open_store

NOW = datetime(2030, 3, 1, 12, 0, 0, 250_000, tzinfo=UTC)  # sub-second: rounding is exercised

# (severity, base notice or asset, command notice or asset), by callsign or asset kind.
EXPECTED = {
    ("critical", "PATROL 21", "FALCON 3"),
    ("critical", "PATROL 21", "TRANSIT N"),
    ("critical", "TRANSIT W", "TRANSIT N"),
    ("critical", "PATROL 22", "asset:zone"),
    ("minor", "PATROL 22", "FALCON 1"),
    ("major", "asset:radar", "FALCON 1"),
    ("minor", "EYE 1", "RAVEN 2"),
    ("critical", "RESCUE 5", "ROTOR 4"),
    ("minor", "RESCUE 5", "TG 8"),
    ("critical", "TG 1", "TG 8"),
    ("major", "AOR 1", "TG 8"),
    ("minor", "TG 1", "ROTOR 4"),
    ("minor", "AOR 1", "ROTOR 4"),
    ("minor", "MCM 3", "ROTOR 4"),
    ("critical", "SSK 2", "SSK 9"),
    # the electromagnetic arena: in-band at the radar's receiver, even off the main beam
    ("critical", "asset:radar", "WX 1"),
}


def _service(directory: Path = DEFAULT_SCENARIO) -> Services:
    agreement = load_agreement(scenario_agreement_path(directory))
    return build_services(open_store(":memory:"), agreement, clock=lambda: NOW)


@pytest.fixture(scope="module")
def loaded() -> tuple[NoticeService, ScenarioReport]:
    services = _service()
    return services.notices, load_scenario(DEFAULT_SCENARIO, services, NOW)


def _label(service: NoticeService, kind: str, ref_id: str) -> str:
    if kind == "asset":
        asset = service.store.get_asset(ref_id)
        assert asset is not None
        return f"asset:{asset.kind}"
    row = service.store.get_notice(ref_id)
    assert row is not None
    return str(row.feature["properties"]["callsign"])


def _pairs(service: NoticeService) -> set[tuple[str, str, str]]:
    """Conflicts as (severity, base side, command side)."""
    out = set()
    for c in service.store.list_conflicts():
        sides = {
            c.a_party: _label(service, c.a_kind, c.a_id),
            c.b_party: _label(service, c.b_kind, c.b_id),
        }
        assert set(sides) == {"base", "command"}, c
        out.add((c.severity, sides["base"], sides["command"]))
    return out


def _notices(service: NoticeService) -> dict[str, dict[str, Any]]:
    """The stored notices by callsign (as their filing party sees them)."""
    out = {}
    for row in service.store.iter_notice_rows():
        feature = service.feature(row, row.party)
        out[feature["properties"]["callsign"]] = feature
    return out


def test_default_scenario_is_found_from_the_source_checkout() -> None:
    assert DEFAULT_SCENARIO.name == "eastern-med"
    assert scenario_agreement_path(DEFAULT_SCENARIO).is_file()
    agreement = load_agreement(scenario_agreement_path(DEFAULT_SCENARIO))
    assert agreement.party_ids == ("base", "command")
    rules = agreement.rules
    assert rules.min_lead_time == timedelta(minutes=60)
    assert rules.late_notice == "record"
    assert rules.time_buffer == timedelta(minutes=15)
    assert rules.separation["air"].horizontal_m == pytest.approx(5 * 1852)
    assert rules.separation["air"].vertical_m == pytest.approx(304.8)
    assert rules.separation["sea"].horizontal_m == pytest.approx(2 * 1852)


def test_report_counts(loaded: tuple[NoticeService, ScenarioReport]) -> None:
    service, report = loaded
    assert 28 <= report.notices <= 34
    assert report.notices == service.store.count_notices() == len(report.notice_ids)
    assert report.assets == 3 == len(service.store.list_assets())
    assert report.conflicts == len(service.store.list_conflicts()) == len(EXPECTED)
    assert report.violations == 1
    assert report.hazards == 1 == len(service.store.list_hazards())
    assert str(report) == "32 notices, 3 assets, 1 hazards, 16 conflicts, 1 violations"


def test_expected_conflicts(loaded: tuple[NoticeService, ScenarioReport]) -> None:
    service, _ = loaded
    pairs = _pairs(service)
    assert pairs == EXPECTED
    assert len({(b, c) for _, b, c in pairs}) >= 6  # distinct cross-party pairs
    assert any(sev == "critical" for sev, _, _ in pairs)
    assert {sev for sev, _, _ in pairs} == {"minor", "major", "critical"}
    assert any(b.startswith("asset:") or c.startswith("asset:") for _, b, c in pairs)


def test_time_buffer_conflict_has_a_gap(loaded: tuple[NoticeService, ScenarioReport]) -> None:
    service, _ = loaded
    by_callsign = _notices(service)
    ids = {by_callsign["PATROL 22"]["id"], by_callsign["FALCON 1"]["id"]}
    (conflict,) = [c.to_json() for c in service.store.list_conflicts() if {c.a_id, c.b_id} == ids]
    assert conflict["time_gap_s"] == pytest.approx(600.0)  # 10 min apart, buffer 15 min


def test_late_notice_recorded_once(loaded: tuple[NoticeService, ScenarioReport]) -> None:
    service, _ = loaded
    (violation,) = service.violations()
    assert violation["kind"] == "late_notice"
    assert violation["party"] == "command"
    late = _notices(service)["FALCON 3"]
    assert violation["notice"]["id"] == late["id"]
    assert violation["lead_time_s"] < 120  # "about a minute"
    assert violation["required_s"] == 3600
    start = parse_utc(late["properties"]["start"], "start")
    assert timedelta(seconds=60) <= start - NOW < timedelta(seconds=61)


def test_shapes_domains_and_bands(loaded: tuple[NoticeService, ScenarioReport]) -> None:
    service, _ = loaded
    notices = _notices(service)
    shapes = {f["properties"]["shape"] for f in notices.values()}
    assert shapes == {"circle", "polygon", "corridor", "orbit"}
    assert notices["TRANSIT N"]["properties"]["shape"] == "corridor"
    assert notices["PATROL 21"]["properties"]["shape"] == "orbit"
    domains = {f["properties"]["domain"] for f in notices.values()}
    assert domains == {"air", "sea", "emission"}
    sea = [f for f in notices.values() if f["properties"]["domain"] == "sea"]
    assert any(f["properties"]["depth_min_m"] > 0 for f in sea)  # a submerged band
    assert all("start_offset_min" not in f["properties"] for f in notices.values())
    # Every notice but the late one gives at least the agreed lead time.
    for callsign, f in notices.items():
        start = parse_utc(f["properties"]["start"], "start")
        assert f["properties"]["status"] == "submitted"
        if callsign != "FALCON 3":
            assert start - NOW >= timedelta(minutes=60), callsign


def test_assets(loaded: tuple[NoticeService, ScenarioReport]) -> None:
    service, _ = loaded
    assets = [asset_view(a) for a in service.store.list_assets()]
    kinds = {(a["properties"]["party"], a["properties"]["kind"]) for a in assets}
    assert kinds == {("base", "base"), ("base", "radar"), ("command", "zone")}
    assert all(a["properties"]["start"] is None for a in assets)  # standing


def test_hazard_is_illustrative_and_never_hot() -> None:
    services = _service()
    report = load_scenario(DEFAULT_SCENARIO, services, NOW)
    (view,) = services.hazards.list()["features"]
    p = view["properties"]
    assert view["id"] == report.hazard_ids[0]
    assert p["party"] == "base" and "illustrative" in p["source"]
    assert p["hot"] == []  # no demo notice is kinetic
    assert "party" not in {k for k in services.store.get_hazard(view["id"]).feature["properties"]}


def test_bad_hazard_names_file_and_index(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "hazards.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    good = data["features"][0]
    bad = json.loads(json.dumps(good))
    bad["properties"]["range_m"] = -1
    data["features"] = [good, bad]
    path.write_text(json.dumps(data), encoding="utf-8")
    services = _service(directory)
    with pytest.raises(InvalidInput) as info:
        load_scenario(directory, services, NOW)
    assert str(path) in info.value.detail and "features[1]" in info.value.detail
    assert "range_m" in info.value.detail
    assert len(services.store.list_hazards()) == 1  # the one before it stayed
    assert services.store.count_notices() == 0  # hazards load before the notices


def _volume(feature: dict[str, Any]) -> tuple[Area, float, float]:
    p = feature["properties"]
    return Area.from_stored(feature["geometry"], p), p["lower_m"], p["upper_m"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SSK 10", "TG 1"),  # a submarine passes below the surface group
        ("FALCON 5", "TRANSIT W"),
        ("TRANSIT S", "PATROL 22"),
    ],
)
def test_separated_vertically_only(
    loaded: tuple[NoticeService, ScenarioReport], a: str, b: str
) -> None:
    """These pairs meet in space and time; only their vertical bands keep them apart."""
    service, _ = loaded
    notices = _notices(service)
    (area_a, lo_a, hi_a), (area_b, lo_b, hi_b) = _volume(notices[a]), _volume(notices[b])
    assert separation(area_a, area_b).distance_m < 3704  # closer than either minimum
    pa, pb = notices[a]["properties"], notices[b]["properties"]
    assert pa["start"] < pb["end"] and pb["start"] < pa["end"]
    assert max(lo_b - hi_a, lo_a - hi_b) > 0
    ids = {notices[a]["id"], notices[b]["id"]}
    assert not [c for c in service.store.list_conflicts() if {c.a_id, c.b_id} == ids]


def test_sea_notices_are_offshore() -> None:
    """Sea notices stay west of the coastline (a coarse bound, by latitude band)."""
    data = json.loads((DEFAULT_SCENARIO / "notices.geojson").read_text(encoding="utf-8"))
    # (southern latitude, longitude east of which it is land or too close inshore)
    coast = [(33.8, 35.45), (34.3, 35.65), (34.5, 35.85), (35.45, 35.70), (35.7, 35.75)]
    for f in data["features"]:
        p = f["properties"]
        if p["domain"] != "sea":
            continue
        area = Area.from_geojson(f["geometry"], p)
        for lon, lat in area.outline_lonlat().exterior.coords:
            limit = [lim for south, lim in coast if lat >= south][-1]
            assert lon < limit, (p["callsign"], lon, lat)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "scenario"
    shutil.copytree(DEFAULT_SCENARIO, target)
    return target


def test_bad_feature_names_file_and_index(tmp_path: Path) -> None:
    """A bad feature stops the load with InvalidInput naming the file and the index.

    Each asset and notice is submitted in its own transaction, so the features before the
    bad one stay stored: the loader promises no all-or-nothing load.
    """
    directory = _copy(tmp_path)
    path = directory / "notices.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["features"][4]["properties"]["radius_m"]  # EYE 1, an orbit
    path.write_text(json.dumps(data), encoding="utf-8")
    service = _service(directory)
    with pytest.raises(InvalidInput) as info:
        load_scenario(directory, service, NOW)
    assert str(path) in info.value.detail
    assert "features[4]" in info.value.detail
    assert "radius_m" in info.value.detail
    assert service.store.count_notices() == 4  # the four before it stayed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"party": "nobody"}, "unknown party"),
        ({"party": None}, "properties.party"),
        ({"duration_min": 0}, "must be positive"),
        ({"start_offset_min": "soon"}, "minutes"),
        ({"start": "2030-03-01T14:00:00Z"}, "not both"),
    ],
)
def test_bad_relative_fields(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    directory = _copy(tmp_path)
    path = directory / "notices.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    props = data["features"][0]["properties"]
    for key, value in change.items():
        if value is None:
            del props[key]
        else:
            props[key] = value
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"features\[0\]") as info:
        load_scenario(directory, _service(directory), NOW)
    assert message in info.value.detail


def test_bad_asset_names_its_file(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "assets.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][1]["properties"]["kind"] = "castle"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"assets\.geojson features\[1\] properties\.kind"):
        load_scenario(directory, _service(directory), NOW)


def test_absolute_times_are_accepted(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "notices.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    props = data["features"][0]["properties"]
    del props["start_offset_min"], props["duration_min"]
    props["start"], props["end"] = "2030-03-01T15:00:00Z", "2030-03-01T16:00:00Z"
    data["features"] = data["features"][:1]
    path.write_text(json.dumps(data), encoding="utf-8")
    service = _service(directory)
    report = load_scenario(directory, service, NOW)
    assert report.notices == 1
    row = service.store.get_notice(report.notice_ids[0])
    assert row is not None
    assert row.feature["properties"]["start"] == "2030-03-01T15:00:00Z"


def test_malformed_files(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "notices.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid JSON"):
        load_scenario(directory, _service(directory), NOW)
    (directory / "notices.geojson").write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="FeatureCollection"):
        load_scenario(directory, _service(directory), NOW)


def test_missing_scenario(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        scenario_agreement_path(tmp_path / "nowhere")
    with pytest.raises(NotFound, match=r"agreement\.toml"):
        scenario_agreement_path(tmp_path)
    service = _service()
    with pytest.raises(NotFound, match="does not exist"):
        load_scenario(tmp_path / "nowhere", service, NOW)
    with pytest.raises(NotFound, match=r"notices\.geojson"):
        load_scenario(tmp_path, service, NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        load_scenario(DEFAULT_SCENARIO, _service(), NOW.replace(tzinfo=None))


def test_the_interference_conflict_names_the_emission_and_its_advice(
    loaded: tuple[NoticeService, ScenarioReport],
) -> None:
    service, _ = loaded
    wx = _notices(service)["WX 1"]
    [c] = [x.to_json() for x in service.store.list_conflicts() if x.kind == "interference"]
    assert c["b_id"] == wx["id"] and c["criterion_db"] == -10.0
    assert c["move_list"] == [wx["id"]]  # the base's own calibration emission does not count
    assert [x["notice"] for x in c["contributors"]] == [wx["id"]]
    [advice] = c["advice"]
    assert advice["max_eirp_dbm"] < 70.0 and advice["frequency_shift_mhz"]["nearest"] is not None
