"""Detection tests share the independent geodesic truth and area generators of tests/geo."""

from __future__ import annotations

import sys
from pathlib import Path

_GEO_HELPERS = str(Path(__file__).resolve().parent.parent / "geo")
if _GEO_HELPERS not in sys.path:
    sys.path.insert(0, _GEO_HELPERS)
