"""`interlock hazard add | list | retire`: real CLI processes against a real server."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from tests.api.test_hazards_api import SITE, hazard, store_kinetic
from tests.cli.test_cli import run
from tests.conftest import T0, LiveServer, circle

from interlock.service.root import Services


def env_of(live_server: LiveServer, party: str, columns: int = 80) -> dict[str, str]:
    return {
        "INTERLOCK_URL": live_server.url,
        "INTERLOCK_TOKEN": live_server.tokens[party],
        "COLUMNS": str(columns),
    }


def collection(*features: dict[str, object]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def test_add_list_retire(live_server: LiveServer, services: Services, tmp_path: Path) -> None:
    red, blue = env_of(live_server, "red"), env_of(live_server, "blue")
    path = tmp_path / "hazards.geojson"
    path.write_text(
        collection(
            hazard(),
            hazard(36.5, 35.0, name="Ship SAM", weapon=None, range_m=2_500, alt_max_ft=9_000),
        )
    )
    out = run("hazard", "add", str(path), env=red)
    assert out.returncode == 0, out.stdout + out.stderr
    ids = [line.split()[0] for line in out.stdout.splitlines() if " reported: " in line]
    assert len(ids) == 2 and all(i.startswith("h-") for i in ids), out.stdout
    assert "Coastal SAM site (150 km)" in out.stdout and "Ship SAM (2.5 km)" in out.stdout

    start = T0 + timedelta(hours=3, minutes=7)
    store_kinetic(services, "blue", circle(*SITE, 5_000, start=start, hours=1))
    listed = run("hazard", "list", env=blue)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, listed.stdout
    text = listed.stdout
    for expected in (
        "2 hazard(s)",
        "Coastal SAM site",
        "third",  # "third party" wraps in its column at 80
        "S-200",
        "150",
        "0–FL800",
        "0–9,000 ft",
        "2.5",
        "red",
        "12-01 11:07–12:37",  # the notice's hour plus the 30 min reaction tail, UTC
    ):
        assert expected in text, "\n" + text
    # Each hazard by its shortest unique prefix (at least 6 characters), as retire takes.
    shown = re.findall(r"\bh-[0-9a-f]+\b", text)
    assert len(shown) == len(ids) and all(len(s) >= 6 for s in shown), text
    assert all(sum(i.startswith(s) for i in ids) == 1 for s in shown), text
    # The ship's hazard is beyond reach of the strike (the default 50 km): never hot.
    ship_row = next(i for i, line in enumerate(lines) if "Ship SAM" in line)
    assert lines[ship_row].rstrip().endswith("-"), lines[ship_row]

    refused = run("hazard", "retire", ids[0], env=blue)
    assert refused.returncode == 2 and "403" in refused.stderr, refused.stderr
    done = run("hazard", "retire", ids[0], env=red)
    assert done.returncode == 0 and f"{ids[0]} retired at" in done.stdout, done.stderr
    again = run("hazard", "retire", ids[0], env=red)
    assert again.returncode == 2 and "409" in again.stderr
    assert ids[0] not in run("hazard", "list", env=blue).stdout
    assert "(retired)" in run("hazard", "list", "--all", env=blue).stdout
    as_json = json.loads(run("hazard", "list", "--json", env={**blue, "COLUMNS": "400"}).stdout)
    assert [f["id"] for f in as_json["features"]] == ids[1:]


def test_a_bad_feature_is_named_and_nothing_is_sent(
    live_server: LiveServer, tmp_path: Path
) -> None:
    red = env_of(live_server, "red", 200)
    before = live_server.service.store.last_seq()
    path = tmp_path / "bad.geojson"
    path.write_text(collection(hazard(), hazard(range_m=-1), hazard()))
    out = run("hazard", "add", str(path), env=red)
    assert out.returncode == 2
    assert "features[1]" in out.stderr and "properties.range_m" in out.stderr, out.stderr
    path.write_text(collection(hazard(), hazard(alt_min_ft=10_000, alt_max_ft=100)))
    out = run("hazard", "add", str(path), env=red)
    assert out.returncode == 2
    assert "features[1]" in out.stderr and "properties.alt_min_ft" in out.stderr, out.stderr
    no_source = hazard()
    del no_source["properties"]["source"]
    path.write_text(json.dumps(no_source))
    out = run("hazard", "add", str(path), env=red)
    assert out.returncode == 2 and "features[0]" in out.stderr and "source" in out.stderr
    path.write_text("{not json")
    assert run("hazard", "add", str(path), env=red).returncode == 2
    assert run("hazard", "add", str(tmp_path / "missing"), env=red).returncode == 2
    assert live_server.service.store.last_seq() == before
    assert live_server.service.store.list_hazards(include_retired=True) == []


def test_stdin_and_a_bad_token(live_server: LiveServer) -> None:
    red = env_of(live_server, "red", 200)
    out = run("hazard", "add", "-", env=red, input=json.dumps(hazard()))
    assert out.returncode == 0 and " reported: " in out.stdout, out.stderr
    bad = run("hazard", "list", env={**red, "INTERLOCK_TOKEN": "x"})
    assert bad.returncode == 2 and "401" in bad.stderr
