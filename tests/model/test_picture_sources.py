"""Provenance in the picture: each party's reports of an identity kept apart, a fused
view over them, and reports dated ahead of the server's clock refused."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.model.picture import Picture, Update
from interlock.model.track import FUTURE_SKEW, Skip, TrackReport

T0 = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
ICAO = "icao:4ca1fa"


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def fix(s: float, lon: float = 35.0, tid: str = ICAO, **kw: float) -> TrackReport:
    """A position (velocity in kw) of `tid` at T0 + s."""
    return TrackReport("sbs", tid, "air", at(s), lon=lon, lat=35.0, **kw)


def result(u: Update | Skip) -> str:
    return u.kind if isinstance(u, Update) else u.reason


def test_future_skew_boundary_is_the_documented_five_seconds() -> None:
    assert timedelta(seconds=5) == FUTURE_SKEW
    p = Picture()
    now = at(0)
    just_under = fix(5 - 0.001, tid="icao:1")
    assert result(p.apply(fix(5), "red", now)) == "new"  # exactly at the skew: taken
    assert result(p.apply(fix(5.001), "blue", now)) == "future_time"
    assert result(p.apply(just_under, "blue", now)) == "new"
    # without a clock (a local picture of a recording) nothing is "future"
    assert result(Picture().apply(fix(10**6), "blue")) == "new"
    # a refused report leaves no trace: blue has no track of ICAO
    assert p.get(ICAO, party="blue") is None and p.get(ICAO).sources == ("red",)  # type: ignore[union-attr]


def test_a_future_dated_report_of_one_party_cannot_freeze_anothers_track() -> None:
    # Even admitted (no clock given), blue's 2099 fix lives in blue's own track: red's
    # reports keep updating red's, and the fused view stays red's once blue's is gone.
    p = Picture()
    far = TrackReport("sbs", ICAO, "air", datetime(2099, 1, 1, tzinfo=UTC), lon=30.0, lat=30.0)
    assert result(p.apply(far, "blue")) == "new"
    for s in range(0, 60, 5):
        assert result(p.apply(fix(s, lon=35.0 + s * 0.001), "red")) in ("new", "moved")
    red = p.get(ICAO, party="red")
    assert red is not None and red.time == at(55) and red.lon == 35.055
    # with the clock, the same line is refused and the fused track is red's, fresh
    q = Picture()
    assert result(q.apply(far, "blue", at(0))) == "future_time"
    assert result(q.apply(fix(0), "red", at(0))) == "new"
    assert result(q.apply(fix(5, lon=35.005), "red", at(5))) == "moved"
    (s,) = q.tracks(at(30))
    assert (s.party, s.sources, s.stale, s.lon) == ("red", ("red",), False, 35.005)


def test_fused_view_is_the_freshest_fix_and_lists_every_fresh_source() -> None:
    p = Picture()
    p.apply(fix(0, speed_kt=400.0, course_deg=90.0), "red", at(0))
    p.apply(fix(2, lon=35.01), "blue", at(2))
    (s,) = p.tracks(at(3))
    assert (s.party, s.lon, s.sources) == ("blue", 35.01, ("blue", "red"))
    p.apply(fix(4, lon=35.02), "red", at(4))
    (s,) = p.tracks(at(4))
    assert (s.party, s.lon, s.sources) == ("red", 35.02, ("blue", "red"))
    # the same time from two parties: the first by name, whatever the arrival order
    q = Picture()
    q.apply(fix(0, lon=35.001), "red")
    q.apply(fix(0, lon=35.002), "blue")
    assert q.get(ICAO).party == "blue"  # type: ignore[union-attr]
    # blue falls silent for longer than the air stale time: only red is listed
    p.apply(fix(70, lon=35.1), "red", at(70))
    (s,) = p.tracks(at(70))
    assert s.sources == ("red",) and not s.stale
    # everyone silent: the fused track is stale and names every party that reported it
    (s,) = p.tracks(at(500), include_stale=True)
    assert s.stale and s.sources == ("blue", "red")
    geo = p.to_geojson(at(71))["features"][0]["properties"]
    assert geo["sources"] == ["red"] and geo["position_from"] == "red"
    assert len(p) == 1


def test_a_party_cannot_reorder_or_refuse_anothers_reports() -> None:
    p = Picture()
    p.apply(fix(10), "blue", at(10))
    # red's older fix is not out of order against blue's: it is red's first
    assert result(p.apply(fix(0), "red", at(10))) == "new"
    # blue's far position does not make red's next a jump (each checks its own track)
    assert result(p.apply(fix(11, lon=40.0), "blue", at(11))) == "impossible_jump"
    assert result(p.apply(fix(1, lon=35.001), "red", at(11))) == "moved"
    # a duplicate is a repeat of the same party's report only
    assert result(p.apply(fix(10), "red", at(11))) == "moved"
    assert result(p.apply(fix(10), "red", at(11))) == "duplicate"


def test_arrays_export_one_row_per_identity_with_its_fresh_sources() -> None:
    p = Picture()
    v = {"speed_kt": 400.0, "course_deg": 90.0}
    p.apply(fix(0, **v), "red", at(0))
    p.apply(fix(1, lon=35.001, **v), "blue", at(1))
    p.apply(fix(1, lon=36.0, tid="icao:2", **v), "red")
    a = p.arrays(at(2), "air")
    rows = {
        tid: (lon, src)
        for tid, lon, src in zip(
            a.track_id.tolist(), a.lon.tolist(), a.sources.tolist(), strict=True
        )
    }
    assert rows == {ICAO: (35.001, ("blue", "red")), "icao:2": (36.0, ("red",))}
    # a source without a usable velocity is not exported nor counted
    q = Picture()
    q.apply(fix(0, **v), "red", at(0))
    q.apply(fix(1, lon=35.001), "blue", at(1))  # no velocity
    a = q.arrays(at(2), "air")
    assert a.lon.tolist() == [35.0] and a.sources.tolist() == [("red",)]


def test_expire_drops_each_partys_track_then_the_identity() -> None:
    p = Picture()
    p.apply(fix(0), "blue")
    p.apply(fix(100), "red")
    assert p.expire(at(150), timedelta(seconds=60)) == []  # blue's track dropped, red's kept
    assert p.get(ICAO, party="blue") is None and p.get(ICAO).sources == ("red",)  # type: ignore[union-attr]
    assert p.expire(at(200), timedelta(seconds=60)) == [ICAO]
    assert p.get(ICAO) is None and len(p) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["blue", "red"]), st.integers(0, 40)), max_size=40))
def test_per_party_tracks_are_what_each_party_alone_would_make(
    ops: list[tuple[str, int]],
) -> None:
    """Interleaving two parties' reports changes neither party's own track: each equals
    the track a picture fed that party's reports alone makes (an independent oracle)."""
    both = Picture()
    alone = {"blue": Picture(), "red": Picture()}
    rng = random.Random(len(ops))
    for party, s in ops:
        r = fix(s, lon=35.0 + rng.random() * 0.001)
        assert result(both.apply(r, party, at(40))) == result(alone[party].apply(r, party, at(40)))
    for party, pic in alone.items():
        assert both.get(ICAO, party=party) == pic.get(ICAO)
        assert both.history(ICAO, party=party) == pic.history(ICAO)
    fused = both.get(ICAO)
    states = [s for s in (alone["blue"].get(ICAO), alone["red"].get(ICAO)) if s is not None]
    if states:
        assert fused is not None and fused.time == max(s.time for s in states)
