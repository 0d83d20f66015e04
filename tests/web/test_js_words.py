"""The page's formatters (words.js) and popups (popups.js) in Node, against Python
arithmetic: positions to the minute of arc, relative times at their boundaries, flight
levels, distances in NM, and bands in the unit they were filed in (no "-0 m")."""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.web.conftest import Node

from interlock.geo.units import M_PER_FT, M_PER_NM

HARNESS = Path(__file__).parent / "words_harness.mjs"
# What a person must never read: a raw field name, an id, a time with seconds fractions.
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[nacmh]-[0-9a-f]{6,}|\d{2}:\d{2}:\d{2}\.\d|-0 m")


class Words(Node):
    """The words harness (words_harness.mjs: catalogues installed, a language chosen)."""

    def __init__(self) -> None:
        super().__init__(HARNESS)

    def ask(self, **request: Any) -> Any:  # type: ignore[override]
        answer = super().ask(**request)
        assert "error" not in answer, answer
        return answer.get("ok")

    def __call__(self, fn: str, *args: Any) -> Any:
        return self.ask(fn=fn, args=list(args))


@pytest.fixture(scope="module")
def words() -> Iterator[Words]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    w = Words()
    yield w
    w.close()


def half_up(x: float) -> int:
    return int(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dms(lat: float, lon: float) -> str:
    def part(v: float, width: int, pos: str, neg: str) -> str:
        total = math.floor(abs(v) * 60 + 0.5)  # minutes of arc, half up
        hemi = neg if v < 0 and total > 0 else pos
        return f"{total // 60:0{width}d}°{total % 60:02d}′{hemi}"

    return f"{part(lat, 2, 'N', 'S')} {part(lon, 3, 'E', 'W')}"


def test_positions_in_degrees_and_minutes(words: Words) -> None:
    assert words("fmtDMS", 35.4, 35.95) == "35°24′N 035°57′E"
    assert words("fmtDMS", -33.8688, -151.2093) == "33°52′S 151°13′W"
    # 59.5 minutes of arc makes the next degree; just under stays.
    assert words("fmtDMS", 35 + 59.5 / 60, 0) == "36°00′N 000°00′E"
    assert words("fmtDMS", 35 + 59.49 / 60, 0) == "35°59′N 000°00′E"
    assert words("fmtDMS", -0.001, -0.001) == "00°00′N 000°00′E"  # no "S" for nothing south
    assert words("fmtDMS", 90, 180) == "90°00′N 180°00′E"
    assert words("fmtDMS", None, 35) == "—"


@settings(max_examples=300, deadline=None)
@given(st.floats(-90, 90), st.floats(-180, 180))
def test_positions_match_python_arithmetic(words: Words, lat: float, lon: float) -> None:
    assert words("fmtDMS", lat, lon) == dms(lat, lon)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "now"),
        (0.4, "now"),
        (1, "in 1 s"),
        (59, "in 59 s"),
        (60, "in 1 min"),
        (89, "in 1 min"),
        (90, "in 2 min"),
        (23 * 60, "in 23 min"),
        (59 * 60 + 29, "in 59 min"),
        (59 * 60 + 30, "in 1 h 00 min"),
        (119 * 60 + 30, "in 2 h 00 min"),
        (3 * 3600 + 5 * 60, "in 3 h 05 min"),
        (48 * 3600, "in 2 days"),
        (-59, "59 s ago"),
        (-60, "1 min ago"),
        (-89, "1 min ago"),
        (-90, "2 min ago"),
        (-12 * 60, "12 min ago"),
    ],
)
def test_relative_times_at_their_boundaries(words: Words, seconds: float, text: str) -> None:
    now = 1_796_619_300_000
    assert words("fmtRelative", now + seconds * 1000, now) == text


def relative(seconds: float) -> str:
    s = abs(half_up(seconds))
    if s < 1:
        return "now"
    if s < 60:
        text = f"{s} s"
    else:
        m = (s + 30) // 60
        text = f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min" if m < 2880 else ""
        if not text:
            text = f"{half_up(m / 1440)} days"
    return f"in {text}" if half_up(seconds) > 0 else f"{text} ago"


