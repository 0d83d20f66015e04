"""`interlock report`: the after-action report and its evidence bundle, as one party.

It runs as a party against the server (URL and token as every other command), so it
shows only what that party may see. Into DIR it writes `report.html` (self-contained: a
map, a timeline plot, the ledger entries with their hashes and signatures), `bundle.json`
(those entries as served, each with its inclusion proof against the latest signed
checkpoint: `interlock audit verify --bundle` checks it offline) and `report.pdf`
(the HTML printed by a headless Chromium).

Exit 0: all three written; 1: the entries served are not the log the server signed (their
Merkle root), or a proof it gives disagrees with them (nothing written); 2: bad input or
the server refused (nothing written); 3: the HTML and the bundle written, the PDF not (no
Chromium found, or it failed or timed out: the reason is printed).
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import typer

from ..codec.keys import key_id
from ..errors import InterlockError
from ..formats.palette import party_colours
from ..geo.shapes import Area
from ..ledger.bundle import make_bundle
from ..model.message import SYSTEM, message_view
from ..model.timeutil import iso, parse_utc
from . import report_svg as svg
from . import report_trails
from .common import (
    ExitCode,
    console,
    fail,
    party_client,
    party_option,
    reported_errors,
    token_option,
    url_option,
)
from .report_data import (
    ALERT_AFTER,
    ALERT_LOOKBACK,
    ReportData,
    Subject,
    ViewMismatch,
    alert_of,
    at,
    inclusion_proofs,
    involved_notices,
    notice_versions,
    polite,
    read_ledger,
    readable,
    select,
)
from .report_html import Row, page
from .report_words import Namer, utc

EXIT_NO_PDF = ExitCode.UNDECIDED  # the HTML and bundle written, the PDF not: reason printed
PDF_TIMEOUT_S = 60.0  # Chromium printing one report; measured ~1 s here (bench/report.py)
CHROMIUM_ENV = ("INTERLOCK_CHROMIUM", "CHROME")  # where to find it, before PATH
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
HTML_FILE, BUNDLE_FILE, PDF_FILE = "report.html", "bundle.json", "report.pdf"


def report(
    out: Path = typer.Option(..., "--out", help="the directory to write the report into"),
    notice: str | None = typer.Option(None, "--notice", help="a notice id (or unique prefix)"),
    conflict: int | None = typer.Option(None, "--conflict", min=1, help="a conflict number"),
    alert: str | None = typer.Option(None, "--alert", help="an active alert's id"),
    start: str | None = typer.Option(None, "--from", help="period start (ISO 8601, UTC offset)"),
    end: str | None = typer.Option(None, "--to", help="period end (ISO 8601, UTC offset)"),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="print report.pdf with Chromium"),
    url: str = url_option(),
    token: str | None = token_option(),
    party: str | None = party_option(),
) -> None:
    """Write an after-action report of a notice, a conflict, an alert or a period, as your
    party sees it: report.html, report.pdf and bundle.json (the entries cited with their
    inclusion proofs; `interlock audit verify --bundle` checks it offline).

    Exit 0: written; 1: the entries served are not the log the server signed, or its
    proofs disagree with them (nothing written); 2: bad input or the server refused
    (nothing written); 3: the HTML and the bundle written but not the PDF (no Chromium:
    set INTERLOCK_CHROMIUM or CHROME, or put chromium on PATH; or it failed or timed
    out), the reason printed.
    """
    subject, period = _subject(notice, conflict, alert, start, end)
    with reported_errors():
        client = party_client(url, token, party, None, need_key=False)
        try:
            data, namer, every = _gather(client.call, url, client.party, subject, period)
        except ViewMismatch as exc:
            fail(f"{exc.detail}: no report written", ExitCode.FOUND)
        finally:
            client.close()
        html = render(data, namer, every)
        bundle = make_bundle(
            party=data.party,
            subject={"kind": subject.kind, "ref": subject.ref, "title": subject.title},
            generated_at=iso(datetime.now(UTC)),
            server=url,
            agreement=data.agreement,
            log=data.checkpoint,
            entries=data.entries,
            proofs=data.proofs,
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / HTML_FILE).write_text(html, encoding="utf-8")
        (out / BUNDLE_FILE).write_bytes(orjson.dumps(bundle, option=orjson.OPT_INDENT_2))
    except OSError as exc:
        fail(f"--out {out}: {exc.strerror}")
    console.print(
        f"wrote {out / HTML_FILE} and {out / BUNDLE_FILE}: {len(data.entries)} entries of "
        f"{data.party}'s view, proven against checkpoint size {data.checkpoint['size']}",
        highlight=False,
        soft_wrap=True,
    )
    if not pdf:
        return
    why = print_pdf(out / HTML_FILE, out / PDF_FILE)
    if why is not None:
        console.print(f"PDF skipped: {why}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_NO_PDF)
    console.print(f"wrote {out / PDF_FILE}", highlight=False, soft_wrap=True)


def _subject(
    notice: str | None, conflict: int | None, alert: str | None, start: str | None, end: str | None
) -> tuple[Subject, tuple[datetime, datetime] | None]:
    given = [x is not None for x in (notice, conflict, alert)]
    window = start is not None or end is not None
    if sum(given) + window != 1:
        fail("give one of --notice ID, --conflict N, --alert ID, or --from T --to T")
    if notice is not None:
        return Subject("notice", notice), None
    if conflict is not None:
        return Subject("conflict", str(conflict)), None
    if alert is not None:
        return Subject("alert", alert), None
    if start is None or end is None:
        fail(f"--{'to' if start is not None else 'from'}: a period needs both --from and --to")
    with reported_errors():
        a, b = parse_utc(start, "--from"), parse_utc(end, "--to")
    if b <= a:
        fail("--to: must be after --from")
    return Subject("period", f"{iso(a)}/{iso(b)}", f"{utc(a)} – {utc(b)} UTC"), (a, b)


def _gather(
    raw_call: Any, url: str, party: str, subject: Subject, period: tuple[datetime, datetime] | None
) -> tuple[ReportData, Namer, list[dict[str, Any]]]:
    call = polite(raw_call)
    agreement = call("GET", "/agreement")
    checkpoint = call("GET", "/checkpoint.json")
    _check_signed(checkpoint, agreement)
    size = int(checkpoint["size"])
    every = read_ledger(call, size)
    alerts = call("GET", "/alerts")["alerts"]
    found = None
    if subject.kind == "alert":
        found = alert_of(every, alerts, subject.ref)
        raised = parse_utc(found["raised_at"], "raised_at")
        last = parse_utc(found.get("cleared_at") or found["updated_at"], "cleared_at")
        period = (raised - ALERT_LOOKBACK, max(last, raised) + ALERT_AFTER)
        subject.title = f"{found['severity']} {found['kind']} alert"
    data = ReportData(url, party, agreement, checkpoint, subject, (datetime.now(UTC),) * 2, [])
    seqs, data.period, data.incident, title = select(subject, every, data.rules, period, found)
    subject.title = subject.title or title
    data.entries = [every[s - 1] for s in seqs]
    data.ledger_size = size
    data.alerts = alerts
    data.conflicts = call("GET", "/conflicts", params={"include_closed": "true"})
    data.messages = call("GET", "/messages", params={"box": "all", "limit": 1000})
    data.hazards = call("GET", "/hazards", params={"include_retired": "true"})["features"]
    data.assets = call("GET", "/assets", params={"include_retired": "true"})["features"]
    if subject.kind in ("notice", "conflict"):  # the subject's notices, as served now
        data.notices = notice_versions(call, involved_notices(data.entries))
    root = base64.b64decode(checkpoint["root"])
    data.proofs = inclusion_proofs(call, every, seqs, root)
    data.trails = _trails(call, data)
    return data, Namer(data, [e for e in every if readable(e)]), every


def _check_signed(checkpoint: dict[str, Any], agreement: dict[str, Any]) -> None:
    """The checkpoint the report is proven against must carry the log's signatures (its
    key as served, which a verifier holds to their own: `audit verify --bundle`) and name
    the agreement served (`checkpoint.origin_for`); else ViewMismatch (exit 1)."""
    from ..ledger import checkpoint as cp
    from ..ledger.export import agreement_hash
    from ..ledger.note import NoteError, parse_verifier_key

    try:
        key = parse_verifier_key(str(checkpoint["log_key"]))
        origin = cp.origin_for(agreement_hash(agreement))
        signed = cp.open_checkpoint(str(checkpoint["note"]), key.public, origin)
    except (NoteError, KeyError) as exc:
        raise ViewMismatch(f"the server's latest checkpoint does not verify ({exc})") from None
    if (signed.checkpoint.size, cp.root_text(signed.checkpoint.root)) != (
        checkpoint.get("size"),
        checkpoint.get("root"),
    ):
        raise ViewMismatch("the server's checkpoint says another size or root than it signed")


def _area(data: ReportData) -> Box | None:
    """The area the report is about: its notices' volumes and its alerts' positions."""
    pts = [p for ev in _latest_versions(data.entries).values() for p in _outline(ev["feature"])]
    for e in data.entries:
        ev = e["event"]
        if ev.get("type") == "alert" and isinstance(ev.get("lon"), float | int):
            pts.append((float(ev["lon"]), float(ev["lat"])))
    return _bbox(pts)


def _trails(call: Any, data: ReportData) -> list[dict[str, Any]]:
    """Track trails over the period and the incident window (GET /tracks/history)."""
    start, end = data.period
    if data.incident is not None:
        start, end = min(start, data.incident[0]), max(end, data.incident[1])
    return report_trails.fetch(call, start, end, _area(data))


def _moments(data: ReportData) -> list[tuple[datetime, str]]:
    """The key moments a trail is marked at: filings, detections, alerts raised and
    cleared, the incident window's edges."""
    out = []
    for e in data.entries:
        ev = e["event"]
        if ev.get("type") == "notice_version":
            out.append((at(e), f"v{ev['version']} filed"))
        elif ev.get("type") == "conflict":
            out.append((at(e), f"#{ev['id']} detected"))
        elif ev.get("type") == "alert" and ev.get("event") in ("raised", "cleared"):
            out.append((at(e), f"alert {ev['event']}"))
    if data.incident is not None:
        for t, what in ((data.incident[0], "window opens"), (data.incident[1], "window closes")):
            if all(abs((t - m).total_seconds()) >= 1 for m, _ in out):  # one mark a moment
                out.append((t, what))
    return out


