"""The typed records of the store seams (store/rows.py): each goes into the store and comes
back equal, field by field, on the engine under test (INTERLOCK_TEST_ENGINE); and each
record's JSON is what the API served and the ledger chained before the records were typed:
the same keys in the same order (checked byte for byte against the dicts the services
used to build) and valid against the OpenAPI document's schema."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.api.test_openapi_schemas import openapi
from tests.conftest import T0, radar

from interlock.model.asset import parse_asset
from interlock.model.conflict import Ref, Violation
from interlock.model.timeutil import to_ts
from interlock.store import open_store
from interlock.store.base import IndexEntry, Store
from interlock.store.rows import (
    Advice,
    AssetRow,
    ConflictRow,
    Contributor,
    Episode,
    ExposureMeasures,
    FrequencyShift,
    HazardRow,
    Measures,
    MessageRow,
    ReceiptRow,
    ViolationRow,
)

AT = 1_900_000_000.5
EVERYWHERE = IndexEntry(((-180.0, -90.0, 180.0, 90.0),), -1e6, 1e6, 0.0, 4e9)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "rows.db")
    yield s
    s.close()


def same(got: Any, want: Any) -> None:
    """Field by field (a failure names the field), then whole."""
    assert type(got) is type(want)
    for f in dataclasses.fields(want):
        assert getattr(got, f.name) == getattr(want, f.name), f.name
    assert got == want


def valid(doc: dict[str, Any], schema: str) -> None:
    import jsonschema_rs

    spec = openapi()
    ref = {"$ref": f"#/components/schemas/{schema}", "components": spec["components"]}
    errors = [str(e) for e in jsonschema_rs.Draft202012Validator(ref).iter_errors(doc)]
    assert not errors, (schema, errors)


def bytes_equal(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert orjson.dumps(got) == orjson.dumps(want)


# ---- records ------------------------------------------------------------------------------
MEASURES = Measures(
    "2030-03-01T12:00:00Z", "2030-03-01T13:00:00Z", 0.0, 4321.5, 9260.0, 0.0, 304.8, 35.1, 34.9
)
STRATEGIC = ConflictRow(
    "notice", "n-aa", 2, "asset", "a-bb", 1, "red", "blue", "major", ("blue", "red"), MEASURES
)
EXPOSURE = ConflictRow(
    "notice",
    "n-recce",
    1,
    "notice",
    "n-strike",
    3,
    "iaf",
    "hmeimim",
    "critical",
    ("hmeimim", "iaf"),
    dataclasses.replace(MEASURES, horizontal_distance_m=0.0, vertical_minimum_m=0.0),
    ExposureMeasures("h-s200", 12_345.6, 96.25, 396.25),
)
EPISODE = Episode(
    receiver="a-radar",
    receiver_party="red",
    receiver_name=None,
    start="2030-03-01T12:00:00Z",
    end="2030-03-01T12:10:00Z",
    worst_at="2030-03-01T12:05:00Z",
    i_dbm=-80.125,
    n_dbm=None,
    i_n_db=25.5,
    criterion_db=-10.0,
    excess_db=35.5,
    severity="critical",
    contributors=(
        Contributor("n-wx", "blue", -80.125, 0.9),
        Contributor("n-c", "green", None, 0.1),
    ),
    move_list=("n-wx", "n-c"),
    decisive=("n-wx",),
    advice=(
        Advice("n-wx", "blue", 60, 23.5, 36.5, FrequencyShift(12.5, None, 12.5)),
        Advice("n-c", "green", 30.0, None, None, None),
    ),
    parties=("blue", "green", "red"),
)
INTERFERENCE = ConflictRow(  # recorded with the pair's parties (service.spectrum._record)
    "asset", "a-radar", 1, "notice", "n-wx", 2, "red", "blue", "critical", ("blue", "red"),
    episode=dataclasses.replace(EPISODE, parties=("blue", "red")),
)  # fmt: skip
LATE = Violation("late_notice", Ref("notice", "n-late", 2), "red", "filed late", 600.0, 3600.0)
WARNING = Violation(
    "insufficient_warning",
    Ref("notice", "n-strike", 1),
    "hmeimim",
    "60 s warning, 396 s needed",
    60.0,
    396.25,
    "h-s200",
    Ref("notice", "n-recce", 4),
    "iaf",
)


def asset(aid: str, feature: dict[str, Any], party: str = "red") -> AssetRow:
    draft = parse_asset(feature)
    return AssetRow(aid, party, draft.kind, to_ts(T0), None, draft.to_feature())


def zone() -> dict[str, Any]:
    f = radar(35.8, 35.5)
    f["properties"] = {"kind": "zone", "name": "the zone", "radius_m": 2000.0}
    return f


# ---- round trips --------------------------------------------------------------------------
def test_an_asset_and_a_receiver_come_back_as_they_went_in(store: Store) -> None:
    plain = asset("a-zone", zone())
    rx = asset("a-radar", radar(35.0, 34.0), party="blue")
    with store.write() as tx:
        for a in (plain, rx):
            tx.insert_asset(a, EVERYWHERE)
        same(tx.get_asset("a-zone"), plain)
        [found] = tx.asset_candidates(EVERYWHERE, exclude_party="red")
        same(found, rx)
        [inside] = tx.receivers()
        same(inside, rx)
    same(store.get_asset("a-radar"), rx)
    for got, want in zip(store.list_assets(), (plain, rx), strict=True):
        same(got, want)
    [only] = store.receivers()
    same(only, rx)
    assert not plain.is_receiver and rx.is_receiver
    with store.write() as tx:
        tx.retire_asset("a-zone", AT)
    assert [a.id for a in store.list_assets()] == ["a-radar"]
    same(store.get_asset("a-zone"), dataclasses.replace(plain, retired_at=AT))
    # the record the ledger chains for a new asset (service.assets before typing)
    bytes_equal(
        rx.to_json(),
        {
            "id": rx.id,
            "party": rx.party,
            "kind": rx.kind,
            "created_at": rx.created_at,
            "feature": rx.feature,
        },
    )


def test_a_hazard_comes_back_as_it_went_in(store: Store) -> None:
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.9, 35.4]}}
    hz = HazardRow("h-1", "green", AT, None, {**feature, "properties": {"name": "S-200"}})
    with store.write() as tx:
        tx.insert_hazard(hz)
        same(tx.get_hazard("h-1"), hz)
        [live] = tx.hazards_in_force()
        same(live, hz)
        tx.retire_hazard("h-1", AT + 60)
        assert tx.hazards_in_force() == []
    gone = dataclasses.replace(hz, retired_at=AT + 60)
    same(store.get_hazard("h-1"), gone)
    [listed] = store.list_hazards(include_retired=True)
    same(listed, gone)
    bytes_equal(
        hz.to_json(),
        {"id": "h-1", "party": "green", "created_at": AT, "feature": hz.feature},
    )


@pytest.mark.parametrize("row", [STRATEGIC, EXPOSURE, INTERFERENCE], ids=lambda r: r.kind)
def test_a_conflict_of_each_kind_comes_back_as_it_went_in(store: Store, row: ConflictRow) -> None:
    with store.write() as tx:
        cid = tx.insert_conflict(row, AT)
    [got] = store.list_conflicts()
    same(got, dataclasses.replace(row, id=cid, detected_at=AT))
    assert got.kind == row.kind
    with store.write() as tx:
        assert tx.close_conflicts(row.b_id, AT + 1, "cancelled") == 1
    assert store.list_conflicts() == []
    [closed] = store.list_conflicts(include_closed=True, party=row.a_party)
    same(closed, dataclasses.replace(got, closed_at=AT + 1, closed_reason="cancelled"))


@pytest.mark.parametrize("v", [LATE, WARNING], ids=lambda v: v.kind)
def test_a_violation_of_each_kind_comes_back_as_it_went_in(store: Store, v: Violation) -> None:
    with store.write() as tx:
        vid = tx.insert_violation(ViolationRow(v), AT)
    [got] = store.list_violations(notice_id=v.notice.id)
    same(got, ViolationRow(v, vid, AT))
    same(got.violation, v)


def test_a_message_and_its_receipts_come_back_as_they_went_in(store: Store) -> None:
    event = {"type": "message", "id": "m-1", "from": "blue", "to": ["green", "red"]}
    event |= {"priority": "urgent", "deadline": "2030-03-01T12:05:00Z"}
    event |= {"audience": ["blue", "green", "red"]}
    sent = MessageRow(
        "m-1", "blue", "urgent", AT, AT + 300, 1, event, (ReceiptRow("green"), ReceiptRow("red"))
    )
    with store.write() as tx:
        tx.append_ledger("message", "m-1", event, "2030-03-01T12:00:00Z", sent.audience)
        tx.insert_message(sent)
        same(tx.get_message("m-1"), sent)
        assert tx.mark_delivered("m-1", "red", AT + 1)
        assert tx.mark_acked("m-1", "green", AT + 2, "wilco")
    want = sent.with_receipt("red", "delivered", AT + 1).with_receipt(
        "green", "acknowledged", AT + 2, "wilco"
    )
    assert want.recipients == (
        ReceiptRow("green", AT + 2, AT + 2, "wilco", 0),
        ReceiptRow("red", AT + 1, None, None, 0),
    )
    same(store.get_message("m-1"), want)
    for party in ("blue", "red"):
        [listed] = store.list_messages(party)
        same(listed, want)
    assert store.list_messages("green", pending=True, box="in") == []


# ---- the JSON -----------------------------------------------------------------------------
def test_the_json_of_a_strategic_conflict_is_what_it_was() -> None:
    """The keys service.strategic.conflict_record wrote out, in its order; the id then
    the store's fields after them (the old body.update order)."""
    m = MEASURES
    old = {
        "a_kind": "notice",
        "a_id": "n-aa",
        "a_version": 2,
        "b_kind": "asset",
        "b_id": "a-bb",
        "b_version": 1,
        "a_party": "red",
        "b_party": "blue",
        "severity": "major",
        "parties": ["blue", "red"],
        **dataclasses.asdict(m),
    }
    bytes_equal(STRATEGIC.body(), old)
    recorded = dataclasses.replace(STRATEGIC, id=7)
    bytes_equal(recorded.to_json(), {**old, "id": 7})
    valid(recorded.to_json(), "StrategicConflictOut")
    listed = dataclasses.replace(recorded, detected_at=AT)
    want = {**old, "id": 7, "detected_at": AT, "closed_at": None, "closed_reason": None}
    bytes_equal(listed.to_json(), want)
    valid(listed.to_json(), "ListedStrategicConflictOut")
    assert ConflictRow.from_json(old) == STRATEGIC


