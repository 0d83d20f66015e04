"""Rules both air feeds share (BaseStation/SBS and raw Mode S): one owner for each."""

from __future__ import annotations

# Aircraft identification (callsign): up to 8 characters from A-Z, 0-9 and space
# (ICAO Annex 10 Vol IV 3.1.2.9; the 6-bit character set of RTCA DO-260B 2.2.3.2.5).
CALLSIGN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")
CALLSIGN_MAX = 8


def callsign_ok(text: str) -> bool:
    """Whether an upper-cased, stripped callsign is one ICAO allows."""
    return len(text) <= CALLSIGN_MAX and CALLSIGN_CHARS.issuperset(text)
