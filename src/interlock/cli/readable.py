"""What a watch officer reads in a terminal: one home for how the CLI shows ids, times,
bands, positions and distances, and for tables that fit the terminal's width.

- Ids are shown as their shortest prefix (at least MIN_PREFIX characters) unique among
  what is shown, as git shows commits; `resolve` takes such a prefix back to one id.
- Times are UTC to the minute: `HH:MM` today, with the date on another day.
- Bands are shown as filed: flight levels or feet for air, depth in metres for sea.
- Positions as degrees and decimal minutes (34°14.4′N 035°06.0′E), distances in NM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from ..geo.units import M_PER_FT, M_PER_NM
from .common import EXIT_ERROR, err_console

MIN_PREFIX = 6  # characters an id prefix shows at least ("n-1a74"), like git's short ids
MAX_CANDIDATES = 10  # an ambiguous prefix lists at most this many of the ids it matches
ELLIPSIS = "…"
COLUMN_GAP = 1  # spaces between two columns of a `fit_table`
MIN_ELASTIC = 8  # an elastic column never narrower than this (its text is cut with …)


# ---- ids ----------------------------------------------------------------------------------


def short_ids(ids: Iterable[str]) -> dict[str, str]:
    """Each id's shortest prefix of at least MIN_PREFIX characters that no other id in
    `ids` starts with (the whole id when no shorter one is unique)."""
    unique = sorted(set(ids))
    out: dict[str, str] = {}
    for i, ident in enumerate(unique):
        need = MIN_PREFIX
        for j in (i - 1, i + 1):  # in sorted order, the longest shared prefix is a neighbour
            if 0 <= j < len(unique):
                other = unique[j]
                common = 0
                while common < min(len(ident), len(other)) and ident[common] == other[common]:
                    common += 1
                need = max(need, common + 1)
        out[ident] = ident[: min(need, len(ident))]
    return out


def _refuse(message: str) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(EXIT_ERROR)


def resolve(prefix: str, candidates: Iterable[str], argument: str, what: str) -> str:
    """The one id among `candidates` that is `prefix` or starts with it; exit 2 naming
    `argument` when none does or several do (listing them)."""
    pool = sorted(set(candidates))
    if prefix in pool:
        return prefix
    found = [c for c in pool if prefix and c.startswith(prefix)]
    if len(found) == 1:
        return found[0]
    if not found:
        _refuse(f"{argument}: no {what} you may see matches {prefix!r}")
    listed = ", ".join(found[:MAX_CANDIDATES])
    more = f" and {len(found) - MAX_CANDIDATES} more" if len(found) > MAX_CANDIDATES else ""
    _refuse(f"{argument}: {prefix!r} is ambiguous, it matches {len(found)} {what}s: {listed}{more}")


def dir_first(first: str, second: str, command: str, other: str) -> tuple[Path, str]:
    """A DIR command's arguments, the deployment directory first (as `audit export DIR
    FILE`); the old order (DIR last) is accepted for one release, with a warning on
    stderr, when only the last argument is an existing directory."""
    if Path(first).is_dir():
        return Path(first), second
    if Path(second).is_dir():
        err_console.print(
            f"warning: `{command} {other} DIR` is the old order; give the directory "
            f"first: `{command} DIR {other}` (the old order goes in the next release)",
            highlight=False,
            markup=False,
        )
        return Path(second), first
    _refuse(f"DIR: {first!r} is not a deployment directory (`{command} DIR {other}`)")


# ---- times --------------------------------------------------------------------------------


def _utc(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def hhmm(value: str | datetime, now: datetime, *, seconds: bool = False) -> str:
    """UTC to the minute: '14:05' today, '08 Dec 14:05' on another day (and the year
    when it is not this year's); to the second (a record's times) with `seconds`."""
    t, today = _utc(value), now.astimezone(UTC)
    clock = f"{t:%H:%M:%S}" if seconds else f"{t:%H:%M}"
    if t.date() == today.date():
        return clock
    if t.year == today.year:
        return f"{t:%d %b} {clock}"
    return f"{t:%Y-%m-%d} {clock}"


def window(start: str | datetime, end: str | datetime, now: datetime) -> str:
    """'14:05–16:05' (the end '+N' when it falls N days after the start)."""
    s, e = _utc(start), _utc(end)
    days = (e.date() - s.date()).days
    return f"{hhmm(s, now)}–{e:%H:%M}" + (f"+{days}" if days else "")


def relative(value: str | datetime, now: datetime) -> str:
    """'in 23 min', '12 min ago', 'in 2 h 05 min', 'now' (within half a minute)."""
    seconds = (_utc(value) - now.astimezone(UTC)).total_seconds()
    minutes = round(abs(seconds) / 60)
    if minutes == 0:
        return "now"
    if minutes < 60:
        span = f"{minutes} min"
    elif minutes < 48 * 60:
        span = f"{minutes // 60} h {minutes % 60:02d} min"
    else:
        span = f"{minutes // (24 * 60)} d"
    return f"in {span}" if seconds > 0 else f"{span} ago"


# ---- numbers ------------------------------------------------------------------------------


def _n(value: float, digits: int = 0) -> str:
    """Thousands separated, never '-0'."""
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def band(props: dict[str, Any]) -> str:
    """A notice's or asset's vertical band in the units it was filed in."""
    if "fl_lower" in props:
        return f"FL{props['fl_lower']:03.0f}–{props['fl_upper']:03.0f}"
    if "alt_lower_ft" in props:
        return f"{_n(props['alt_lower_ft'])}–{_n(props['alt_upper_ft'])} ft"
    if "depth_min_m" in props:
        return f"{_n(props['depth_min_m'])}–{_n(props['depth_max_m'])} m deep"
    if "centre_freq_mhz" in props:
        return f"{props['centre_freq_mhz']:g} MHz"
    if "lower_m" in props:
        return f"{_n(props['lower_m'])}–{_n(props['upper_m'])} m"
    return "-"


def nm(metres: float) -> str:
    """A distance in nautical miles (M_PER_NM, ICAO Annex 5): one decimal under 100."""
    miles = metres / M_PER_NM
    return _n(miles, 1 if miles < 100 else 0)


def feet(metres: float) -> str:
    return _n(metres / M_PER_FT)


def metres(value: float) -> str:
    return _n(value)


def position(lat: float, lon: float) -> str:
    """Degrees and decimal minutes: '34°14.4′N 035°06.0′E'."""

    def one(value: float, width: int, hemispheres: str) -> str:
        tenths = round(abs(value) * 600)  # tenths of a minute, so 59.96′ carries a degree
        deg, rest = divmod(tenths, 600)
        side = hemispheres[0] if value >= 0 else hemispheres[1]
        return f"{deg:0{width}d}°{rest // 10:02d}.{rest % 10}′{side}"

    return f"{one(lat, 2, 'NS')} {one(lon, 3, 'EW')}"


def clip(text: str, width: int) -> str:
    """One line of `text`, cut to `width` characters with … when longer."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: max(width - 1, 0)] + ELLIPSIS


# ---- tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """A column of a `fit_table`: fixed ones are kept whole (ids, times, numbers); the
    elastic ones (names, subjects) share what is left, cut with … and never wrapped."""

    header: str
    elastic: bool = False
    right: bool = False


def _cells(value: str) -> int:
    return max((Text.from_markup(line).cell_len for line in value.splitlines()), default=0)


def fit_table(title: str, cols: Sequence[Col], rows: Sequence[Sequence[str]], width: int) -> Table:
    """A table `width` cells wide at most: fixed columns as wide as their widest cell,
    elastic columns sharing the rest (each at least MIN_ELASTIC, at most its widest)."""
    widest = [max([len(c.header), *(_cells(r[i]) for r in rows)]) for i, c in enumerate(cols)]
    fixed = sum(w for w, c in zip(widest, cols, strict=True) if not c.elastic)
    elastic = [i for i, c in enumerate(cols) if c.elastic]
    left = width - fixed - COLUMN_GAP * (len(cols) - 1)
    widths = list(widest)
    # Share what is left: the narrowest wants first, each gets at most an even share.
    for n, i in enumerate(sorted(elastic, key=lambda i: widest[i])):
        share = max(MIN_ELASTIC, left // (len(elastic) - n))
        widths[i] = min(widest[i], share)
        left -= widths[i]
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0, 0, 0),
        collapse_padding=True,
    )
    for c, w in zip(cols, widths, strict=True):
        table.add_column(
            c.header,
            justify="right" if c.right else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=w,
        )
    for r in rows:
        table.add_row(*r)
    return table
