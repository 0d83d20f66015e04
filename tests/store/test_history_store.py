"""Track history in the store (both engines: the suite's PostgreSQL lane runs these on a
database of their own): batches, reads by time, place and track, the picture-at-a-moment
pairs, the purge."""

from __future__ import annotations

import pytest

from interlock.store import SqliteStore
from interlock.store.rows import FixPair, FixRow
from interlock.store.sql_history import MAX_CELLS, cell_of, cells_of


def fix(
    t: float, tid: str = "icao:1", party: str = "blue", lon: float = 30.0, **kw: object
) -> FixRow:
    base = FixRow(t, tid, party, "air", None, "sbs", lon, 34.0, 10_000.0, 400.0, 90.0, "ABC")
    return base._replace(**kw)  # type: ignore[arg-type]


def pair(a: FixRow, b: FixRow) -> FixPair:
    """What the store gives for a fix and the row after it."""
    head = (a.track_id, a.party, a.time, a.domain, a.owner, a.source, a.lon, a.lat, a.alt_ft)
    return FixPair(*head, a.speed_kt, a.course_deg, a.name, b.time, b.lon, b.lat, b.alt_ft, b.end)


def trail(tid: str, party: str, times: list[float], lon0: float = 30.0) -> list[FixRow]:
    out, prev = [], None
    for k, t in enumerate(times):
        out.append(fix(t, tid, party, lon0 + 0.01 * k, prev_time=prev))
        prev = t
    return out


def test_batches_read_back_in_track_order_and_a_repeat_is_ignored(store: SqliteStore) -> None:
    rows = (
        trail("icao:2", "red", [10, 15, 20])
        + trail("icao:1", "blue", [12, 17])
        + trail("icao:1", "red", [11])
    )
    store.add_fixes(rows)
    store.add_fixes(rows[:2])  # the same fixes again (a retried batch)
    store.add_fixes([])
    got = store.fixes_between(0, 100)
    assert [(r.track_id, r.party, r.time) for r in got] == [
        ("icao:1", "blue", 12),
        ("icao:1", "blue", 17),
        ("icao:1", "red", 11),
        ("icao:2", "red", 10),
        ("icao:2", "red", 15),
        ("icao:2", "red", 20),
    ]
    assert got[1] == rows[4]  # every field round-trips (prev_time, None alt...)
    odd = fix(
        50,
        "mmsi:1",
        "green",
        alt_ft=None,
        speed_kt=None,
        course_deg=None,
        name=None,
        owner="green",
        domain="sea",
        source="ais",
    )
    store.add_fixes([odd])
    assert store.fixes_between(50, 50) == [odd]  # both ends inclusive
    assert store.fixes_between(10, 12, limit=2) == [rows[3], rows[5]]
    assert [r.time for r in store.fixes_between(0, 100, track_ids=["icao:2"])] == [10, 15, 20]
    assert store.fixes_between(0, 100, track_ids=[]) == []


def test_end_rows_are_never_fixes_but_close_the_pairs(store: SqliteStore) -> None:
    rows = trail("icao:1", "blue", [100, 105])
    end = rows[-1]._replace(time=165.0, prev_time=105.0, end=True)
    store.add_fixes([*rows, end])
    assert [r.time for r in store.fixes_between(0, 1000)] == [100, 105]
    assert store.fix_pairs_at(102, 60) == [pair(rows[0], rows[1])]
    assert store.fix_pairs_at(100, 60) == [pair(rows[0], rows[1])]
    # at a fix itself: the pair it ends and the one it starts (the reader takes the latter)
    assert set(store.fix_pairs_at(105, 60)) == {pair(rows[0], rows[1]), pair(rows[1], end)}
    assert store.fix_pairs_at(164.9, 60) == [pair(rows[1], end)]
    assert store.fix_pairs_at(165, 60) == [pair(rows[1], end)]  # exactly its staleness old
    assert store.fix_pairs_at(165.001, 60) == []  # gone stale: no pair
    assert store.fix_pairs_at(99.9, 60) == []  # before the first fix
    assert store.fix_pairs_at(102, 2) == []  # the next row beyond the reach is not read
    assert store.fix_pairs_at(102, 60, domain="sea") == []


