"""The reading commands as a watch officer sees them in an 80-column terminal.

One demo deployment (the eastern-Mediterranean scenario: air notices filed in flight
levels and in feet, sea notices in depths, assets, a hazard, hotline messages) served by
a real `interlock serve`; each command a real process at COLUMNS=80. Numbers shown (flight
levels, depths, degrees and minutes) are checked against the JSON the same commands
print, converted here by another route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from tests import pg
from tests.cli.test_cli import TOKEN, run, start, stop, wait_up
from tests.conftest import free_port

NARROW = {"COLUMNS": "80"}
# An id as shown: a prefix of n- (notice), m- (message), a- (asset) or h- (hazard) ids.
SHOWN_ID = re.compile(r"(?<![\w-])([nmah]-[0-9a-f]{4,16})(?![0-9a-f])")
MINUS_ZERO = re.compile(r"(?<![\w.])-0(?![\d.,])")


@dataclass
class Demo:
    directory: Path
    url: str
    tokens: dict[str, str]

    def env(self, party: str = "base") -> dict[str, str]:
        return {
            **NARROW,
            **pg.child_env(self.directory),
            "INTERLOCK_URL": self.url,
            "INTERLOCK_TOKEN": self.tokens[party],
        }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, _pg_template: None) -> Iterator[Demo]:
    """The demo loaded into a fresh deployment and served (on the PostgreSQL pass, its
    store a database made from the template, which must exist before this module fixture
    runs: hence `_pg_template`)."""
    directory = tmp_path_factory.mktemp("demo80")
    loaded = run("demo", "--load-only", "--data", str(directory), env=pg.child_env(directory))
    assert loaded.returncode == 0, loaded.stderr
    tokens = dict(TOKEN.findall(loaded.stdout))
    assert set(tokens) == {"base", "command"}
    port = free_port()
    proc = start(["serve", str(directory), "--port", str(port)], env=pg.child_env(directory))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url, proc)
        yield Demo(directory, url, tokens)
    finally:
        stop(proc)


def run_all(demo: Demo, *commands: tuple[str, ...]) -> list[CompletedProcess[str]]:
    """The commands at once (each a process of its own), as base (with its signing key)
    at 80 columns."""
    env = {**demo.env(), "INTERLOCK_KEY": str(demo.directory / "keys" / "base.key")}
    with ThreadPoolExecutor(len(commands)) as pool:
        return list(pool.map(lambda args: run(*args, env=env), commands))


def assert_fits(out: CompletedProcess[str], what: str) -> None:
    assert out.returncode == 0, (what, out.stderr)
    long = [line for line in out.stdout.splitlines() if len(line) > 80]
    assert not long, (what, long)
    assert not MINUS_ZERO.search(out.stdout), (what, out.stdout)
    ids = [line.split()[0] for line in out.stdout.splitlines() if line.split()[:1]]
    assert not any(re.match(r"[nmah]-[0-9a-f]*…", i) for i in ids), (what, "an id cut")


def id_column(table: str) -> list[str]:
    """The ids a table shows in its first column."""
    firsts = (line.split()[0] for line in table.splitlines() if line.split()[:1])
    return [f for f in firsts if SHOWN_ID.fullmatch(f)]


def row(table: str, text: str) -> str:
    return next(line for line in table.splitlines() if text in line)


def dm(value: float, width: int, sides: str) -> str:
    """Degrees and minutes to a tenth, by whole tenths of a minute (not as cli.readable)."""
    total = round(abs(value) * 600)
    degrees = total // 600
    minutes = (total - degrees * 600) / 10
    side = sides[0] if value >= 0 else sides[1]
    return f"{degrees:0{width}d}°{minutes:04.1f}′{side}"


def test_every_reading_command_fits_80_columns(demo: Demo, tmp_path: Path) -> None:
    listing, conflicts, closed, inbox, allbox, hazards, notices_json, msgs_json = run_all(
        demo,
        ("notice", "list"),
        ("conflicts",),
        ("conflicts", "--all"),
        ("hotline", "inbox"),
        ("hotline", "inbox", "--box", "all"),
        ("hazard", "list"),
        ("notice", "list", "--json"),
        ("hotline", "inbox", "--box", "all", "--json", "--limit", "1000"),
    )
    for out, what in (
        (listing, "notice list"),
        (conflicts, "conflicts"),
        (closed, "conflicts --all"),
        (inbox, "hotline inbox"),
        (allbox, "hotline inbox --box all"),
        (hazards, "hazard list"),
    ):
        assert_fits(out, what)
    features = json.loads(notices_json.stdout)["features"]
    notices = {f["properties"]["id"]: f["properties"] for f in features}
    messages = {m["id"] for m in json.loads(msgs_json.stdout)}
    # Every id shown is a prefix of exactly one id of its kind: never cut, never ambiguous.
    for out, pool in ((listing, set(notices)), (inbox, messages), (allbox, messages)):
        shown = id_column(out.stdout)
        assert shown
        for prefix in shown:
            assert len(prefix) >= 6
            assert len([i for i in pool if i.startswith(prefix)]) == 1, prefix
    # Bands as filed: FL for a notice filed in flight levels, feet, metres deep at sea.
    by_callsign = {p["callsign"]: p for p in notices.values() if p.get("callsign")}
    patrol = by_callsign["PATROL 21"]
    assert f"FL{int(patrol['fl_lower']):03d}–{int(patrol['fl_upper']):03d}" in row(
        listing.stdout, "PATROL 21"
    )
    circuit = by_callsign["KHM CIRCUIT"]
    assert f"{int(circuit['alt_lower_ft'])}–{int(circuit['alt_upper_ft']):,} ft" in row(
        listing.stdout, "KHM CIRCUIT"
    )
    tg1 = by_callsign["TG 1"]
    assert f"{int(tg1['depth_min_m'])}–{int(tg1['depth_max_m'])} m deep" in row(
        listing.stdout, "TG 1"
    )
    assert "Airbase Latakia (Khmeimim)" in listing.stdout  # the party's name, in the legend
    # Conflicts by name (callsigns, an asset's name), distances in NM, a status with --all.
    assert "RAVEN 2" in conflicts.stdout and "Coastal" in conflicts.stdout
    assert "NM" in conflicts.stdout and "late_notice" in conflicts.stdout
    assert "status" not in conflicts.stdout
    header = row(closed.stdout, "severity")
    assert header.split()[-1] == "status"
    body = [
        line
        for line in closed.stdout.splitlines()
        if re.match(r"\s*\d+ (critical|major|minor) ", line)
    ]
    assert body and all(line.split()[-1] in ("open", "closed") for line in body)
    # Messages: the sender, a subject cut with … on one line, the deadline in words.
    assert "interlock" in inbox.stdout and "…" in inbox.stdout
    assert re.search(r"\d\d:\d\d (in \d+ min|\d+ min ago|now)", inbox.stdout)


def test_one_conflict_one_notice_one_message_in_words(demo: Demo) -> None:
    as_json, shown, messages = run_all(
        demo,
        ("conflicts", "3", "--json"),
        ("conflicts", "3"),
        ("hotline", "inbox", "--json"),
    )
    assert_fits(shown, "conflicts 3")
    c = json.loads(as_json.stdout)
    assert c["id"] == 3
    where = f"{dm(c['worst_lat'], 2, 'NS')} {dm(c['worst_lon'], 3, 'EW')}"
    assert f"worst at  {where}" in shown.stdout
    nm = c["horizontal_minimum_m"] / 1852
    assert f"minimum {nm:.1f} NM, 1,000 ft" in shown.stdout
    assert c["a_id"] in shown.stdout and c["b_id"] in shown.stdout  # whole, to copy
    message = json.loads(messages.stdout)[0]["id"]
    notice = c["a_id"]
    notice_out, message_out = run_all(
        demo, ("notice", "show", notice[:7]), ("hotline", "show", message[:7])
    )
    assert_fits(notice_out, "notice show")
    assert_fits(message_out, "hotline show")
    assert f"notice {notice} version 1" in notice_out.stdout
    assert re.search(r"start +\d\d:\d\d UTC \((in|now)", notice_out.stdout)
    assert f"message {message}" in message_out.stdout


def test_id_prefixes_unique_ambiguous_none(demo: Demo) -> None:
    outs = run_all(
        demo,
        ("notice", "show", "n-"),
        ("notice", "show", "n-zzzz"),
        ("hotline", "show", "m-"),
        ("hotline", "ack", "m-zzzz"),
        ("conflicts", "999"),
        ("hazard", "retire", "h-zzzz"),
    )
    ambiguous, none, m_ambiguous, m_none, no_conflict, no_hazard = outs
    for out in outs:
        assert out.returncode == 2, out.stdout + out.stderr
    assert "NOTICE_ID: 'n-' is ambiguous" in ambiguous.stderr
    assert len(SHOWN_ID.findall(ambiguous.stderr)) >= 2  # the candidates are listed
    assert "NOTICE_ID: no notice you may see matches 'n-zzzz'" in none.stderr
    assert "MESSAGE_ID: 'm-' is ambiguous" in m_ambiguous.stderr
    assert "MESSAGE_ID: no message" in m_none.stderr
    assert "NUMBER: no conflict 999" in no_conflict.stderr
    assert "HAZARD_ID: no hazard" in no_hazard.stderr


def test_cancel_by_prefix_closes_its_conflict(demo: Demo) -> None:
    (listed,) = run_all(demo, ("notice", "list", "--json"))
    props = [f["properties"] for f in json.loads(listed.stdout)["features"]]
    cargo = next(p["id"] for p in props if p.get("callsign") == "CARGO 8")  # base's own
    out = run("notice", "cancel", cargo[:8], env=demo.env())
    assert out.returncode == 0, out.stderr
    assert f"{cargo} cancelled" in out.stdout


def test_audit_timeline_dir_first_by_conflict_number_or_prefix(demo: Demo) -> None:
    d = str(demo.directory)
    (listed,) = run_all(demo, ("notice", "list", "--json"))
    props = [f["properties"] for f in json.loads(listed.stdout)["features"]]
    transit = next(p["id"] for p in props if p.get("callsign") == "TRANSIT W")
    new, old, by_prefix, missing, ambiguous, not_a_dir = run_all(
        demo,
        ("audit", "timeline", d, "3"),
        ("audit", "timeline", "3", d),
        ("audit", "timeline", d, transit[:8]),
        ("audit", "timeline", d, "999"),
        ("audit", "timeline", d, "n-"),
        ("audit", "timeline", "/nonexistent-dir", "3"),
    )
    assert_fits(new, "audit timeline DIR 3")
    text = " ".join(new.stdout.split())
    assert "timeline of conflict 3" in text and "critical conflict #3" in text
    assert "system message" in text
    # (the same timeline: its rows, not its widths, which follow relative times)
    assert old.returncode == 0 and old.stdout.split()[:12] == new.stdout.split()[:12]
    assert "timeline of conflict 3" in " ".join(old.stdout.split())
    assert "old order" in old.stderr and "audit timeline DIR REF" in old.stderr
    assert "old order" not in new.stderr
    assert by_prefix.returncode == 0 and f"timeline of {transit}" in by_prefix.stdout
    assert missing.returncode == 2 and "REF: the ledger holds no conflict 999" in missing.stderr
    assert ambiguous.returncode == 2 and "is ambiguous" in ambiguous.stderr
    assert not_a_dir.returncode == 2 and "DIR:" in not_a_dir.stderr


def test_offline_check_and_serve_help_fit(tmp_path: Path) -> None:
    from tests.conftest import circle

    plan, against = tmp_path / "plan.geojson", tmp_path / "against.geojson"
    plan.write_text(json.dumps(circle(35.8, 35.5, callsign="HAWK 1")))
    against.write_text(json.dumps(circle(35.85, 35.5, callsign="EAGLE 2")))
    checked = run("check", str(plan), "--against", str(against), env=NARROW)
    assert checked.returncode == 1, checked.stderr
    assert all(len(line) <= 80 for line in checked.stdout.splitlines()), checked.stdout
    assert "HAWK 1" in checked.stdout and "EAGLE 2" in checked.stdout
    assert re.search(r"35°\d\d\.\d′N 035°\d\d\.\d′E", checked.stdout), checked.stdout
    assert "NM" in checked.stdout and "minima: 5.0 NM, 1,000 ft" in checked.stdout
    helped = run("serve", "--help", env=NARROW)
    assert "`[server]` table" in " ".join(helped.stdout.split())
