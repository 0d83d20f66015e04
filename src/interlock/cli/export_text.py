"""`interlock export --format notam|navarea|csv`: the field's text formats from a
server, as the calling party may see them.

- notam: each air notice as ICAO NOTAM text (GET /notices/{id}.notam);
- navarea: each sea notice as a NAVAREA warning (GET /notices/{id}.navarea);
- csv: conflicts or alerts, one row each (GET /export.csv?what=).

Without --notice, every air (notam) or sea (navarea) notice not yet ended or cancelled.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .common import Api, fail
from .names import NOTICE_LIMIT
from .notices import _notice_id

TEXT_FORMATS = ("notam", "navarea", "csv")
DOMAIN_OF = {"notam": "air", "navarea": "sea"}
CSV_WHAT = ("conflicts", "alerts")  # service.text_formats.CSV_WHAT, checked by the server too


def notice_texts(api: Api, fmt: str, notices: list[str]) -> str:
    """NOTAM or NAVAREA text of each notice (ids or unique prefixes), a blank line apart;
    none given: every air (notam) or sea (navarea) notice still to come or under way."""
    if notices:
        ids = [_notice_id(api, n, "--notice") for n in notices]
    else:
        ids = []
        for status in ("submitted", "active"):
            fc: dict[str, Any] = api.call(
                "GET",
                "/notices",
                params={"domain": DOMAIN_OF[fmt], "status": status, "limit": NOTICE_LIMIT},
            )
            ids += [f["properties"]["id"] for f in fc["features"]]
    return "\n".join(api.text(f"/notices/{i}.{fmt}") for i in ids)


def csv_text(api: Api, what: str) -> str:
    """Conflicts or alerts as CSV."""
    if what not in CSV_WHAT:
        fail(f"--what: must be one of {', '.join(CSV_WHAT)}")
    return api.text("/export.csv", {"what": what})


def export_text(api: Api, fmt: str, notices: list[str], what: str) -> str:
    """The text of one of TEXT_FORMATS (what `interlock export --format` prints)."""
    if fmt not in TEXT_FORMATS:
        fail(f"--format: must be one of {', '.join(TEXT_FORMATS)}")
    if fmt == "csv":
        if notices:
            fail("--notice: a CSV lists conflicts or alerts (--what), not notices")
        return csv_text(api, what)
    return notice_texts(api, fmt, notices)


def write(text: str, out: Path | None) -> None:
    """To the file (CSV with its CRLF rows kept) or standard output."""
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        fail(f"--out: cannot write {out}: {exc.strerror}")
