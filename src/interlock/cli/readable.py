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
from pathlib import Path
from typing import NoReturn

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from ..model.wording import (  # noqa: F401  (re-exported: the CLI's one import)
    band,
    feet,
    hhmm,
    metres,
    nm,
    position,
    relative,
    window,
)
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
