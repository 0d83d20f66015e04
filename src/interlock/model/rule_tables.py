"""Reading an agreement table of bounded numbers (`[history]`, `[advice]`): one way to
refuse an unknown key, a non-number, or a value out of its bounds, naming the field."""

from __future__ import annotations

import math
from typing import Any

from ..errors import InvalidInput


def numbers_table(
    data: dict[str, Any],
    section: str,
    bounds: dict[str, tuple[float, float]],
    defaults: Any,
    whole: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The table's values (the defaults' where absent), each within its (lo, hi) bounds;
    the keys in `whole` as ints. Absent table: the defaults."""
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise InvalidInput("must be a table", field=section)
    unknown = set(table) - set(bounds)
    if unknown:
        raise InvalidInput(f"unknown key {sorted(unknown)[0]!r}", field=section)
    values: dict[str, Any] = {}
    for key, (lo, hi) in bounds.items():
        value = table.get(key, getattr(defaults, key))
        where = f"{section}.{key}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput("must be a number", field=where)
        if not math.isfinite(value) or not lo <= value <= hi:
            raise InvalidInput(f"must be from {lo:g} to {hi:g}", field=where)
        if key in whole:
            if value != int(value):
                raise InvalidInput("must be a whole number", field=where)
            values[key] = int(value)
        else:
            values[key] = float(value)
    return values