@settings(max_examples=300, deadline=None)
@given(st.integers(-5 * 86400, 5 * 86400))
def test_relative_times_match_python(words: Words, seconds: int) -> None:
    now = 1_796_619_300_000
    assert words("fmtRelative", now + seconds * 1000, now) == relative(seconds)


def test_moments_are_to_the_minute_in_utc(words: Words) -> None:
    now = 1_796_619_300_000  # 2026-12-07T04:55:00Z
    assert words("fmtWhen", "2026-12-07T04:54:48.792080Z", now) == "04:54 UTC (11 s ago)"
    assert words("fmtWhen", "2026-12-07T05:18:00Z", now) == "05:18 UTC (in 23 min)"
    assert words("fmtWhen", "2026-12-08T05:18:00Z", now) == "2026-12-08 05:18 UTC (in 24 h 23 min)"


@pytest.mark.parametrize("ft", [0, 49, 50, 51, 100, 149, 150, 36000, 130_000])
def test_flight_levels_round_half_up(words: Words, ft: float) -> None:
    assert words("fmtFL", ft) == f"FL{half_up(ft / 100):03d}"


@pytest.mark.parametrize("nm", [0, 0.04, 0.05, 1, 4.5, 9.94, 9.95, 9.96, 10, 10.5, 135.2, 1234])
def test_distances_in_nautical_miles(words: Words, nm: float) -> None:
    metres = nm * M_PER_NM
    tenths = half_up(nm * 10) / 10
    expected = f"{tenths:.1f} NM" if tenths < 10 else f"{half_up(nm):,} NM"
    assert words("fmtDistanceNM", metres) == expected
    assert words("fmtDistanceNM", -metres) == expected


@pytest.mark.parametrize(
    ("props", "text"),
    [
        (
            {"fl_lower": 150.0, "fl_upper": 300.0, "lower_m": 4572.0, "upper_m": 9144.0},
            "FL150–FL300",
        ),
        ({"fl_lower": 50.0, "fl_upper": 200.0}, "FL050–FL200"),
        ({"alt_lower_ft": 0.0, "alt_upper_ft": 2500.0, "lower_m": 0.0}, "surface to 2,500 ft"),
        ({"alt_lower_ft": 500.0, "alt_upper_ft": 3000.0}, "500–3,000 ft"),
        (
            {"depth_min_m": 0.0, "depth_max_m": 10.0, "lower_m": -10.0, "upper_m": -0.0},
            "surface to 10 m deep",
        ),
        ({"depth_min_m": 60.0, "depth_max_m": 250.0}, "60–250 m deep"),
        # filed without a band: the whole range (model/limits.py FULL_BAND_M)
        ({"lower_m": -11000.0, "upper_m": 200_000 * M_PER_FT}, "all heights and depths"),
        # only metres: feet for air, depth for sea, never "-0"
        ({"domain": "air", "lower_m": 152.4, "upper_m": 914.4000000000001}, "500–3,000 ft"),
        ({"domain": "sea", "lower_m": -20.0, "upper_m": -0.0}, "surface to 20 m deep"),
        ({}, "—"),
    ],
)
def test_bands_in_the_unit_they_were_filed_in(
    words: Words, props: dict[str, Any], text: str
) -> None:
    assert words("fmtBandAsFiled", props) == text


