"""Each party's colour wherever interlock draws outside the page (KML, the after-action
report): the map page's palette (web/static/js/layers.js `PALETTE`, the rule; a test holds
this copy to it), by the agreement's party order, so a party looks the same everywhere."""

from __future__ import annotations

from collections.abc import Sequence

PALETTE = ("#1f6fd1", "#e07b00", "#2a9d4b", "#8e44ad", "#c2185b", "#00838f")


def party_colours(parties: Sequence[str]) -> dict[str, str]:
    """Party id -> colour, in the agreement's order (the palette repeats past six)."""
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(parties)}
