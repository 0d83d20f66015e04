"""The electromagnetic arena over HTTP: receivers, emissions, live conflicts, the I/N plot,
and bad radio input refused with nothing stored."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import T0, emission, radar

from interlock.service.notices import NoticeService

Client = Callable[[str | None], httpx.Client]
RADAR, NEAR = (35.0, 34.0), (35.3, 34.0)


def post(c: httpx.Client, path: str, body: Any) -> httpx.Response:
    return c.post(path, content=orjson.dumps(body), headers={"Content-Type": "application/json"})


def test_an_emission_at_a_radar_reaches_both_parties_with_a_plot(client_for: Client) -> None:
    blue, red, green = client_for("blue"), client_for("red"), client_for("green")
    r = post(red, "/assets", radar(*RADAR))
    assert r.status_code == 201, r.text
    rx = r.json()["id"]
    r = post(blue, "/notices", emission(*NEAR))
    assert r.status_code == 201, r.text
    [c] = r.json()["conflicts"]
    assert (c["kind"], c["a_id"], c["severity"]) == ("interference", rx, "critical")
    # recorded: both parties list it; a third does not
    assert [x["id"] for x in red.get("/conflicts").json()] == [c["id"]]
    assert [x["id"] for x in blue.get("/conflicts").json()] == [c["id"]]
    assert green.get("/conflicts").json() == []
    # live: recomputed from the store
    window = {"start": T0.isoformat()}
    live = red.get("/spectrum/conflicts", params=window).json()["conflicts"]
    assert [x["receiver"] for x in live] == [rx] and live[0]["move_list"] == [c["b_id"]]
    assert green.get("/spectrum/conflicts", params=window).json()["conflicts"] == []
    assert (
        len(
            green.get("/spectrum/conflicts", params=window | {"all_parties": "true"}).json()[
                "conflicts"
            ]
        )
        == 1
    )
    png = red.get(f"/spectrum/receivers/{rx}/plot.png", params=window)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    from PIL import Image

    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.size[0] > 600
    # the criterion line and the excess are drawn in red (#d62728)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    reds = sum(n for n, (r, g, b) in colours if r > 180 and g < 110 and b < 110)
    assert reds > 500


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start": "2026-12-01T10:00:00"}, 422),  # naive time
        ({"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T09:00:00Z"}, 422),
        ({"start": "2026-12-01T00:00:00Z", "end": "2027-03-01T00:00:00Z"}, 422),  # > 31 days
    ],
)
def test_bad_windows_are_refused(client_for: Client, params: dict[str, str], status: int) -> None:
    r = client_for("red").get("/spectrum/conflicts", params=params)
    assert r.status_code == status and r.json()["error"]


def test_a_plot_of_an_unknown_receiver_is_404(client_for: Client) -> None:
    r = client_for("red").get("/spectrum/receivers/a-nope/plot.png")
    assert r.status_code == 404 and "a-nope" in r.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bandwidth_mhz": 0}, "properties.bandwidth_mhz"),
        ({"bandwidth_mhz": -1.0}, "properties.bandwidth_mhz"),
        ({"centre_freq_mhz": 0.001}, "properties.centre_freq_mhz"),  # below 3 kHz
        ({"centre_freq_mhz": 301_000}, "properties.centre_freq_mhz"),  # above 300 GHz
        ({"eirp_dbm": 130}, "properties.eirp_dbm"),
        ({"eirp_dbm": "NaN"}, "properties.eirp_dbm"),
    ],
)
def test_bad_emissions_are_refused_and_nothing_is_stored(
    client_for: Client, service: NoticeService, change: dict[str, Any], field: str
) -> None:
    blue = client_for("blue")
    before = service.store.last_seq()
    bad = emission(*NEAR)
    bad["properties"].update(change)
    r = post(blue, "/notices", bad)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(field)
    assert service.store.count_notices() == 0 and service.store.last_seq() == before


def test_a_nan_from_the_wire_is_refused(client_for: Client, service: NoticeService) -> None:
    text = orjson.dumps(emission(*NEAR)).decode().replace('"eirp_dbm":60.0', '"eirp_dbm":NaN')
    r = client_for("blue").post(
        "/notices", content=text, headers={"Content-Type": "application/json"}
    )
    assert r.status_code in (400, 422) and r.json()["error"]
    assert service.store.count_notices() == 0


@pytest.mark.parametrize(
    "change",
    [{"criterion_db": None, "safety_of_life": None}, {"bandwidth_mhz": 0}, {"gain_dbi": "x"}],
)
def test_bad_receivers_are_refused_and_nothing_is_stored(
    client_for: Client, service: NoticeService, change: dict[str, Any]
) -> None:
    asset = radar(*RADAR)
    rx = asset["properties"]["receiver"]
    rx.update(change)
    for k in [k for k, v in rx.items() if v is None]:
        del rx[k]
    r = post(client_for("red"), "/assets", asset)
    assert r.status_code == 422 and "receiver" in r.json()["detail"]
    assert service.store.list_assets() == []