AGREEMENT = {"parties": [{"id": "base", "name": "Khmeimim"}, {"id": "command", "name": "Command"}]}
NOTICE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [35.0, 35.0]},
    "properties": {
        "domain": "sea", "shape": "circle", "radius_m": 9000.0, "depth_min_m": 0.0,
        "depth_max_m": 30.0, "lower_m": -30.0, "upper_m": -0.0,
        "start": "2026-12-07T07:54:49Z", "end": "2026-12-07T11:54:49Z",
        "purpose": "Naval exercise", "callsign": "TG 9", "id": "n-483be04b13415b1e",
        "party": "command", "version": 1, "status": "submitted",
        "filed_at": "2026-12-07T04:54:48.810796Z", "created_at": "2026-12-07T04:54:48.810796Z",
        "cancelled_at": None,
    },
}  # fmt: skip
ASSET = {
    "type": "Feature",
    "geometry": {"type": "Polygon", "coordinates": [[[35, 34], [35.1, 34], [35, 34.1], [35, 34]]]},
    "properties": {
        "kind": "zone", "name": "Standing air training zone", "shape": "polygon",
        "fl_lower": 150.0, "fl_upper": 350.0, "lower_m": 4572.0, "upper_m": 10668.0,
        "start": None, "end": None, "id": "a-ca1cc3a2d66d0f46", "party": "command",
        "created_at": "2026-12-07T04:54:48.753411Z", "retired_at": None,
    },
}  # fmt: skip
CONFLICT = {
    "a_kind": "notice", "a_id": "n-483be04b13415b1e", "a_version": 1, "b_kind": "asset",
    "b_id": "a-ca1cc3a2d66d0f46", "b_version": 1, "a_party": "command", "b_party": "base",
    "severity": "minor", "parties": ["base", "command"],
    "window_start": "2026-12-07T10:04:49Z", "window_end": "2026-12-07T10:14:49Z",
    "time_gap_s": 600.0, "horizontal_distance_m": 8267.03, "horizontal_minimum_m": 9260.0,
    "vertical_gap_m": 0.0, "vertical_minimum_m": 304.8, "worst_lon": 35.95, "worst_lat": 35.4,
    "id": 5, "detected_at": 1796619288.789645, "closed_at": None, "closed_reason": None,
}  # fmt: skip


def test_popups_say_names_and_units_never_fields(words: Words) -> None:
    now = 1_796_619_300_000
    names = {"agreement": AGREEMENT, "notices": [NOTICE], "assets": [ASSET]}
    text = words.ask(popup="noticePopup", args=[NOTICE, True, "$names", now], names=names)
    plain = re.sub(r"<[^>]+>", " ", text)
    assert "TG 9" in plain and "Command" in plain and "surface to 30 m deep" in plain
    assert "radius 4.9 NM" in plain and "starts in 3 h 00 min" in plain
    assert "04:54 UTC (11 s ago)" in plain
    assert not RAW.findall(plain), RAW.findall(plain)

    text = words.ask(popup="conflictPopup", args=[CONFLICT, "$names", now], names=names)
    plain = re.sub(r"<[^>]+>", " ", text)
    assert "TG 9" in plain and "Standing air training zone" in plain
    assert "4.5 NM (minimum 5.0 NM)" in plain and "35°24′N 035°57′E" in plain
    assert "10 min apart" in plain
    assert not RAW.findall(plain), RAW.findall(plain)

    text = words.ask(popup="assetPopup", args=[ASSET, "$names", now], names=names)
    plain = re.sub(r"<[^>]+>", " ", text)
    assert "Standing air training zone" in plain and "FL150–FL350" in plain
    assert not RAW.findall(plain), RAW.findall(plain)


# ---- the same words in Russian and Hebrew (the catalogues static/i18n/{ru,he}.json) -------
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"  # Unicode isolates (UAX #9): values keep LTR
ALERT = {
    "kind": "cpa", "severity": "critical", "track_ids": ["t-1", "t-2"],
    "cpa_distance_m": 3000.0, "raised_at": "2026-12-07T04:50:00Z", "lat": 35.0, "lon": 35.0,
    "corroborated": False,
}  # fmt: skip
ENGLISH_ROWS = {"Activity", "When", "Status", "Levels", "Size", "Filed", "In time", "Closest"}


@contextmanager
def language(words: Words, lang: str) -> Iterator[None]:
    assert words.ask(lang=lang) == lang
    try:
        yield
    finally:
        assert words.ask(lang="en") == "en"


def rows(html: str) -> list[str]:
    return re.findall(r"<th>([^<]*)</th>", html)


