"""The text formats over HTTP: a notice as NOTAM and NAVAREA text, conflicts and alerts
as CSV, each as the reading party may see it; the routes sit before /notices/{id}."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from tests.conftest import T0, circle

from interlock.formats.notam import parse_notam
from interlock.model.timeutil import iso

Client = Callable[[str | None], httpx.Client]
aviconv = pytest.importorskip("aviconv_notam.parser")


def sea_notice() -> dict[str, object]:
    ring = [[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.1], [36.0, 35.0]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "domain": "sea",
            "depth_min_m": 0,
            "depth_max_m": 50,
            "activity": "live_fire",
            "start": iso(T0 + timedelta(hours=3)),
            "end": iso(T0 + timedelta(hours=4)),
        },
    }


def test_notam_navarea_and_csv_as_each_party_sees_them(client_for: Client) -> None:
    blue, red, green = client_for("blue"), client_for("red"), client_for("green")
    hostile = '=HYPERLINK("http://x")'
    air = blue.post(
        "/notices", json=circle(35.8, 35.5, callsign=hostile, purpose="secret", activity="strike")
    )
    assert air.status_code == 201, air.text
    air_id = air.json()["notice"]["id"]
    clash = red.post("/notices", json=circle(35.82, 35.5, callsign="RED 1"))
    assert clash.status_code == 201 and clash.json()["conflicts"], clash.text
    sea = green.post("/notices", json=sea_notice())
    assert sea.status_code == 201, sea.text
    sea_id = sea.json()["notice"]["id"]

    # An air notice as NOTAM text, read by the independent parser; the id route still works.
    r = red.get(f"/notices/{air_id}.notam")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    n = aviconv.parse(r.text)
    assert n.q_line.fir == "XXXX" and n.q_line.qcode == "QWMLW"  # no [formats]: XXXX
    assert n.effective_from == T0 + timedelta(hours=2)
    assert "SECRET" not in r.text and "BY BLUE COMMAND" in r.text  # purpose is hidden
    [feature] = parse_notam(r.text)
    assert feature["properties"]["activity"] == "live_fire"
    assert red.get(f"/notices/{air_id}").json()["id"] == air_id

    # The wrong format for the domain: 422 naming the field and the other format.
    wrong = red.get(f"/notices/{sea_id}.notam")
    assert wrong.status_code == 422 and "properties.domain" in wrong.json()["detail"]
    assert ".navarea" in wrong.json()["detail"]
    wrong = red.get(f"/notices/{air_id}.navarea")
    assert wrong.status_code == 422 and ".notam" in wrong.json()["detail"]
    assert red.get("/notices/n-nope.notam").status_code == 404
    assert client_for(None).get(f"/notices/{air_id}.notam").status_code == 401

    r = blue.get(f"/notices/{sea_id}.navarea")
    assert r.status_code == 200
    assert r.text.startswith("NAVIGATIONAL WARNING ") and "GUNNERY EXERCISE" in r.text
    assert "IN AREA BOUNDED BY\n   35-00.00N 036-00.00E, 35-06.00N 036-00.00E," in r.text

    # CSV of conflicts: the reader's conflicts, names for ids, a hostile callsign as text.
    r = red.get("/export.csv", params={"what": "conflicts"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="conflicts.csv"' in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.text, newline="")))
    assert len(table) == len(red.get("/conflicts").json()) == 1
    row = table[0]
    assert {row["party A"], row["party B"]} == {"Blue command", "Red airbase"}
    assert {row["A"], row["B"]} == {"'" + hostile, "RED 1"}
    assert green.get("/export.csv", params={"what": "conflicts"}).text.count("\r\n") == 1
    alerts = red.get("/export.csv", params={"what": "alerts"})
    assert alerts.status_code == 200 and alerts.text.startswith("alert,raised (UTC),")
    bad = red.get("/export.csv", params={"what": "tracks"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("what:")
    assert red.get("/export.csv").status_code == 422


def test_notam_text_of_a_notice_files_again_as_the_same_volume(client_for: Client) -> None:
    blue = client_for("blue")
    square = [[35.0, 35.0], [35.2, 35.0], [35.2, 35.2], [35.0, 35.2], [35.0, 35.0]]
    feature = circle(35.0, 35.0, upper_ft=12_500)
    feature["geometry"] = {"type": "Polygon", "coordinates": [square]}
    del feature["properties"]["radius_m"]
    nid = blue.post("/notices", json=feature).json()["notice"]["id"]
    text = blue.get(f"/notices/{nid}.notam").text
    [again] = parse_notam(text)
    r = blue.post("/notices", json=again)
    assert r.status_code == 201, r.text
    assert r.json()["notice"]["properties"]["alt_upper_ft"] == 12_500
    assert r.json()["notice"]["geometry"]["coordinates"][0][:4] == square[:4]


def test_notam_text_imports_through_the_collection_path(client_for: Client) -> None:
    """POST /notices/import?format=notam: the NOTAM a notice gives files again as the
    same volume; text that cannot be a notice is refused naming the NOTAM item."""
    blue, red = client_for("blue"), client_for("red")
    nid = blue.post("/notices", json=circle(35.5, 35.5, upper_ft=9_500)).json()["notice"]["id"]
    text = blue.get(f"/notices/{nid}.notam").content
    r = red.post("/notices/import", params={"format": "notam"}, content=text)
    assert r.status_code == 201, r.text
    [filed] = r.json()["results"]
    assert filed["notice"]["properties"]["party"] == "red"
    assert filed["notice"]["properties"]["alt_upper_ft"] == 9_500
    assert filed["conflicts"]  # the same volume as blue's
    count = len(red.get("/notices", params={"party": "red"}).json()["features"])
    bad = red.post("/notices/import", params={"format": "notam"}, content=b"A1/26 NOTAMN\nE) NIL")
    assert bad.status_code in (400, 422) and bad.json()["detail"].startswith("notam")
    not_text = red.post("/notices/import", params={"format": "notam"}, content=b"\xff\xfe")
    assert not_text.status_code == 422 and not_text.json()["detail"].startswith("body:")
    assert len(red.get("/notices", params={"party": "red"}).json()["features"]) == count
