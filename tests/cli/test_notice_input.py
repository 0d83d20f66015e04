"""A notice's input at the edges: a notice that has already ended is refused (on the
service's clock, for the API and the CLI alike), and a FeatureCollection is filed all or
nothing, the bad feature named by its index, wherever it stands in the collection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.conftest import PARTY_KEYS, T0, LiveServer, circle
from typer.testing import CliRunner, Result

from interlock.cli.main import app
from interlock.errors import RuleViolation
from interlock.ledger.keys import write_private
from interlock.service.notices import NoticeService

runner = CliRunner()


def ending_at(end: Any, **props: Any) -> dict[str, Any]:
    """An air notice of 1 h ending at `end`."""
    return circle(35.0, 34.0, start=end - timedelta(hours=1), hours=1.0, **props)


@pytest.mark.parametrize("offset_s", [0.0, -1.0, -7200.0])
def test_a_notice_ended_at_or_before_now_is_refused(
    service: NoticeService, offset_s: float
) -> None:
    with pytest.raises(RuleViolation) as refused:
        service.submit("blue", ending_at(T0 + timedelta(seconds=offset_s)))
    assert refused.value.field == "properties.end" and "ended" in refused.value.detail
    assert service.store.count_notices() == 0


def test_a_notice_ending_1_s_ahead_is_filed_late(service: NoticeService) -> None:
    result = service.submit("blue", ending_at(T0 + timedelta(seconds=1)))
    assert [v.to_json()["kind"] for v in result.violations] == ["late_notice"]  # late, kept


def test_the_api_refuses_an_ended_notice_and_a_collection(
    live_server: LiveServer, tmp_path: Path
) -> None:
    blue = live_server.client("blue")
    ledger_before = len(blue.get("/ledger").json())
    ended = blue.post("/notices", json=ending_at(live_server.clock()))
    assert ended.status_code == 422 and ended.json()["detail"].startswith("properties.end:")
    fc = {"type": "FeatureCollection", "features": [circle(35.0, 34.0)]}
    collection = blue.post("/notices", json=fc)  # one Feature a request: the CLI splits
    assert collection.status_code == 422
    assert blue.get("/notices").json()["features"] == []
    assert len(blue.get("/ledger").json()) == ledger_before
    # on the service's clock, not the wall's: at T0 + 5 h the notice of T0 + 2..4 h ended
    live_server.clock.advance(hours=5)
    late = blue.post("/notices", json=circle(35.0, 34.0))
    assert late.status_code == 422 and "properties.end" in late.json()["detail"]
    live_server.clock.advance(hours=-5)
    assert blue.post("/notices", json=circle(35.0, 34.0)).status_code == 201


def submit(live_server: LiveServer, tmp_path: Path, doc: Any, *extra: str) -> Result:
    path = tmp_path / "notices.geojson"
    path.write_bytes(orjson.dumps(doc))
    env = {"INTERLOCK_TOKEN": live_server.tokens["blue"], "COLUMNS": "200"}
    args = ["notice", "submit", str(path), "--url", live_server.url, *extra]
    return runner.invoke(app, args, env=env)


BAD = {
    "start": lambda: {
        **circle(35.0, 34.0),
        "properties": {**circle(35.0, 34.0)["properties"], "start": "2026-12-01T10:00:00"},
    },
    "ended": lambda: ending_at(T0 - timedelta(seconds=1)),
    "geometry": lambda: {**circle(35.0, 34.0), "geometry": {"type": "Point"}},
}
WHERE = {"start": "properties.start", "ended": "properties.end", "geometry": "geometry"}


@pytest.mark.parametrize(("at", "bad"), [(0, "start"), (2, "ended"), (4, "geometry")])
def test_a_collection_with_one_bad_feature_files_none(
    live_server: LiveServer, tmp_path: Path, at: int, bad: str
) -> None:
    feats = [circle(35.0 + i * 0.5, 34.0, callsign=f"C{i}") for i in range(5)]
    feats[at] = BAD[bad]()
    out = submit(live_server, tmp_path, {"type": "FeatureCollection", "features": feats})
    assert out.exit_code == 2, out.output
    assert f"features[{at}].{WHERE[bad]}" in out.output, out.output
    assert "filed" not in out.output
    assert live_server.service.store.count_notices() == 0


def test_a_good_collection_is_filed_whole_and_the_cli_uses_the_servers_clock(
    live_server: LiveServer, tmp_path: Path
) -> None:
    # ended by the wall clock (T0 is the test clock's), not by the server's: filed
    feats = [circle(35.0 + i * 0.5, 34.0) for i in range(3)]
    out = submit(live_server, tmp_path, {"type": "FeatureCollection", "features": feats})
    assert out.exit_code == 0 and out.output.count(" filed (") == 3, out.output
    assert live_server.service.store.count_notices() == 3
    # a collection ending exactly at the server's now: refused whole
    now = live_server.clock()
    feats = [circle(36.0, 34.0), ending_at(now)]
    out = submit(live_server, tmp_path, {"type": "FeatureCollection", "features": feats})
    assert out.exit_code == 2 and "features[1].properties.end" in out.output, out.output
    assert live_server.service.store.count_notices() == 3


def test_a_collection_the_server_refuses_at_its_last_feature_files_none(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """Filing for another party passes the local check; only the server refuses it, and
    the two before it, sent in the same request, are not filed either."""
    ledger = live_server.service.store.last_seq()
    feats = [circle(35.0 + i * 0.5, 34.0) for i in range(3)]
    feats[2]["properties"]["party"] = "red"
    out = submit(live_server, tmp_path, {"type": "FeatureCollection", "features": feats})
    assert out.exit_code != 0 and "features[2]" in out.output, out.output
    assert "filed" not in out.output and "refused after" not in out.output
    assert live_server.service.store.count_notices() == 0
    assert live_server.service.store.last_seq() == ledger


def test_a_signed_collection_is_filed_whole_each_notice_its_own_envelope(
    live_server: LiveServer, tmp_path: Path
) -> None:
    live_server.clock.now = datetime.now(UTC)  # the CLI signs on the wall clock
    key = tmp_path / "blue.key"
    write_private(PARTY_KEYS["blue"], key)
    start = live_server.clock() + timedelta(hours=2)
    feats = [circle(35.0 + i * 0.5, 34.0, start=start, callsign=f"S{i}") for i in range(2)]
    doc = {"type": "FeatureCollection", "features": feats}
    out = submit(live_server, tmp_path, doc, "--key", str(key))
    assert out.exit_code == 0 and out.output.count(" filed (") == 2, out.output
    signed = [
        e
        for e in live_server.service.store.ledger_entries()
        if e["event"]["type"] == "notice_version" and "envelope" in e["event"]
    ]
    assert len({e["event"]["envelope"]["nonce"] for e in signed}) == 2
