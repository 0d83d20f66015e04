"""Value limits: the largest and smallest values interlock accepts, in one place.

Each limit names why it is where it is. Limits that the parties may set (largest area,
longest notice) are the agreement's (``Rules``); these are the physical bounds every
agreement shares.
"""

from __future__ import annotations

from ..geo.units import M_PER_FT

# Altitudes (ft AMSL), of declared bands and of reported tracks alike. Top: 200,000 ft
# (61 km), above any airspace use an agreement covers (balloons fly to ~130,000 ft; the
# Kármán line is at 328,000 ft). Bottom: -2,000 ft: below-sea-level airfields (Dead Sea
# area, -1,240 ft) with barometric error.
MAX_ALT_FT = 200_000.0
MIN_ALT_FT = -2_000.0
MAX_DEPTH_M = 11_000.0  # the deepest ocean (Challenger Deep, 10,935 m)

# A protected asset declared without a band is kept clear from the sea floor to the top
# of any airspace (metres).
FULL_BAND_M = (-MAX_DEPTH_M, MAX_ALT_FT * M_PER_FT)
