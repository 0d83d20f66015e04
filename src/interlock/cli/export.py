"""`interlock export` and `interlock notice import`: the field's formats over the API.

FORMATS names each document format's routes (the whole picture, one notice); the text
formats (ICAO NOTAM, NAVAREA, CSV) are `cli/export_text.py`'s. IMPORTS maps file extensions to the
import formats POST /notices/import reads.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from ..formats.kml import MAX_KML_BYTES
from .common import Api, console, fail, reported_errors, token_option, url_option
from .export_text import TEXT_FORMATS, export_text, write
from .notices import _notice_id, print_filed

# format -> (GET path of everything you may see, GET path of one notice: "{id}" filled in)
FORMATS: dict[str, tuple[str, str]] = {
    "kml": ("/export.kml", "/notices/{id}.kml"),
    "f3548": ("/export.f3548", "/notices/{id}.f3548"),
}
IMPORTS: dict[str, str] = {
    ".kml": "kml",
    ".f3548": "f3548",
    ".json": "f3548",
    ".notam": "notam",
    ".txt": "notam",
}
MEDIA = {
    "kml": "application/vnd.google-earth.kml+xml",
    "f3548": "application/json",
    "notam": "text/plain",
}


def export(
    fmt: str = typer.Option(..., "--format", help=f"one of {', '.join([*FORMATS, *TEXT_FORMATS])}"),
    notice: list[str] = typer.Option(
        [], "--notice", help="a notice (an id or prefix; repeatable for notam and navarea)"
    ),
    what: str = typer.Option("conflicts", "--what", help="csv: conflicts or alerts"),
    out: Path | None = typer.Option(None, "--out", help="write here (default: stdout)"),
    start: str | None = typer.Option(None, "--from", help="overlapping from (ISO 8601)"),
    end: str | None = typer.Option(None, "--to", help="overlapping until (ISO 8601)"),
    bbox: str | None = typer.Option(None, help="min_lon,min_lat,max_lon,max_lat"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Export what your party may see: KML (Google Earth: notices, assets, hazards,
    conflicts, track trails, with time spans), ASTM F3548 operational intents (JSON),
    ICAO NOTAM text (air notices), NAVAREA warnings (sea notices), or CSV of conflicts
    or alerts (--what)."""
    if fmt in TEXT_FORMATS:
        with reported_errors():
            write(export_text(Api(url, token), fmt, notice, what), out)
        return
    if fmt not in FORMATS:
        fail(f"--format: must be one of {', '.join([*FORMATS, *TEXT_FORMATS])}")
    if len(notice) > 1:
        fail(f"--notice: {fmt} exports one notice or everything you may see")
    everything, one = FORMATS[fmt]
    with reported_errors():
        api = Api(url, token)
        if notice:
            text = api.text(one.format(id=_notice_id(api, notice[0], "--notice")), {})
        else:
            params = {k: v for k, v in {"from": start, "to": end, "bbox": bbox}.items() if v}
            text = api.text(everything, params)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    console.print(f"wrote {out} ({len(text.encode()):,} bytes, {fmt})")


def import_file(
    file: Path = typer.Argument(
        ..., help="a .kml file, ASTM F3548 intents (.json) or ICAO NOTAM text (.notam, .txt)"
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="kml, f3548 or notam (default: by extension)"
    ),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """File the notices a KML file or F3548 operational intents declare, all or nothing
    (as `notice submit` files a FeatureCollection). The server refuses what a notice
    cannot be (no band, no time window, a Point...) naming the placemark or volume: exit 2."""
    if fmt is None:
        if file.suffix.lower() == ".kmz":
            fail(f"{file}: KMZ is a zip; unzip it and import its doc.kml")
        fmt = IMPORTS.get(file.suffix.lower())
        formats = "|".join(MEDIA)
        if fmt is None:
            fail(f"{file}: cannot tell the format from {file.suffix!r}; pass --format {formats}")
    if fmt not in MEDIA:
        fail(f"--format: must be one of {', '.join(MEDIA)}")
    try:
        size = file.stat().st_size
        if size > MAX_KML_BYTES:
            fail(f"{file}: {size:,} bytes; at most {MAX_KML_BYTES:,} are read")
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    with reported_errors():
        api = Api(url, token)
        result: Any = api.call(
            "POST",
            "/notices/import",
            params={"format": fmt},
            content=data,
            headers={"Content-Type": MEDIA[fmt]},
        )
    print_filed(result["results"])
