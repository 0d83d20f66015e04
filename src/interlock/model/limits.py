"""Value limits: the largest and smallest values interlock accepts, in one place.

Each limit names why it is where it is. Limits that the parties may set (largest area,
longest notice) are the agreement's (``Rules``); these are the physical bounds every
agreement shares.
"""

from __future__ import annotations

from datetime import UTC, datetime

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

# Times any party may send (a notice's or asset's start and end, query parameters): from
# the Unix epoch, which the ledger and store count seconds from, to the start of 2200,
# beyond any activity an agreement plans (ASTM F3548-21 bounds an operational intent at
# 30 days ahead; the agreement's planning horizon is [rules] planning_horizon_days).
# LATEST is excluded: 2199-12-31T23:59:59Z is accepted, 2200-01-01T00:00Z refused. Every
# time inside fits datetime's years 1-9999 at any UTC offset, and the candidate index's
# float32 minutes (8 min apart near 2200, rounded outwards). Standing assets, with no
# start or end, are in force over this whole window.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# Notices filed at once (POST /notices/collection): all in one transaction, which holds
# the write lock every other party's write waits behind, so the batch is bounded. 500 is
# above a day's tasking order of a theatre (a few hundred sorties) and keeps the lock to
# seconds; the request body cap (api.app.MAX_BODY_BYTES, 1 MB) bounds it too.
MAX_COLLECTION_FEATURES = 500
