"""Checks of numbers in input documents, shared by every parser (one message each)."""

from __future__ import annotations

import math
from typing import Any

from .errors import InvalidInput


def number(
    props: dict[str, Any],
    key: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    positive: bool = False,
    where: str = "properties",
) -> float:
    """A required finite number (not a bool, not a string) within [lo, hi]; > 0 if positive."""
    field = f"{where}.{key}"
    value = props.get(key)
    if value is None:
        raise InvalidInput("required", field=field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("must be a number", field=field)
    value = float(value)
    if not math.isfinite(value):
        raise InvalidInput("must be finite", field=field)
    if positive and value <= 0:
        raise InvalidInput("must be > 0", field=field)
    if lo is not None and value < lo:
        raise InvalidInput(f"must be >= {lo:g}", field=field)
    if hi is not None and value > hi:
        raise InvalidInput(f"must be <= {hi:g}", field=field)
    return value
