"""The report page: one self-contained HTML file (inline CSS and SVG, system fonts, no
script, no external reference), printable to PDF as it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
  color: #1b1f24; margin: 0 auto; max-width: 1000px; font-size: 13px; line-height: 1.35; }
h1 { font-size: 22px; margin: 14px 0 4px; }
h2 { font-size: 16px; margin: 18px 0 6px; border-bottom: 2px solid #1b1f24; padding-bottom: 2px;
  break-after: avoid; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.meta dt { font-weight: 600; color: #444; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.note { color: #555; font-size: 12px; }
.legend span { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px;
  margin-right: 4px; border: 1px solid #0003; }
figure { margin: 6px 0; break-inside: avoid; }
table { border-collapse: collapse; width: 100%; font-size: 11px; table-layout: fixed; }
.proof { color: #555; font-size: 9.5px; margin-top: 1px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
tr { break-inside: avoid; }
.mono { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 8.5px;
  word-break: break-all; }
.bad { color: #c62828; font-weight: 600; }
.ok { color: #2a7d2a; }
section { break-inside: auto; }
"""


@dataclass
class Row:
    seq: int
    time: str
    kind: str
    summary: str
    hash: str
    signer: str
    signature: str


def _dl(items: Sequence[tuple[str, str]]) -> str:
    return (
        '<dl class="meta">'
        + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
        + "</dl>"
    )


def page(
    *,
    title: str,
    header: Sequence[tuple[str, str]],
    legend: Sequence[tuple[str, str]],
    map_svg: str,
    map_note: str,
    timeline_svg: str,
    timeline_note: str,
    rows: Sequence[Row],
    evidence: Sequence[tuple[str, str]],
) -> str:
    """The whole document."""
    legend_html = "".join(
        f'<span><i class="swatch" style="background:{escape(c)}"></i>{escape(n)}</span>'
        for n, c in legend
    )
    # Four columns, the hash and the signature under the summary: a row is about three
    # lines, so a long report prints on half the pages (Chromium's time grows with them).
    body_rows = "".join(
        f"<tr><td>{r.seq}</td><td>{escape(r.time)}</td><td>{escape(r.kind)}</td>"
        f"<td>{escape(r.summary)}<div class=proof>hash <span class=mono>{escape(r.hash)}"
        f"</span><br>{escape(r.signer)}"
        + (f": <span class=mono>{escape(r.signature)}</span>" if r.signature else "")
        + "</div></td></tr>"
        for r in rows
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
{_dl(header)}
<section><h2>Map</h2>
<p class="legend">{legend_html}</p>
<figure>{map_svg}</figure>
<p class="note">{escape(map_note)}</p></section>
<section><h2>Timeline</h2>
<figure>{timeline_svg}</figure>
<p class="note">{escape(timeline_note)}</p></section>
<section><h2>Ledger entries</h2>
<table><colgroup><col style="width:5%"><col style="width:11%"><col style="width:10%"><col>
</colgroup><thead><tr><th>seq</th><th>time (UTC)</th><th>kind</th>
<th>what; the entry's hash (SHA-256); who signed it, and the signature</th></tr></thead>
<tbody>{body_rows}</tbody></table></section>
<section><h2>Where the evidence is</h2>
{_dl(evidence)}</section>
</body></html>
"""