def test_words_in_russian(words: Words) -> None:
    now = 1_796_619_300_000
    names = {"agreement": AGREEMENT, "notices": [NOTICE], "assets": [ASSET]}
    with language(words, "ru"):
        assert words("fmtRelative", now + 23 * 60_000, now) == "через 23 мин"
        assert words("fmtRelative", now - 12 * 60_000, now) == "12 мин назад"
        assert words("fmtRelative", now + 3_900_000, now) == "через 1 ч 05 мин"
        assert words("fmtRelative", now, now) == "сейчас"
        assert words("fmtMinutes", 45) == "45 с"
        sea = {"domain": "sea", "lower_m": -20.0, "upper_m": -0.0}
        assert words("fmtBandAsFiled", sea) == "от поверхности до глубины 20 m"
        assert (
            words("fmtBandAsFiled", {"depth_min_m": 60.0, "depth_max_m": 250.0})
            == "на глубине 60–250 m"
        )
        full = {"lower_m": -11000.0, "upper_m": 200_000 * M_PER_FT}
        assert words("fmtBandAsFiled", full) == "все высоты и глубины"
        assert words("fmtBandAsFiled", {"fl_lower": 150.0, "fl_upper": 300.0}) == "FL150–FL300"
        assert words("alertKind", "cpa") == "опасное сближение"
        text = words.ask(popup="noticePopup", args=[NOTICE, True, "$names", now], names=names)
        assert rows(text)[:2] == ["Деятельность", "Когда"] and not ENGLISH_ROWS & set(rows(text))
        assert "начало через 3 ч 00 мин" in text and "04:54 UTC (11 с назад)" in text
        assert "от поверхности до глубины 30 m" in text and "радиус 4.9 NM" in text
        text = words.ask(popup="conflictPopup", args=[CONFLICT, "$names", now], names=names)
        assert "Конфликт #5, степень: низкая" in text and "4.5 NM (минимум 5.0 NM)" in text
        assert "интервал 10 мин" in text and not ENGLISH_ROWS & set(rows(text))
        text = words.ask(popup="alertPopup", args=[ALERT, "$names", now], names=names)
        assert "теряют интервал: минимальное расстояние 1.6 NM" in text
        assert "не всеми сторонами" in text and "04:50 UTC (5 мин назад)" in text
        assert LRI not in text and FSI not in text  # isolates only in right-to-left text


def test_words_in_hebrew_keep_values_left_to_right(words: Words) -> None:
    now = 1_796_619_300_000
    names = {"agreement": AGREEMENT, "notices": [NOTICE], "assets": [ASSET]}
    with language(words, "he"):
        assert words("fmtRelative", now + 23 * 60_000, now) == "בעוד 23 דק׳"
        assert words("fmtRelative", now - 12 * 60_000, now) == "לפני 12 דק׳"
        assert words("fmtRelative", now + 48 * 3600_000, now) == "בעוד 2 ימים"
        # a number with its unit isolated left to right inside the Hebrew sentence
        sea = {"domain": "sea", "lower_m": -20.0, "upper_m": -0.0}
        assert words("fmtBandAsFiled", sea) == f"מפני המים עד עומק {LRI}20 m{PDI}"
        air = {"alt_lower_ft": 0.0, "alt_upper_ft": 2500.0}
        assert words("fmtBandAsFiled", air) == f"מפני השטח עד {LRI}2,500 ft{PDI}"
        assert (
            words("fmtBandAsFiled", {"fl_lower": 150.0, "fl_upper": 300.0})
            == f"{LRI}FL150–FL300{PDI}"
        )
        assert words("fmtDistanceNM", 4.5 * M_PER_NM) == f"{LRI}4.5 NM{PDI}"
        assert words("fmtWhen", "2026-12-07T05:18:00Z", now) == f"{LRI}05:18 UTC{PDI} (בעוד 23 דק׳)"
        text = words.ask(popup="noticePopup", args=[NOTICE, True, "$names", now], names=names)
        assert rows(text)[:2] == ["פעילות", "מתי"] and not ENGLISH_ROWS & set(rows(text))
        assert "מתחיל בעוד 3 שע׳ 00 דק׳" in text and f"{FSI}TG 9{PDI}" in text
        text = words.ask(popup="alertPopup", args=[ALERT, "$names", now], names=names)
        plain = re.sub(r"<[^>]+>|[\u2066-\u2069]", "", text)
        assert "התרעת התקרבות מסוכנת, דרגה: קריטית" in plain and "לא על ידי כל הצדדים" in plain
    assert words("fmtRelative", now + 23 * 60_000, now) == "in 23 min"  # English again