def test_pairs_at_a_moment_one_per_track_and_party(store: SqliteStore) -> None:
    store.add_fixes(
        trail("icao:1", "blue", [0, 5, 10, 15])
        + trail("icao:1", "red", [1, 8, 16])
        + trail("icao:2", "blue", [9, 30])
        + [f._replace(domain="sea") for f in trail("mmsi:9", "green", [0, 200, 400])]
    )
    got = {(p.track_id, p.party): (p.time, p.next_time) for p in store.fix_pairs_at(9, 60)}
    assert got == {
        ("icao:1", "blue"): (5, 10),
        ("icao:1", "red"): (8, 16),
        ("icao:2", "blue"): (9, 30),
    }  # the ship's next fix is beyond 60 s: read with its own domain's reach
    assert {p.track_id for p in store.fix_pairs_at(9, 600, domain="sea")} == {"mmsi:9"}


def test_places_by_cell_across_the_antimeridian_and_the_poles(store: SqliteStore) -> None:
    rows = [
        fix(1, "a", lon=179.99),
        fix(2, "b", lon=-179.99),
        fix(3, "c", lon=0.0),
        fix(4, "d", lon=180.0, lat=90.0),
        fix(5, "e", lon=-180.0, lat=-90.0),
    ]
    store.add_fixes(rows)
    assert {r.track_id for r in store.fixes_between(0, 10, bbox=(179.0, 33.0, -179.0, 35.0))} == {
        "a",
        "b",
    }
    assert {r.track_id for r in store.fixes_between(0, 10, bbox=(-1.0, 33.0, 1.0, 35.0))} == {"c"}
    assert {r.track_id for r in store.fixes_between(0, 10, bbox=(-180, -90, 180, 90))} == set(
        "abcde"
    )
    # at a bbox's edge: inside (the bounds are inclusive, as the live picture's)
    assert {r.track_id for r in store.fixes_between(0, 10, bbox=(0.0, 34.0, 0.0, 34.0))} == {"c"}
    assert {r.track_id for r in store.fixes_between(0, 10, bbox=(0.0, 34.0001, 0.0, 35))} == set()


def test_cells() -> None:
    assert cell_of(-180.0, -90.0) == 0 and cell_of(180.0, 90.0) == 179 * 360 + 359
    assert cell_of(-0.5, 0.5) == 90 * 360 + 179
    assert cells_of((-0.5, -0.5, 0.5, 0.5)) == [
        89 * 360 + 179,
        89 * 360 + 180,
        90 * 360 + 179,
        90 * 360 + 180,
    ]
    assert cells_of((179.5, 0.0, -179.5, 0.0)) == [90 * 360 + 359, 90 * 360]
    assert cells_of((-180, -90, 180, 90)) is None  # too many: read by time instead
    side = int(MAX_CELLS**0.5)
    assert cells_of((0, 0, side - 1, side - 1)) is not None
    assert cells_of((0, 0, side, side - 1)) is None


def test_purge_deletes_what_is_older_only(store: SqliteStore) -> None:
    hours = [h * 1800.0 for h in range(10)]  # over 4.5 h: several delete slices
    store.add_fixes(
        trail("icao:1", "blue", hours)
        + [f._replace(domain="sea") for f in trail("m", "red", hours)]
    )
    assert store.purge_fixes_before(3 * 1800.0) == 6
    assert {r.time for r in store.fixes_between(0, 1e9)} == set(hours[3:])  # at the cut: kept
    assert store.purge_fixes_before(3 * 1800.0) == 0
    assert store.purge_fixes_before(1e12) == 14
    assert store.fixes_between(0, 1e13) == []


@pytest.mark.parametrize("n", [1, 25_000])
def test_a_large_batch_is_one_call(store: SqliteStore, n: int) -> None:
    store.add_fixes([fix(float(t), f"icao:{t % 97}") for t in range(n)])
    assert len(store.fixes_between(0, n)) == n
