"""Track history in the store (both engines: the suite's PostgreSQL lane runs these on a
database of their own): batches, reads by time, place and track, the picture-at-a-moment
pairs, the purge."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from interlock.store import SqliteStore, open_store
from interlock.store.rows import FixPair, FixRow
from interlock.store.sql_history import (
    MAX_CELLS,
    SPAN_BOUNDS,
    SPAN_CLASS_SQL,
    cell_of,
    cells_of,
    span_class,
)


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


def test_span_classes_at_their_bounds() -> None:
    assert span_class(5.0, None) == 0  # no predecessor: never starts a pair
    assert span_class(101.0, 100.0) == 0  # 1 s: the first bound
    assert span_class(105.0, 100.0) == 3  # 5 s: up to 8 s
    assert span_class(108.0, 100.0) == 3  # at the bound: in it
    assert span_class(108.000001, 100.0) == 4  # just over: the next
    assert span_class(100.0 + SPAN_BOUNDS[-1], 100.0) == len(SPAN_BOUNDS) - 1
    assert span_class(100.001 + SPAN_BOUNDS[-1], 100.0) == len(SPAN_BOUNDS)  # the open class
    # the SQL form (the migration's) classes as the Python one does, bounds included
    db = sqlite3.connect(":memory:")
    cases = [(1.7e9 + d, 1.7e9) for d in (0.0, 0.5, 1.0, 1.0001, 5.0, 8.0, 8.0001, 600.0)]
    cases += [(1.7e9 + b, 1.7e9) for b in SPAN_BOUNDS] + [(1.7e9 + 5000.0, 1.7e9)]
    for t, prev in [*cases, (1.7e9, None)]:
        got = db.execute(
            f"SELECT {SPAN_CLASS_SQL} FROM (SELECT ? AS time, ? AS prev_time)", (t, prev)
        ).fetchone()[0]
        assert got == span_class(t, prev), (t, prev)


def _random_history(seed: int) -> tuple[list[FixRow], list[float]]:
    """Tracks of both domains with gaps of every class (bounds exactly, just over, longer
    than the last), restarts after end rows, at epoch-sized times; and moments to ask."""
    rng = random.Random(seed)
    t0 = 1.7646e9
    gaps = [0.3, 1.0, 2.0, 5.0, 8.0, 8.0001, 10.0, 60.0, 64.0, 600.0, 2048.0, 2100.0, 5000.0]
    rows: list[FixRow] = []
    moments: list[float] = []
    for k in range(40):
        domain = "sea" if k % 4 == 0 else "air"
        t, prev = t0 + rng.uniform(0, 50), None
        for _ in range(rng.randint(1, 12)):
            row = fix(t, f"t{k}", "blue" if k % 3 else "red", prev_time=prev, domain=domain)
            rows.append(row)
            moments += [t, t + 0.0005]
            if rng.random() < 0.15:  # an end row where it goes stale, then a restart
                stale = 60.0 if domain == "air" else 600.0
                rows.append(row._replace(time=t + stale, prev_time=t, end=True))
                moments.append(t + stale)
                t, prev = t + stale + rng.choice(gaps), None
            else:
                t, prev = t + rng.choice(gaps), t
    moments += [t0 + rng.uniform(0, 8000) for _ in range(60)]
    return rows, moments


@pytest.mark.parametrize("seed", [1, 2])
def test_pairs_by_span_class_equal_the_reference(store: SqliteStore, seed: int) -> None:
    rows, moments = _random_history(seed)
    store.add_fixes(rows)
    found = 0
    for at in moments:
        for reach, domain in ((60.0, "air"), (600.0, "sea"), (3000.0, None), (1.0, None)):
            got = store.fix_pairs_at(at, reach, domain=domain)
            assert sorted(got) == sorted(store.fix_pairs_at_reference(at, reach, domain=domain))
            found += len(got)
    assert found > 500  # the moments do meet pairs


@pytest.mark.sqlite_only  # a store of schema 9 is made by hand; PostgreSQL's lane: alembic
def test_a_schema_9_store_gets_its_span_classes(tmp_path: Path) -> None:
    rows, moments = _random_history(3)
    path = tmp_path / "old.db"
    store = open_store(path)
    store.add_fixes(rows)
    store.close()
    with sqlite3.connect(path) as db:  # as schema 9 left it: no span, the time index
        db.execute("DROP INDEX ix_track_fixes_span")
        db.execute("ALTER TABLE track_fixes DROP COLUMN span")
        db.execute("CREATE INDEX ix_track_fixes_time ON track_fixes (domain, time, prev_time)")
        db.execute("UPDATE alembic_version SET version_num = '0009'")
        db.execute("UPDATE schema_meta SET value = '9' WHERE key = 'schema_version'")
    migrated = open_store(path)
    assert migrated.schema_version() == 11  # on to the newest
    with sqlite3.connect(path) as db:
        spans = db.execute("SELECT time, prev_time, span FROM track_fixes").fetchall()
        indexes = {r[1] for r in db.execute("PRAGMA index_list(track_fixes)")}
    assert spans and all(c == span_class(t, p) for t, p, c in spans)
    assert "ix_track_fixes_span" in indexes and "ix_track_fixes_time" not in indexes
    for at in moments[::3]:
        got = migrated.fix_pairs_at(at, 600.0)
        assert sorted(got) == sorted(migrated.fix_pairs_at_reference(at, 600.0))
    migrated.close()
