"""The electromagnetic arena's pure core: does one party's emission degrade another party's
protected receiver (I/N above its criterion), when, by how much, and what would clear it.

No I/O: plain numbers and numpy arrays in, conflicts and timelines out. ``propagation``
(ITU-R P.525 / P.526 / P.2108), ``antenna`` (patterns), ``interference`` (the vectorised
detector), ``reference`` (the per-pair loop the detector is checked against), ``advice``
(largest EIRP, nearest clearing frequency, move list).
"""