def test_the_json_of_an_exposure_is_what_it_was() -> None:
    """service.exposure.exposure_record's keys and order: kind and hazard first."""
    assert EXPOSURE.measures is not None
    old = {
        "kind": "exposure",
        "hazard": "h-s200",
        "a_kind": "notice",
        "a_id": "n-recce",
        "a_version": 1,
        "b_kind": "notice",
        "b_id": "n-strike",
        "b_version": 3,
        "a_party": "iaf",
        "b_party": "hmeimim",
        "severity": "critical",
        "parties": ["hmeimim", "iaf"],
        **dataclasses.asdict(EXPOSURE.measures),
        "depth_m": 12_345.6,
        "time_to_exit_s": 96.25,
        "required_warning_s": 396.25,
    }
    bytes_equal(EXPOSURE.body(), old)
    recorded = dataclasses.replace(EXPOSURE, id=3)
    valid(recorded.to_json(), "ExposureConflictOut")
    valid(dataclasses.replace(recorded, detected_at=AT).to_json(), "ListedExposureConflictOut")
    assert ConflictRow.from_json(old) == EXPOSURE


def test_the_json_of_an_interference_conflict_is_what_it_was() -> None:
    """The episode's keys (service.spectrum._episode) then the pair's, with the pair's
    parties in the episode's `parties` place (the old {**episode, ...} merge)."""
    episode = {
        "kind": "interference",
        "receiver": "a-radar",
        "receiver_party": "red",
        "receiver_name": None,
        "start": EPISODE.start,
        "end": EPISODE.end,
        "worst_at": EPISODE.worst_at,
        "i_dbm": -80.125,
        "n_dbm": None,
        "i_n_db": 25.5,
        "criterion_db": -10.0,
        "excess_db": 35.5,
        "severity": "critical",
        "contributors": [
            {"notice": "n-wx", "party": "blue", "i_dbm": -80.125, "share": 0.9},
            {"notice": "n-c", "party": "green", "i_dbm": None, "share": 0.1},
        ],
        "move_list": ["n-wx", "n-c"],
        "decisive": ["n-wx"],
        "advice": [
            {
                "notice": "n-wx",
                "party": "blue",
                "eirp_dbm": 60,
                "max_eirp_dbm": 23.5,
                "reduce_by_db": 36.5,
                "frequency_shift_mhz": {"up": 12.5, "down": None, "nearest": 12.5},
            },
            {
                "notice": "n-c",
                "party": "green",
                "eirp_dbm": 30.0,
                "max_eirp_dbm": None,
                "reduce_by_db": None,
                "frequency_shift_mhz": None,
            },
        ],
        "parties": ["blue", "green", "red"],
    }
    bytes_equal(EPISODE.to_json(), episode)
    valid(EPISODE.to_json(), "SpectrumConflict")
    old = {
        **episode,
        "a_kind": "asset",
        "a_id": "a-radar",
        "a_version": 1,
        "b_kind": "notice",
        "b_id": "n-wx",
        "b_version": 2,
        "a_party": "red",
        "b_party": "blue",
        "parties": ["blue", "red"],
    }
    bytes_equal(INTERFERENCE.body(), old)
    recorded = dataclasses.replace(INTERFERENCE, id=11)
    valid(recorded.to_json(), "InterferenceConflictOut")
    valid(dataclasses.replace(recorded, detected_at=AT).to_json(), "ListedInterferenceConflictOut")
    assert ConflictRow.from_json(old) == INTERFERENCE


@pytest.mark.parametrize("v", [LATE, WARNING], ids=lambda v: v.kind)
def test_the_json_of_a_violation_is_what_it_was(v: Violation) -> None:
    """model.conflict.Violation.to_dict (what notices stored and chained), then the id
    and, read back, when it was found."""
    row = ViolationRow(v, 5)
    bytes_equal(row.to_json(), {**v.to_dict(), "id": 5})
    valid(row.to_json(), "ViolationOut")
    listed = ViolationRow(v, 5, AT)
    bytes_equal(listed.to_json(), {**v.to_dict(), "id": 5, "detected_at": AT})
    valid(listed.to_json(), "ListedViolationOut")
    assert ViolationRow.from_json(v.to_dict()) == ViolationRow(v)
