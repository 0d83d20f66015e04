"""The alert book: lifecycle, hysteresis, de-duplication, severity, parties."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.errors import InvalidInput
from interlock.geo.units import M_PER_NM
from interlock.model.alerts import AlertBook, AlertEvent, Detection

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
H_AIR = 5 * M_PER_NM


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def pair(
    a: str = "icao:aaaaaa",
    b: str = "icao:bbbbbb",
    tcpa_s: float = 200.0,
    cpa_m: float = 6000.0,
    dz_ft: float | None = 500.0,
    owners: tuple[str | None, str | None] = ("blue", None),
    domain: str = "air",
) -> Detection:
    return Detection(
        kind="cpa",
        track_ids=(a, b),
        domain=domain,
        owners=owners,
        tcpa_s=tcpa_s,
        cpa_m=cpa_m,
        dz_cpa_ft=dz_ft,
        los_s=max(0.0, tcpa_s - 30),
        lon=33.0,
        lat=35.0,
        h_min_m=H_AIR if domain == "air" else 2 * M_PER_NM,
        v_min_ft=1000.0 if domain == "air" else None,
    )


def entry(
    track: str = "mmsi:211331640",
    notice: str = "N-7",
    party: str = "red",
    owner: str | None = None,
    entry_s: float = 900.0,
) -> Detection:
    return Detection(
        kind="entry",
        track_ids=(track,),
        domain="sea",
        owners=(owner,),
        notice_id=notice,
        notice_party=party,
        entry_s=entry_s,
        lon=33.5,
        lat=34.9,
    )


def kinds(events: list[AlertEvent]) -> list[str]:
    return [e.kind for e in events]


def test_raise_update_clear_lifecycle() -> None:
    book = AlertBook()
    ev = book.update(at(0), [pair()])
    assert kinds(ev) == ["raised"]
    a = ev[0].alert
    assert (a.state, a.version, a.severity, a.raised_at) == ("raised", 1, "warning", at(0))
    assert a.key == ("cpa", "icao:aaaaaa", "icao:bbbbbb")
    assert book.active() == [a] and book.get(a.id) == a

    # the encounter goes on as predicted: same instant of CPA, less time to go -> no event
    assert book.update(at(5), [pair(tcpa_s=195.0)]) == []
    # the CPA distance shrinks by more than 0.1 NM -> updated
    ev = book.update(at(10), [pair(tcpa_s=190.0, cpa_m=5000.0)])
    assert kinds(ev) == ["updated"]
    u = ev[0].alert
    assert (u.id, u.version, u.updated_at, u.raised_at) == (a.id, 2, at(10), at(0))
    assert u.detection.cpa_m == 5000.0

    # gone from the scans: one absent scan keeps it, 2 scans and 10 s clear it
    assert book.update(at(15), []) == []
    ev = book.update(at(20), [])
    assert kinds(ev) == ["cleared"]
    c = ev[0].alert
    assert (c.id, c.state, c.version, c.cleared_at, c.cleared_reason) == (
        a.id,
        "cleared",
        3,
        at(20),
        "absent",
    )
    assert book.active() == [] and book.get(a.id) == c
    assert book.update(at(25), []) == []

    # the same pair again: a new alert
    ev = book.update(at(30), [pair(tcpa_s=100.0)])
    assert kinds(ev) == ["raised"] and ev[0].alert.id != a.id and ev[0].alert.version == 1


def test_clear_needs_both_scans_and_seconds() -> None:
    book = AlertBook(clear_after=2, clear_after_s=10.0)
    book.update(at(0), [pair()])
    assert book.update(at(1), []) == []
    assert book.update(at(2), []) == []  # 2 scans, but only 2 s
    assert kinds(book.update(at(10), [])) == ["cleared"]
    book2 = AlertBook(clear_after=3, clear_after_s=0.0)  # scans only
    book2.update(at(0), [pair()])
    assert book2.update(at(100), []) == [] and book2.update(at(101), []) == []
    assert kinds(book2.update(at(102), [])) == ["cleared"]


def test_flicker_neither_clears_nor_raises_again() -> None:
    book = AlertBook()
    first = book.update(at(0), [pair()])[0].alert
    for s in range(1, 40):  # until 2 min before CPA (then critical: news)
        scan = [] if s % 2 else [pair(tcpa_s=200.0 - 3 * s)]
        assert book.update(at(s * 3), scan) == [], s
    assert [a.id for a in book.active()] == [first.id]
    assert book.get(first.id).version == 1


def test_identical_scans_make_no_events() -> None:
    book = AlertBook()
    scan = [pair(), pair("icao:cccccc", "icao:dddddd"), entry()]
    assert kinds(book.update(at(0), scan)) == ["raised"] * 3
    for _ in range(20):
        assert book.update(at(0), scan) == []
    # the pair given in the other order is the same key
    assert book.update(at(0), [pair("icao:bbbbbb", "icao:aaaaaa"), *scan[1:]]) == []
    assert len(book.active()) == 3


def test_tcpa_clamped_at_lookahead_is_not_news() -> None:
    book = AlertBook()
    book.update(at(0), [pair(tcpa_s=300.0)])
    for s in range(1, 30):  # still beyond the lookahead: TCPA stays clamped
        assert book.update(at(s * 2), [pair(tcpa_s=300.0)]) == []
    # the encounter is suddenly 60 s closer than predicted -> updated
    assert kinds(book.update(at(62), [pair(tcpa_s=180.0)])) == ["updated"]


def test_severity_change_is_an_update() -> None:
    book = AlertBook()
    book.update(at(0), [pair(tcpa_s=200.0, cpa_m=6000.0)])
    # predicted miss under half the minimum (both ways) -> critical
    ev = book.update(at(1), [pair(tcpa_s=199.0, cpa_m=4000.0, dz_ft=300.0)])
    assert kinds(ev) == ["updated"] and ev[0].alert.severity == "critical"
    # horizontal under half but vertical not -> warning again
    ev = book.update(at(2), [pair(tcpa_s=198.0, cpa_m=4000.0, dz_ft=600.0)])
    assert kinds(ev) == ["updated"] and ev[0].alert.severity == "warning"
    # time to CPA under 60 s (air) -> critical even with a wide miss, and small number
    # moves after it (under the thresholds) make no event
    ev = book.update(at(145), [pair(tcpa_s=55.0, cpa_m=6000.0, dz_ft=600.0)])
    assert kinds(ev) == ["updated"] and ev[0].alert.severity == "critical"
    assert book.update(at(146), [pair(tcpa_s=54.0, cpa_m=6050.0, dz_ft=650.0)]) == []


def test_sea_urgency_is_five_minutes() -> None:
    book = AlertBook()
    d = pair("mmsi:1", "mmsi:2", tcpa_s=290.0, cpa_m=3000.0, dz_ft=None, domain="sea")
    assert book.update(at(0), [d])[0].alert.severity == "critical"
    e = book.update(at(0), [entry(entry_s=200.0)])
    assert [x.alert.severity for x in e if x.kind == "raised"] == ["critical"]


def test_affected_parties() -> None:
    book = AlertBook()
    ev = book.update(
        at(0),
        [
            pair("blue:1", "icao:x", owners=("blue", None)),  # own vs observed
            pair("blue:2", "red:1", owners=("blue", "red")),  # own vs own of another party
            pair("icao:y", "icao:z", owners=(None, None)),  # observed vs observed
            entry("mmsi:9", "N-1", party="red", owner=None),  # observed into red's notice
            entry("blue:3", "N-1", party="red", owner="blue"),  # blue's unit into red's
        ],
    )
    by_key = {e.alert.key: e.alert.parties for e in ev}
    assert by_key == {
        ("cpa", "blue:1", "icao:x"): ("blue",),
        ("cpa", "blue:2", "red:1"): ("blue", "red"),
        ("cpa", "icao:y", "icao:z"): (),
        ("entry", "mmsi:9", "N-1"): ("red",),
        ("entry", "blue:3", "N-1"): ("blue", "red"),
    }
    assert len(book.active()) == 5
    assert {a.key[1] for a in book.active("blue")} == {"blue:1", "blue:2", "blue:3"}
    assert len(book.active("red")) == 3
    assert book.active("green") == []


def test_gone_tracks_and_notices_clear_at_once() -> None:
    book = AlertBook()
    book.update(at(0), [pair(), entry(), entry("mmsi:5", "N-8")])
    ev = book.update(at(1), [pair(), entry()], gone_tracks=["icao:bbbbbb"], gone_notices=["N-8"])
    assert sorted((e.kind, e.alert.key[0], e.alert.cleared_reason) for e in ev) == [
        ("cleared", "cpa", "track_gone"),
        ("cleared", "entry", "notice_gone"),
    ]
    assert [a.kind for a in book.active()] == ["entry"]


def test_to_dict_and_errors() -> None:
    book = AlertBook()
    book.update(at(0), [pair(tcpa_s=120.0), entry(entry_s=600.0)])
    out = book.to_dict()["alerts"]
    cpa = next(d for d in out if d["kind"] == "cpa")
    assert cpa["raised_at"] == "2026-12-01T10:00:00Z"
    assert cpa["cpa_at"] == "2026-12-01T10:02:00Z"
    assert cpa["cpa_distance_m"] == 6000.0 and cpa["vertical_separation_ft"] == 500.0
    assert cpa["key"] == ["icao:aaaaaa", "icao:bbbbbb"] and cpa["cleared_at"] is None
    ent = next(d for d in out if d["kind"] == "entry")
    assert ent["entry_at"] == "2026-12-01T10:10:00Z" and ent["notice_id"] == "N-7"
    assert book.to_dict("green") == {"alerts": []}
    assert book.get("nope") is None
    with pytest.raises(InvalidInput):
        book.update(datetime(2026, 12, 1, 10, 0), [])  # naive
    with pytest.raises(InvalidInput):
        book.update(at(-1), [])  # back in time


def test_adapter_from_a_tactical_scan() -> None:
    import numpy as np
    from shapely.geometry import box

    from interlock.detect import tactical as tc
    from interlock.detect.detections import detections_from_scan
    from interlock.model.track import TrackReport

    # two aircraft head-on 10 NM apart at the same level; an observed ship heading into
    # a box of red's; blue owns one aircraft
    rs = [
        TrackReport("json", "blue:1", "air", T0, 33.0, 35.0, 20000, 400, 90.0, owner="blue"),
        TrackReport("sbs", "icao:x", "air", T0, 33.2035, 35.0, 20000, 400, 270.0),
        TrackReport("ais", "mmsi:9", "sea", T0, 34.0, 34.0, None, 10, 0.0),
    ]
    states = tc.TrackStates.from_reports(rs)
    k = tc.project(states, T0.timestamp())
    enc = tc.scan(k)
    bx, by = tc.to_scan(k, np.array([33.9, 34.1]), np.array([34.02, 34.05]))
    vol = tc.DeclaredVolume("red", box(bx[0], by[0], bx[1], by[1]), ref="N-1")
    hits = tc.entries(states, k, [vol])
    ds = detections_from_scan(states, k, enc, tc.AIR_MINIMA, tc.SEA_MINIMA, hits, [vol])
    cpa = next(d for d in ds if d.kind == "cpa")
    assert set(cpa.track_ids) == {"blue:1", "icao:x"} and cpa.parties == ("blue",)
    assert cpa.tcpa_s == pytest.approx(45.6, abs=1.0)  # 10 NM at 800 kt closing
    assert cpa.lon == pytest.approx(33.1, abs=0.01) and cpa.lat == pytest.approx(35.0, abs=0.01)
    ent = next(d for d in ds if d.kind == "entry")
    assert ent.parties == ("red",) and ent.notice_id == "N-1"
    assert ent.lat == pytest.approx(34.02, abs=0.002)
    ev = AlertBook().update(T0, ds)
    # the aircraft meet in under 60 s: critical; the ship enters in ~7 min: warning
    assert sorted((e.alert.kind, e.alert.severity) for e in ev) == [
        ("cpa", "critical"),
        ("entry", "warning"),
    ]


# ---- property: random scans ----------------------------------------------------------

TRACKS = ["t0", "t1", "t2", "t3"]
_det = st.one_of(
    st.builds(
        lambda a, b, t, c: pair(a, b, tcpa_s=t, cpa_m=c),
        st.sampled_from(TRACKS),
        st.sampled_from(TRACKS),
        st.floats(0, 300),
        st.floats(0, 9260),
    ).filter(lambda d: d.track_ids[0] != d.track_ids[1]),
    st.builds(
        lambda tr, n, e: entry(tr, n, entry_s=e),
        st.sampled_from(TRACKS),
        st.sampled_from(["N-1", "N-2"]),
        st.floats(0, 1800),
    ),
)
_scan = st.tuples(
    st.floats(0, 8),  # seconds since the previous scan
    st.lists(_det, max_size=5),
    st.lists(st.sampled_from(TRACKS), max_size=1),  # tracks gone stale
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_scan, min_size=1, max_size=25), st.integers(1, 3), st.floats(0, 15))
def test_random_scans_keep_the_book_consistent(
    scans: list[tuple[float, list[Detection], list[str]]], clear_after: int, clear_s: float
) -> None:
    book = AlertBook(clear_after=clear_after, clear_after_s=clear_s)
    now = T0
    last_version: dict[str, int] = {}
    cleared: set[str] = set()
    for dt, dets, gone in scans:
        now += timedelta(seconds=dt)
        # de-duplication: the same scan again at once raises and updates nothing
        again = copy.deepcopy(book)
        again.update(now, dets, gone_tracks=gone)
        assert not [e for e in again.update(now, dets, gone_tracks=gone) if e.kind != "cleared"]
        events = book.update(now, dets, gone_tracks=gone)
        for e in events:
            a = e.alert
            if e.kind == "raised":
                assert a.id not in last_version and a.version == 1
            else:
                assert a.id in last_version and a.id not in cleared  # raised before
                assert a.version > last_version[a.id]
            last_version[a.id] = a.version
            if e.kind == "cleared":
                cleared.add(a.id)
                assert a.state == "cleared" and book.get(a.id) == a
        active = book.active()
        keys = [a.key for a in active]
        assert len(keys) == len(set(keys))  # never two active alerts with one key
        assert all(a.state == "raised" and a.id not in cleared for a in active)
        # every detection of this scan (whose tracks are not gone) has an active alert
        live = {d.key for d in dets if not set(d.track_ids) & set(gone)}
        assert live <= set(keys)
        # alerts of gone tracks are cleared
        assert not any(set(a.key[1:]) & set(gone) for a in active if a.kind == "cpa")


# --- hazard kinds (issue 15) -------------------------------------------------------------


def exposure(
    track: str = "blue:b1",
    hazard: str = "h-1",
    notice: str = "n-strike",
    exit_s: float | None = 120.0,
    hot_to: datetime | None = None,
) -> Detection:
    return Detection(
        kind="exposure",
        track_ids=(track,),
        domain="air",
        owners=("blue",),
        notice_id=notice,
        notice_party="red",
        hazard_id=hazard,
        hot_from=T0,
        hot_to=hot_to or T0 + timedelta(hours=1),
        depth_m=5000.0,
        exit_s=exit_s,
        lon=35.5,
        lat=35.4,
    )


def nonconformance(kinetic: str | None = None, nearest: str | None = "n-own") -> Detection:
    return Detection(
        kind="nonconformance",
        track_ids=("red:r1",),
        domain="air",
        owners=("red",),
        notice_id=nearest,
        kinetic_notice_id=kinetic,
        outside_s=31.0,
        told=("blue", "green", "red"),
    )


def masking_pair(kinetic: str = "red:r1", other: str = "blue:b1") -> Detection:
    return Detection(
        kind="masking",
        track_ids=(kinetic, other),
        domain="air",
        owners=("red", "blue"),
        notice_id="n-strike",
        notice_party="red",
        hazard_id="h-1",
        distance_m=9000.0,
        bearing_diff_deg=1.0,
    )


def test_hazard_kinds_keys_parties_and_severity() -> None:
    book = AlertBook()
    ev = book.update(at(0), [exposure(), nonconformance(), masking_pair()])
    by = {e.alert.kind: e.alert for e in ev}
    assert by["exposure"].key == ("exposure", "blue:b1", "h-1")
    assert by["exposure"].parties == ("blue", "red") and by["exposure"].severity == "critical"
    assert by["nonconformance"].key == ("nonconformance", "red:r1", "")
    assert by["nonconformance"].parties == ("blue", "green", "red")
    assert by["nonconformance"].severity == "warning"
    assert by["masking"].key == ("masking", "red:r1", "blue:b1")  # kinetic first, not sorted
    assert by["masking"].parties == ("blue", "red") and by["masking"].severity == "critical"
    d = by["exposure"].to_dict()
    assert (d["hazard_id"], d["notice_id"], d["exit_s"]) == ("h-1", "n-strike", 120.0)
    assert d["hot_from"] == "2026-12-01T10:00:00Z" and d["exit_at"] == "2026-12-01T10:02:00Z"
    assert book.following(("nonconformance", "red:r1", ""))
    assert not book.following(("nonconformance", "blue:b1", ""))


def test_kinetic_nonconformance_is_critical_and_an_update() -> None:
    book = AlertBook()
    (raised,) = book.update(at(0), [nonconformance()])
    (updated,) = book.update(at(1), [nonconformance(kinetic="n-strike")])
    assert updated.kind == "updated" and updated.alert.severity == "critical"
    assert updated.alert.id == raised.alert.id and updated.alert.version == 2
    # a longer time outside alone is no news
    assert book.update(at(2), [nonconformance(kinetic="n-strike")]) == []
    # nor is its nearest notice staying the same; another nearest notice is
    (moved,) = book.update(at(3), [nonconformance(kinetic="n-strike", nearest="n-other")])
    assert moved.kind == "updated"


@pytest.mark.parametrize(
    ("later", "news"),
    [
        (exposure(exit_s=110.0), False),  # 10 s later, 10 s less to go: as predicted
        # turned deeper: both the instant and the time to go moved by over 15 s (as TCPA)
        (exposure(exit_s=140.0), True),
        (exposure(exit_s=130.0), False),  # 10 s more to go only
        (exposure(exit_s=None), True),  # stopped: no longer leaving
        (exposure(hot_to=T0 + timedelta(hours=2)), True),  # the strike was extended
        (exposure(notice="n-other"), True),  # hot by another notice now
    ],
)
def test_exposure_updates_on_material_change_only(later: Detection, news: bool) -> None:
    book = AlertBook()
    book.update(at(0), [exposure()])
    assert bool(book.update(at(10), [later])) is news


def test_masking_clears_at_once_when_either_track_is_gone() -> None:
    for gone in ("red:r1", "blue:b1"):
        book = AlertBook()
        book.update(at(0), [masking_pair()])
        (ev,) = book.update(at(1), [], gone_tracks=[gone])
        assert ev.kind == "cleared" and ev.alert.cleared_reason == "track_gone"


def test_hazard_kinds_clear_with_the_books_hysteresis() -> None:
    book = AlertBook()
    book.update(at(0), [exposure(), nonconformance()])
    assert book.update(at(5), []) == []  # one miss, 5 s
    assert book.update(at(9), []) == []  # two misses, 9 s < 10 s
    ev = book.update(at(10), [])
    assert sorted(e.alert.kind for e in ev) == ["exposure", "nonconformance"]
    assert {e.alert.cleared_reason for e in ev} == {"absent"}