# ---- the pictures -------------------------------------------------------------------------


def _outline(feature: dict[str, Any]) -> list[tuple[float, float]]:
    props, geometry = feature.get("properties") or {}, feature.get("geometry")
    try:
        area = (
            Area.from_stored(geometry, props)  # type: ignore[arg-type]
            if "shape" in props
            else Area.from_geojson(geometry, props)
        )
        return [(float(x), float(y)) for x, y in area.outline_lonlat().exterior.coords]
    except (InterlockError, KeyError, TypeError, ValueError):
        return []


def _latest_versions(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e["event"].get("type") == "notice_version":
            out[e["event"]["id"]] = e["event"]
    return out


def map_picture(data: ReportData, namer: Namer) -> svg.MapPicture:
    colours = party_colours(list(data.party_names))
    pic = svg.MapPicture()
    in_conflict: set[str] = set()
    for e in data.entries:
        ev = e["event"]
        if ev.get("type") == "conflict":
            in_conflict |= {ev["a_id"], ev["b_id"]}
            if isinstance(ev.get("worst_lon"), float | int):
                pic.points.append(((ev["worst_lon"], ev["worst_lat"]), f"conflict #{ev['id']}"))
        elif (
            ev.get("type") == "alert"
            and ev.get("event") == "raised"
            and isinstance(ev.get("lon"), float | int)
        ):
            where = (float(ev["lon"]), float(ev["lat"]))
            pic.points.append((where, f"{ev.get('kind')} alert raised {utc(e['received_at'])}"))
    for nid, ev in _latest_versions(data.entries).items():
        ring = _outline(ev["feature"])
        if ring:
            pic.volumes.append(
                svg.Volume(
                    ring,
                    colours.get(ev["party"], svg.SYSTEM_COLOUR),
                    namer.thing(nid),
                    conflict=nid in in_conflict,
                )
            )
    for a in data.assets:
        if a["id"] in in_conflict:
            ring = _outline(a)
            party = a.get("properties", {}).get("party", "")
            if ring:
                pic.volumes.append(
                    svg.Volume(
                        ring,
                        colours.get(party, svg.SYSTEM_COLOUR),
                        namer.thing(a["id"]),
                        dashed=True,
                        conflict=True,
                    )
                )
    box = _bbox([p for v in pic.volumes for p in v.outline] + [p for p, _ in pic.points])
    for h in data.hazards:
        env = (h.get("properties") or {}).get("envelope") or {}
        ring = [(float(x), float(y)) for x, y in (env.get("coordinates") or [[]])[0]]
        site = (h.get("geometry") or {}).get("coordinates")
        if ring and isinstance(site, list) and (box is None or _near(box, _bbox(ring))):
            pic.hazards.append(svg.Hazard((site[0], site[1]), ring, namer.thing(h["id"])))
    first = {
        str(t)
        for e in data.entries
        if e["event"].get("type") == "alert"
        for t in e["event"].get("track_ids") or []
    }
    pic.trails = report_trails.picture(
        data.trails, _moments(data), colours, data.party_names, first
    )
    return pic


Box = tuple[float, float, float, float]


def _bbox(pts: list[tuple[float, float]]) -> Box | None:
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def _near(a: Box, b: Box | None) -> bool:
    """Whether box b meets box a widened by half its size (a hazard near the area)."""
    if b is None:
        return False
    wx, wy = (a[2] - a[0]) / 2 + 0.1, (a[3] - a[1]) / 2 + 0.1
    return b[0] <= a[2] + wx and b[2] >= a[0] - wx and b[1] <= a[3] + wy and b[3] >= a[1] - wy


@dataclass
class _Sent:
    arrow: svg.Arrow
    deliveries: dict[str, svg.Delivery]


def timeline_picture(data: ReportData, namer: Namer) -> svg.TimelinePicture:
    colours = party_colours(list(data.party_names))
    lanes = [(p, n, colours[p]) for p, n in data.party_names.items()]
    lanes.append((SYSTEM, "interlock (system)", svg.SYSTEM_COLOUR))
    start, end = data.period
    pic = svg.TimelinePicture(lanes, start, end, incident=data.incident)
    rule = float(data.agreement["rules"]["min_lead_time_min"])
    sent: dict[str, _Sent] = {}
    for e in data.entries:
        ev, t = e["event"], at(e)
        kind = ev.get("type")
        if kind == "notice_version":
            begins = parse_utc(ev["feature"]["properties"]["start"], "start")
            _, ok = namer.lead(begins, t)
            pic.filings.append(
                svg.Filing(
                    ev["party"],
                    t,
                    f"{namer.thing(ev['id'])} v{ev['version']} filed",
                    begins,
                    ok,
                    rule,
                )
            )
        elif kind == "message":
            v = message_view(ev)
            deadline = parse_utc(v["deadline"], "deadline")
            ds = {p: svg.Delivery(p, None, None, None, deadline) for p in v["to"]}
            arrow = svg.Arrow(
                v["from"], t, namer.plain(v["subject"]), list(ds.values()), v["priority"]
            )
            sent[v["id"]] = _Sent(arrow, ds)
            pic.arrows.append(arrow)
        elif kind == "receipt" and ev.get("message") in sent:
            d = sent[ev["message"]].deliveries.get(ev["party"])
            if d is not None and ev["status"] == "delivered":
                d.delivered = t
            elif d is not None:
                d.acknowledged, d.on_time = t, t <= d.deadline
                d.delivered = d.delivered or t
        elif kind == "conflict":
            pic.marks.append(svg.Mark(SYSTEM, t, f"conflict #{ev['id']} detected"))
        elif kind == "violation":
            pic.marks.append(svg.Mark(SYSTEM, t, f"violation: {ev.get('kind', '')}"))
        elif kind == "conflicts_closed":
            pic.marks.append(svg.Mark(SYSTEM, t, "conflicts closed", colour="#2a7d2a"))
        elif kind == "alert" and ev.get("event") in ("raised", "cleared"):
            up = ev["event"] == "raised"
            for p in ev.get("parties") or [SYSTEM]:
                colour = svg.HAZARD_COLOUR if up else "#2a7d2a"
                what = f"{ev.get('kind')} alert {ev['event']}"
                pic.marks.append(svg.Mark(p, t, what, "up" if up else "down", colour))
        elif kind == "escalation":
            pic.marks.append(
                svg.Mark(
                    ev.get("party", SYSTEM), t, f"escalation {ev.get('count')}", "up", "#e07b00"
                )
            )
    return pic


def _signer(ev: dict[str, Any], namer: Namer) -> tuple[str, str]:
    env = ev.get("envelope")
    if isinstance(env, dict):
        return (
            f"{namer.party(env.get('author', '?'))} (key {env.get('key_id', '?')})",
            str(env.get("signature", "")),
        )
    return "not signed: a system event, chained by the server under the log's checkpoint", ""


def rows(data: ReportData, namer: Namer) -> list[Row]:
    messages: dict[str, dict[str, Any]] = {}
    out = []
    for e in data.entries:
        ev = e["event"]
        if ev.get("type") == "message":
            v = message_view(ev)
            messages[v["id"]] = {"sent": at(e), "deadline": parse_utc(v["deadline"], "deadline")}
        signer, signature = _signer(ev, namer)
        out.append(
            Row(
                e["seq"],
                utc(e["received_at"]),
                str(ev.get("type", "")).replace("_", " "),
                namer.line(e, messages),
                e["hash"],
                signer,
                signature,
            )
        )
    return out


def render(data: ReportData, namer: Namer, every: list[dict[str, Any]]) -> str:
    """The report page for `data` as its party sees it."""
    cp = data.checkpoint
    now = datetime.now(UTC)
    me = data.party_names.get(data.party, data.party)
    start, end = data.period
    header = [
        ("What", _what(data, namer)),
        ("Period (UTC)", f"{utc(start)} – {utc(end)}"),
        ("For", f"{me}: shows only what {me} may see"),
        ("Generated", f"{utc(now)} UTC from {data.url}"),
        (
            "Checked against",
            f"the log's checkpoint of {cp['size']:,} entries, root "
            f"{cp['root']}, signed {utc(datetime.fromtimestamp(cp['time'], UTC))} "
            f"UTC by log {cp['origin']}",
        ),
    ]
    if data.incident is not None:
        a, b = data.incident
        header.insert(2, ("Incident window (UTC)", f"{utc(a)} – {utc(b)}"))
    colours = party_colours(list(data.party_names))
    legend = [(n, colours[p]) for p, n in data.party_names.items()] + [
        ("hazard envelope", svg.HAZARD_COLOUR)
    ]
    pic = map_picture(data, namer)
    map_note = (
        f"{len(pic.volumes)} volumes (notices in force and protected assets; a red edge: in "
        f"conflict), {len(pic.hazards)} hazards (hatched: weapon envelope), "
        f"{len(pic.trails)} track trails. Local equirectangular projection; coastline not drawn."
    )
    timeline_note = (
        "■ a filing, its bar the lead time to the activity's start (green: meets the "
        f"{float(data.agreement['rules']['min_lead_time_min']):g} min rule, red: breaks it; "
        "the dashed tick is the latest filing time the rule allows); → a message from sender "
        "to each recipient, ○ delivered, ✓ acknowledged on time, ✗ late, red | the "
        "acknowledgement deadline; ◆ conflicts and violations; ▲ alerts raised, ▼ cleared."
    )
    evidence = [
        (
            "Bundle",
            f"{BUNDLE_FILE} beside this file: the {len(data.entries)} entries above as "
            f"served, each with its RFC 9162 inclusion proof against the checkpoint of "
            f"{cp['size']:,} entries, and that checkpoint's signed note",
        ),
        (
            "Verify offline",
            f"interlock audit verify --bundle {BUNDLE_FILE} [--log-key KEY | --state DIR]",
        ),
        ("Log key", f"{cp['log_key']}"),
        ("Agreement", f"SHA-256 {_agreement_sha(data)} (named by the log's origin)"),
        (
            "Whole view",
            f"interlock audit verify --url {data.url} checks every entry of "
            f"{me}'s view ({data.ledger_size:,} entries)",
        ),
        (
            "Party keys",
            "; ".join(
                f"{n}: " + ", ".join(key_id(k) for k in p.get("public_keys", []))
                for p in data.agreement["parties"]
                for n in [p.get("name") or p["id"]]
            ),
        ),
    ]
    return page(
        title=f"After-action report: {_what(data, namer)}",
        header=header,
        legend=legend,
        map_svg=svg.map_svg(pic),
        map_note=map_note,
        timeline_svg=svg.timeline_svg(timeline_picture(data, namer)),
        timeline_note=timeline_note,
        rows=rows(data, namer),
        evidence=evidence,
    )


def _agreement_sha(data: ReportData) -> str:
    from ..ledger.export import agreement_hash

    return agreement_hash(data.agreement)


def _what(data: ReportData, namer: Namer) -> str:
    s = data.subject
    if s.kind == "conflict":
        ev = next(
            (
                e["event"]
                for e in data.entries
                if e["event"].get("type") == "conflict" and str(e["event"].get("id")) == s.ref
            ),
            None,
        )
        if ev is not None:
            return (
                f"conflict #{s.ref}, {namer.thing(ev['a_id'])} ({namer.party(ev['a_party'])}) "
                f"and {namer.thing(ev['b_id'])} ({namer.party(ev['b_party'])})"
            )
    if s.kind in ("notice", "message"):
        return f"{s.kind} {namer.thing(s.ref)}"
    if s.kind == "period":
        return f"the period {s.title}"
    return s.title


# ---- PDF ----------------------------------------------------------------------------------


def find_chromium() -> tuple[str | None, str]:
    """The Chromium to print with, and where it was found (or why none was)."""
    for var in CHROMIUM_ENV:
        value = os.environ.get(var)
        if value:
            found = shutil.which(value)
            if found is None:
                return None, f"{var}={value} is not an executable"
            return found, var
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found, "PATH"
    return None, (
        f"no Chromium on PATH ({', '.join(CHROMIUM_NAMES)}) and neither "
        f"{' nor '.join(CHROMIUM_ENV)} set"
    )


def print_pdf(html: Path, pdf: Path, timeout_s: float = PDF_TIMEOUT_S) -> str | None:
    """Print `html` to `pdf` with headless Chromium; None when done, else why not."""
    chromium, where = find_chromium()
    if chromium is None:
        return where
    with contextlib.suppress(FileNotFoundError):
        pdf.unlink()
    with tempfile.TemporaryDirectory(prefix="interlock-pdf-") as profile:
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
            )
        except OSError as exc:
            return f"cannot run {chromium}: {exc.strerror}"
        try:
            _, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # its renderer and GPU children too
            proc.communicate()
            return f"{chromium} did not finish printing in {timeout_s:g} s"
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return f"{chromium} exited {proc.returncode} without a PDF ({tail[0][:200]})"
    return None
