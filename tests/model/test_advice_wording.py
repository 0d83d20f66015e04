"""Advice in the officer's words (model.wording): one home for the API's summaries and
the CLI's table."""

from __future__ import annotations

from interlock.model.wording import advice_change


def test_each_change_in_words() -> None:
    """What each kind of advice changes, in words, from the API's numbers (the sea's shift
    is + up): the head of the API's summaries and the CLI's "change" column."""

    nm = 1852.0
    cases = [
        ({"delay_s": 11_700.0}, "delay 3 h 15 min"),
        ({"advance_s": 2_730.0}, "advance 45 min 30 s"),
        ({"shift_ft": 16_000.0}, "up 16,000 ft"),
        ({"shift_ft": -1_000.0}, "down 1,000 ft"),
        ({"shift_m": 3.0}, "3 m shallower"),
        ({"shift_m": -12.0}, "12 m deeper"),
        ({"bearing_deg": 265.0, "distance_nm": 5.9}, "move 5.9 NM on 265°"),
        ({"bearing_deg": 5.0, "distance_nm": 0.1}, "move 0.1 NM on 005°"),
        (
            {"width": "radius", "from_m": 20 * nm, "to_m": 9.1 * nm, "narrowed_nm": 10.9},
            "radius 20.0 → 9.1 NM",
        ),
        ({"kept_fraction": 0.78, "area_km2": 984.2}, "keep 78 % (984 km²)"),
        ({"kept_fraction": 0.0006, "area_km2": 0.52}, "keep 0.06 % (0.52 km²)"),  # not 0 %
    ]
    for change, words in cases:
        assert advice_change("x", change) == words
