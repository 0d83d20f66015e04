"""`interlock hotline ...`: send, read, acknowledge and watch hotline messages.

Every message and receipt goes out signed with the party's key (interlock.client), after
the CLI has checked the key and the token belong to the party, so a refused command has
sent nothing. `watch` is the duty officer's live view: the push stream, with delivery
receipts sent as messages arrive and heartbeats kept up in the background.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import orjson
import typer
from rich.markup import escape
from rich.table import Table

from ..errors import InterlockError
from ..ledger.receipts import verified_to
from ..model.message import REF_KINDS, SYSTEM, message_view
from ..model.phrases import PHRASES, language, parse_phrase, render
from ..model.timeutil import parse_utc
from .common import (
    console,
    fail,
    key_option,
    party_client,
    party_option,
    read_json_file,
    receipt_state_option,
    reported_errors,
    token_option,
    url_option,
)
from .names import notice_name
from .readable import Col, band, fit_table, hhmm, relative, resolve, short_ids, window

hotline_app = typer.Typer(
    help="Hotline messages between parties: send, inbox, acknowledge, watch.",
    no_args_is_help=True,
)

MESSAGE_ID_CHARS = 18  # "m-" and 16 hex digits (service.hotline): a whole id
MESSAGE_LIMIT = 1000  # GET /messages' largest page: where a prefix is looked for
PRIORITY_STYLE = {"flash": "bold red", "urgent": "yellow", "routine": ""}


class Priority(StrEnum):
    routine = "routine"
    urgent = "urgent"
    flash = "flash"


class Box(StrEnum):
    inbox = "in"
    outbox = "out"
    both = "all"


def _json_out(data: Any) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def _duration(seconds: float) -> str:
    s = round(abs(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def _countdown(deadline: str, now: datetime | None = None) -> str:
    """'in 4m 12s' before the deadline, 'OVERDUE 1m 03s' after it (rich markup)."""
    left = (parse_utc(deadline, "deadline") - (now or datetime.now(UTC))).total_seconds()
    return f"in {_duration(left)}" if left >= 0 else f"[bold red]OVERDUE {_duration(left)}[/]"


def _short_time(iso_text: str) -> str:
    return iso_text[11:19] + "Z" if len(iso_text) >= 19 else iso_text


def _phrase(code: str | None, args: list[str]) -> dict[str, Any] | None:
    """`--phrase CODE --arg k=v ...` as a checked {code, args} (model.phrases): a bad one
    exits 2 naming the slot, before anything is sent."""
    if code is None:
        if args:
            fail("--arg is for a --phrase's slots")
        return None
    values: dict[str, str] = {}
    for text in args:
        name, sep, value = text.partition("=")
        if not sep or not name:
            fail(f"--arg {text!r}: give SLOT=VALUE")
        values[name] = value
    try:
        return parse_phrase({"code": code.upper(), "args": values})
    except InterlockError as exc:
        fail(str(exc))


def reader_language(option: str | None) -> str:
    """--lang, else the locale's (LC_ALL, LC_MESSAGES, LANG), else English."""
    env = os.environ
    return language(option or env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG"))


def lang_option() -> Any:
    return typer.Option(
        None, "--lang", help="read standard phrases in en, ru or he (default: from LANG)"
    )


def _refs(values: list[str]) -> list[dict[str, str]]:
    out = []
    for text in values:
        kind, sep, ref_id = text.partition(":")
        if not sep or kind not in REF_KINDS or not ref_id:
            fail(f"--ref {text!r}: give KIND:ID, KIND one of {', '.join(REF_KINDS)}")
        out.append({"kind": kind, "id": ref_id})
    return out


@hotline_app.command("send")
def send(
    to: list[str] = typer.Option(..., "--to", help="addressee party id (repeat for several)"),
    subject: str | None = typer.Option(
        None, "--subject", help="one line (with --phrase: the phrase's code if not given)"
    ),
    body: str = typer.Option("", "--body", help="the message text"),
    priority: Priority = typer.Option(
        Priority.routine, "--priority", help="sets the acknowledgement deadline"
    ),
    ref: list[str] = typer.Option(
        [], "--ref", help="what it is about, KIND:ID (notice:n-..., conflict:3, message:m-...)"
    ),
    payload: str | None = typer.Option(
        None, "--payload", help="a JSON object file ('-': stdin), e.g. {activity: ...}"
    ),
    phrase: str | None = typer.Option(
        None,
        "--phrase",
        help=f"a standard phrase, read in each side's language: {', '.join(PHRASES)}",
    ),
    arg: list[str] = typer.Option([], "--arg", help="a phrase's slot, SLOT=VALUE (repeat)"),
    as_json: bool = typer.Option(False, "--json", help="print the message as recorded"),
    key: Path | None = key_option("the message"),
    party: str | None = party_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Send a signed message; print its id and acknowledgement deadline."""
    refs = _refs(ref)
    standard = _phrase(phrase, arg)
    if subject is None:
        if standard is None:
            fail("--subject is required (or give a --phrase)")
        subject = standard["code"]
    extra = read_json_file(payload, orjson.loads) if payload is not None else None
    if extra is not None and not isinstance(extra, dict):
        fail(f"{payload}: the payload must be a JSON object")
    with reported_errors(), party_client(url, token, party, key, need_key=True) as client:
        sent = client.send(
            to, subject, body, priority=priority.value, refs=refs, payload=extra, phrase=standard
        )
    if as_json:
        _json_out(sent)
        return
    style = PRIORITY_STYLE[sent["priority"]] or "bold"
    console.print(
        f"[{style}]{sent['id']}[/] {sent['priority']} to {', '.join(sent['to'])}: "
        f"acknowledge by {sent['deadline']} ({_countdown(sent['deadline'])})",
        highlight=False,
    )


def _my_state(message: dict[str, Any], me: str) -> str:
    for r in message["recipients"]:
        if r["party"] == me:
            return str(r["state"])
    return str(message["state"])


def _deadline(m: dict[str, Any], state: str, now: datetime) -> str:
    """'14:05 in 4 min' (bold red when overdue); the time alone once acknowledged."""
    at = hhmm(m["deadline"], now)
    if state == "acknowledged":
        return at
    text = f"{at} {relative(m['deadline'], now)}"
    return f"[bold red]{text}[/]" if state == "overdue" else text


def _receipts_short(message: dict[str, Any]) -> str:
    """'1/2 acked' (and how many more reported delivery): `hotline show` has each one."""
    n = len(message["recipients"])
    acked = sum(1 for r in message["recipients"] if r["acknowledged_at"])
    delivered = sum(1 for r in message["recipients"] if r["delivered_at"]) - acked
    return f"{acked}/{n} acked" + (f", {delivered} dlv" if delivered > 0 else "")


@hotline_app.command("inbox")
def inbox(
    box: Box = typer.Option(Box.inbox, "--box", help="in, out or all"),
    pending: bool = typer.Option(False, "--pending", help="only those awaiting acknowledgement"),
    limit: int = typer.Option(200, "--limit", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json", help="print the messages as JSON"),
    lang: str | None = lang_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Your messages, newest first: short id, sender, subject, state and the deadline
    (UTC, with the time left); the out box shows each addressee's receipt; a standard
    phrase under its subject, in your language."""
    reading = reader_language(lang)
    with reported_errors(), party_client(url, token, None, None, need_key=False) as client:
        found = client.messages(box.value, pending=pending, limit=limit)
        me = client.party
    if as_json:
        _json_out(found)
        return
    now = datetime.now(UTC)
    title = {"in": "inbox", "out": "outbox", "all": "messages"}[box.value]
    short = short_ids(m["id"] for m in found)
    cols = [Col("id"), Col("from"), Col("prio."), Col("subject", elastic=True), Col("state")]
    if box is Box.inbox:
        cols.append(Col("ack by (UTC)"))
    else:
        cols.insert(2, Col("to"))
        cols.append(Col("receipts"))
    rows = []
    for m in found:
        state = _my_state(m, me) if box is Box.inbox else m["state"]
        style = PRIORITY_STYLE[m["priority"]]
        row = [
            short[m["id"]],
            "interlock" if m["from"] == SYSTEM else m["from"],
            f"[{style}]{m['priority']}[/]" if style else m["priority"],
            escape(" ".join(m["subject"].split()))
            + (f"\n[italic]{escape(render(m['phrase'], reading))}[/]" if m.get("phrase") else ""),
            "[bold red]overdue[/]" if state == "overdue" else state,
        ]
        if box is Box.inbox:
            row.append(_deadline(m, state, now))
        else:
            row.insert(2, ", ".join(m["to"]))
            row.append(_receipts_short(m))
        rows.append(row)
    console.print(fit_table(f"{me}'s {title}: {len(found)} message(s)", cols, rows, console.width))


def _message_id(client: Any, prefix: str, box: str) -> str:
    """The full id of one of your messages from a unique prefix (exit 2 otherwise)."""
    if prefix.startswith("m-") and len(prefix) >= MESSAGE_ID_CHARS:
        return prefix  # whole: the server says whether it is yours
    found = client.messages(box, limit=MESSAGE_LIMIT)
    return resolve(prefix, (m["id"] for m in found), "MESSAGE_ID", "message")


@hotline_app.command("show")
def show(
    message_id: str = typer.Argument(..., help="a message id or a unique prefix of one"),
    as_json: bool = typer.Option(False, "--json", help="print the message as JSON"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """One message in full: who to whom, when (UTC), its body, references and receipts."""
    with reported_errors(), party_client(url, token, None, None, need_key=False) as client:
        m = client.message(_message_id(client, message_id, "all"))
    if as_json:
        _json_out(m)
        return
    now = datetime.now(UTC)
    sender = "interlock (system)" if m["from"] == SYSTEM else m["from"]
    lines = [
        f"{m['priority']} message {m['id']} ({m['state']})",
        f"from {sender} to {', '.join(m['to'])}, sent {hhmm(m['sent_at'], now)} UTC "
        f"({relative(m['sent_at'], now)})",
        f"subject: {m['subject']}",
    ]
    if m["body"]:
        lines.append(m["body"])
    if m["refs"]:
        lines.append("refers to " + ", ".join(f"{r['kind']} {r['id']}" for r in m["refs"]))
    lines.append(f"acknowledge by {hhmm(m['deadline'], now)} UTC ({relative(m['deadline'], now)})")
    for r in m["recipients"]:
        got = "not delivered"
        if r["acknowledged_at"]:
            got = f"acknowledged {hhmm(r['acknowledged_at'], now)}"
        elif r["delivered_at"]:
            got = f"delivered {hhmm(r['delivered_at'], now)}"
        reply = f"; reply: {r['reply']}" if r["reply"] else ""
        lines.append(f"  {r['party']}: {r['state']}, {got}{reply}")
    for line in lines:
        console.print(line, highlight=False, markup=False)


@hotline_app.command("ack")
def ack(
    message_id: str = typer.Argument(..., help="the message id (m-...) or a unique prefix"),
    reply: str | None = typer.Option(None, "--reply", help="a reply to go with it"),
    as_json: bool = typer.Option(False, "--json", help="print the message as recorded"),
    key: Path | None = key_option("the acknowledgement"),
    state: Path | None = receipt_state_option(),
    party: str | None = party_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Acknowledge a message addressed to you (signed), optionally with a reply; with
    --state, bound to the checkpoint of the log you verified (exit 1 if the log fails)."""
    from ..witness import WitnessError

    with reported_errors():
        client = party_client(url, token, party, key, need_key=True, state=state)
        with client:
            try:
                result = client.ack(_message_id(client, message_id, "in"), reply)
            except WitnessError as exc:
                fail(f"FAIL {exc.detail}; nothing sent", 1)
            me, bound = client.party, client.last_bound
    message = result["message"]
    if as_json:
        _json_out(message)
        return
    mine = next(r for r in message["recipients"] if r["party"] == me)
    at = mine["acknowledged_at"]
    on_time = parse_utc(at, "at") <= parse_utc(message["deadline"], "deadline")
    verdict = "on time" if on_time else "[bold red]late[/]"
    console.print(
        f"[bold]{message['id']}[/] acknowledged by {me} at {at} ({verdict}, deadline "
        f"{message['deadline']}); message {message['state']}"
        + (f"; you had verified the record to entry {bound.size}" if bound else ""),
        highlight=False,
    )


@hotline_app.command("heartbeat")
def heartbeat(url: str = url_option(), token: str | None = token_option()) -> None:
    """Tell the others your hotline is up (`watch` does this for you)."""
    with reported_errors(), party_client(url, token, None, None, need_key=False) as client:
        beat = client.heartbeat()
    was = f" (was {beat['was']})" if beat["was"] and beat["was"] != "up" else ""
    console.print(
        f"{beat['party']}: hotline [green]{beat['state']}[/]{was}; "
        f"keep a heartbeat every {beat['interval_s']:g} s",
        highlight=False,
    )


@hotline_app.command("status")
def status(
    as_json: bool = typer.Option(False, "--json"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Every party's hotline: up, down (silent too long) or unknown (never heard)."""
    with reported_errors(), party_client(url, token, None, None, need_key=False) as client:
        states = client.status()
        named = {p["id"]: p["name"] for p in client.call("GET", "/agreement")["parties"]}
    if as_json:
        _json_out(states)
        return
    now = datetime.now(UTC)
    table = Table(title="hotline status")
    for col in ("party", "state", "last heard (UTC)"):
        table.add_column(col)
    colour = {"up": "green", "down": "bold red", "unknown": "yellow"}
    for s in states:
        seen = s["last_seen"]
        table.add_row(
            f"{escape(named.get(s['party'], s['party']))} ({s['party']})",
            f"[{colour.get(s['state'], '')}]{s['state']}[/]",
            f"{hhmm(seen, now, seconds=True)} ({relative(seen, now)})" if seen else "never",
        )
    console.print(table)


# ---- watch --------------------------------------------------------------------------------


def describe(entry: dict[str, Any], me: str, lang: str = "en") -> str:
    """One stream entry as a line of rich markup (user text escaped; a standard phrase in
    `lang`)."""
    ev = entry["event"]
    kind = ev.get("type", "?")
    head = f"[dim]{entry['seq']:>6} {_short_time(entry.get('received_at', ''))}[/]"
    if ev.get("redacted"):
        return f"{head} {kind} (not yours to read)"
    if kind == "message":
        v = message_view(ev)
        style = PRIORITY_STYLE[v["priority"]] or "bold"
        sender = "interlock (system)" if v["from"] == SYSTEM else v["from"]
        line = (
            f"{head} [{style}]{v['priority'].upper()}[/] {v['id']} {sender} -> "
            f"{', '.join(v['to'])}: [bold]{escape(v['subject'])}[/]"
        )
        if me in v["to"]:
            line += f" [dim](ack by {_short_time(v['deadline'])})[/]"
        if v["phrase"]:
            line += "\n" + " " * 16 + f"[italic]{escape(render(v['phrase'], lang))}[/]"
        if v["body"]:
            line += "\n" + " " * 16 + escape(v["body"]).replace("\n", "\n" + " " * 16)
        if v["refs"]:
            refs = ", ".join(f"{r['kind']}:{r['id']}" for r in v["refs"])
            line += "\n" + " " * 16 + f"[dim]refers to {escape(refs)}[/]"
        return line
    if kind == "receipt":
        reply = ((ev.get("envelope") or {}).get("body") or {}).get("reply")
        text = f"{head} {ev['party']} {ev['status']} {ev['message']}"
        size = verified_to(ev)
        if size is not None:
            text += f" [dim](had verified the record to entry {size})[/]"
        return text + (f": [italic]{escape(reply)}[/]" if reply else "")
    if kind == "escalation":
        return (
            f"{head} [bold red]ESCALATION {ev['count']}: {ev['message']} "
            f"({ev['priority']} from {ev['from']}) not acknowledged by {ev['party']}, "
            f"{_duration(ev['overdue_s'])} overdue[/]"
        )
    if kind == "channel":
        if ev["state"] == "down":
            return f"{head} [bold red]HOTLINE DOWN: {ev['party']} silent since {ev['last_seen']}[/]"
        return f"{head} [green]hotline up: {ev['party']}[/]"
    if kind == "conflict":
        return (
            f"{head} [yellow]{ev['severity']} conflict #{ev['id']}[/] {ev['a_kind']} "
            f"{ev['a_id']} / {ev['b_kind']} {ev['b_id']} ({' / '.join(ev['parties'])})"
        )
    if kind == "violation":
        return f"{head} [yellow]violation {ev['kind']}[/] {ev['party']}: {escape(ev['detail'])}"
    if kind == "notice_version":
        p = ev["feature"]["properties"]
        name = notice_name(p)
        when = window(p["start"], p["end"], datetime.now(UTC)) if "start" in p else "?"
        return (
            f"{head} notice {ev['id']} v{ev['version']} by {ev['party']}"
            + (f" {escape(name)}" if name else "")
            + f": {when} UTC, {band(p)}"
        )
    if kind == "notice_cancelled":
        return f"{head} notice {ev.get('id', '?')} cancelled by {ev.get('party', '?')}"
    if kind == "conflicts_closed":
        closed = ev.get("notice") or ev.get("asset")
        return f"{head} conflicts of {closed} closed: {escape(str(ev['reason']))}"
    return f"{head} {kind}"


class _Watch:
    """The stream reader and the heartbeat, in daemon threads, reporting to one queue;
    the main thread prints, so Ctrl-C and --timeout end the command at once."""

    def __init__(self, client: Any, beats: Any, interval_s: float, deliver: bool) -> None:
        self.client = client
        self.beats = beats
        self.interval_s = interval_s
        self.deliver = deliver
        self.out: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.stopped = threading.Event()

    def start(self, heartbeat: bool) -> None:
        threading.Thread(target=self._read, daemon=True, name="stream").start()
        if heartbeat:
            threading.Thread(target=self._beat, daemon=True, name="heartbeat").start()

    def _read(self) -> None:
        lost = False
        while not self.stopped.is_set():
            try:
                for entry in self.client.events(
                    auto_deliver=self.deliver, reconnect=False, stop=self.stopped.is_set
                ):
                    if lost:
                        self.out.put(("note", "[green]stream back[/]"))
                        lost = False
                    self.out.put(("entry", entry))
                return
            except httpx.TransportError as exc:
                if not lost:
                    lost_why = escape(str(exc))
                    self.out.put(("note", f"[yellow]stream lost ({lost_why}); reconnecting[/]"))
                    lost = True
                self.stopped.wait(1.0)
            except Exception as exc:  # a refusal (bad token...) ends the watch
                self.out.put(("error", exc))
                return

    def _beat(self) -> None:
        failing = False
        while not self.stopped.is_set():
            try:
                self.beats.heartbeat()
                if failing:
                    self.out.put(("note", "[green]heartbeat sent again[/]"))
                failing = False
            except Exception as exc:  # keep trying: a missed beat is what "down" reports
                if not failing:
                    self.out.put(("note", f"[yellow]heartbeat failed: {escape(str(exc))}[/]"))
                failing = True
            self.stopped.wait(self.interval_s)


@hotline_app.command("watch")
def watch(
    after: int = typer.Option(0, "--after", min=0, help="start after this ledger seq"),
    deliver: bool = typer.Option(
        True, "--deliver/--no-deliver", help="send a signed delivery receipt for each message"
    ),
    heartbeat: bool = typer.Option(
        True, "--heartbeat/--no-heartbeat", help="heartbeat every agreed interval"
    ),
    max_events: int | None = typer.Option(
        None, "--max-events", min=1, help="stop after this many events"
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", min=0.0, help="stop after this many seconds"
    ),
    as_json: bool = typer.Option(False, "--json", help="one JSON line per event"),
    lang: str | None = lang_option(),
    key: Path | None = key_option("delivery receipts"),
    state: Path | None = receipt_state_option(),
    party: str | None = party_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Live view of everything addressed to you: messages (delivered as they arrive),
    receipts, escalations (red), conflicts, channel down/up. Ctrl-C to stop. With --state,
    each delivery receipt is bound to the checkpoint of the log you verified."""
    from ..client import Client

    if deliver and key is None:
        fail(
            "watch reports each delivery signed with your key: pass --key FILE (or set "
            "INTERLOCK_KEY), or --no-deliver"
        )
    with reported_errors():
        client = party_client(url, token, party, key, need_key=deliver, state=state)
        interval_s = float(client.call("GET", "/agreement")["hotline"]["heartbeat_interval_s"])
    assert token is not None
    beats = Client(url, token, client.party)
    w = _Watch(client, beats, interval_s, deliver)
    if not as_json:
        console.print(
            f"watching {client.party}'s hotline at {url} from seq {after}"
            + (f"; heartbeat every {interval_s:g} s" if heartbeat else "")
            + ("" if deliver else "; not reporting delivery")
            + " (Ctrl-C to stop)",
            highlight=False,
        )
    client.last_seq = after
    w.start(heartbeat)
    ends = time.monotonic() + timeout if timeout is not None else None
    count, last = 0, after
    reason = "stopped"
    try:
        while max_events is None or count < max_events:
            wait = 0.25 if ends is None else min(0.25, ends - time.monotonic())
            if wait <= 0:
                reason = f"timed out after {timeout:g} s"
                break
            try:
                what, item = w.out.get(timeout=wait)
            except queue.Empty:
                continue
            if what == "error":
                w.stopped.set()
                if not isinstance(item, InterlockError | httpx.HTTPError):
                    fail(f"the stream failed: {item!r}")
                with reported_errors():
                    raise item
            if what == "note":
                if not as_json:
                    console.print(item, highlight=False)
                continue
            count += 1
            last = item["seq"]
            if as_json:
                typer.echo(orjson.dumps(item).decode())
            else:
                console.print(describe(item, client.party, reader_language(lang)), highlight=False)
        else:
            reason = f"{count} event(s)"
    except KeyboardInterrupt:
        reason = "interrupted"
    finally:
        w.stopped.set()
    if not as_json:
        console.print(
            f"[dim]{reason}; last seq {last} (resume with --after {last})[/]",
            highlight=False,
        )
