"""Every notice of the demo scenario in the field's text formats, through the service as a
party sees it: each air notice as a NOTAM an independent parser reads, whose Q-line
circle covers it and which files back as a notice holding the original (to the stated
precision); each sea notice as a NAVAREA III warning listed clockwise; the conflicts as
CSV, one row each."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import numpy as np
import pytest
from pyproj import Geod
from tests.formats.test_navarea import WARNING, read_positions
from tests.geo.geodesic_truth import Core, outline_points

from interlock.errors import InvalidInput
from interlock.formats.navarea import signed_area
from interlock.formats.notam import POSITION_SLACK_M, parse_notam
from interlock.geo.units import M_PER_NM
from interlock.model.agreement import load_agreement
from interlock.model.notice import parse_notice
from interlock.service.root import build_services
from interlock.service.scenario import DEFAULT_SCENARIO, load_scenario, scenario_agreement_path
from interlock.service.text_formats import TextFormats
from interlock.store import open_store

aviconv = pytest.importorskip("aviconv_notam.parser")
NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
GEOD = Geod(ellps="WGS84")


def test_every_demo_notice_in_its_format() -> None:
    agreement = load_agreement(scenario_agreement_path(DEFAULT_SCENARIO))
    services = build_services(open_store(":memory:"), agreement, clock=lambda: NOW)
    load_scenario(DEFAULT_SCENARIO, services, NOW)
    formats = TextFormats(services)
    viewer = "command"
    features = services.notices.list(viewer)["features"]
    domains = {f["properties"]["domain"] for f in features}
    assert {"air", "sea"} <= domains
    seen = {"air": 0, "sea": 0}
    for f in features:
        props, nid = f["properties"], f["properties"]["id"]
        if props["domain"] == "air":
            text = formats.notam(viewer, nid)
            q = aviconv.parse(text).q_line
            assert q.fir == "LCCC"
            lon, lat = outline_points(Core.from_feature_parts(f["geometry"], props))
            n = len(lon)
            _, _, d = GEOD.inv(np.full(n, q.centre_lon), np.full(n, q.centre_lat), lon, lat)
            assert float(np.max(d)) <= q.radius_nm * M_PER_NM, text
            [back] = parse_notam(text)
            original, again = parse_notice(f), parse_notice(back)
            # Held within the written precision: widen the read-back area by it.
            wide = again.area.shape_in(again.area.own_frame(), 64).buffer(POSITION_SLACK_M)
            assert wide.contains(original.area.shape_in(again.area.own_frame(), 16)), text
            assert again.band == original.band or (
                again.band is not None
                and original.band is not None
                and again.band.lower_m <= original.band.lower_m + 1e-6
                and again.band.upper_m >= original.band.upper_m - 1e-6
            )
            with pytest.raises(InvalidInput):
                formats.navarea(viewer, nid)
        elif props["domain"] == "sea":
            text = formats.navarea(viewer, nid)
            assert WARNING.match(text), text
            assert text.startswith("NAVAREA III ")
            corners = read_positions(text)
            if "BOUNDED BY" in text:
                assert signed_area(corners) < 0, text
        else:
            continue
        seen[props["domain"]] += 1
    assert seen["air"] >= 5 and seen["sea"] >= 3, seen
    table = list(csv.DictReader(io.StringIO(formats.csv(viewer, "conflicts"), newline="")))
    assert len(table) == len(services.notices.conflicts(viewer, include_closed=True))
    assert all(row["party A"] and row["A"] and row["severity"] for row in table)
