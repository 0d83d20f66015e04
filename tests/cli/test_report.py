"""`interlock report` and `interlock audit verify --bundle`, against a real server process.

The three-party theatre of `test_verify_url` (blue and red conflict and talk; blue's
recce purpose is committed, green's notice carries hidden fields; green may not read the
blue-red message). Each party's report shows what it may see and no more; the HTML is
self-contained and speaks in names; the PDF renders (pdftoppm); the bundle verifies
offline, and each way of tampering with it fails naming the entry.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.cli.test_verify_url import Theatre
from typer.testing import CliRunner, Result

from interlock.cli.main import app
from interlock.ledger import checkpoint as cp
from interlock.ledger.note import parse_note

pytestmark = [pytest.mark.server]
runner = CliRunner()
ID = re.compile(r"\b[nma]-[0-9a-f]{16}\b")  # a notice, message or asset id


@pytest.fixture(scope="module")
def theatre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Theatre]:
    t = Theatre(tmp_path_factory.mktemp("report") / "theatre")
    yield t
    t.server.stop()


def run(t: Theatre, party: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(
        app,
        ["report", "--url", t.server.url, "--token", t.tokens[party], *args],
        env={"COLUMNS": "400", "INTERLOCK_PARTY": "", **(env or {})},
    )


def verify(bundle: Path, *extra: str) -> Result:
    return runner.invoke(
        app, ["audit", "verify", "--bundle", str(bundle), *extra], env={"COLUMNS": "400"}
    )


def log_key(t: Theatre) -> str:
    """The log's key as a verifier gets it apart from the bundle (`GET /checkpoint.json`)."""
    import httpx

    got = httpx.get(
        t.server.url + "/checkpoint.json",
        headers={"Authorization": f"Bearer {t.tokens['blue']}"},
    )
    return str(got.json()["log_key"])


@pytest.fixture(scope="module")
def blue_conflict(theatre: Theatre, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("blue") / "conflict-1"
    result = run(theatre, "blue", "--conflict", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and (out / "report.pdf").is_file()
    return out


def texts(out: Path) -> tuple[str, str]:
    return (out / "report.html").read_text(), (out / "bundle.json").read_text()


def test_conflict_report_is_self_contained_in_names_and_its_pdf_renders(
    theatre: Theatre, blue_conflict: Path, tmp_path: Path
) -> None:
    html, bundle = texts(blue_conflict)
    urls = set(re.findall(r"https?://[^\s\"'<)]+", html))
    assert urls == {theatre.server.url}, urls  # the server's address, in text only
    assert not re.search(r"\s(src|href)\s*=", html) and "<script" not in html
    assert "<link" not in html and "@import" not in html and "url(" not in html.replace("url(#", "")
    assert html.count("<svg") == 2 and "NM</text>" in html  # map (scale bar) and timeline
    assert not ID.search(html), ID.search(html)  # names, never ids
    for name in ("HAWK1", "Blue", "Red", "conflict #1", "lead time", "purpose recce"):
        assert name in html, name
    assert "transit" not in html  # blue's message to red does not refer to the conflict
    data = json.loads(bundle)
    assert data["party"] == "blue" and data["count"] == len(data["entries"]) >= 3
    kinds = {i["entry"]["event"]["type"] for i in data["entries"]}
    assert {"notice_version", "conflict"} <= kinds
    # the PDF opens and each page renders to an image that is not blank
    pdf = blue_conflict / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert pages >= 2
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60
    )
    from PIL import Image

    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages
    for png in pngs:
        with Image.open(png) as im:
            colours = im.convert("RGB").getcolors(1 << 20) or []
            assert len(colours) > 10, png  # something drawn, not a blank page
    artifacts = Path(__file__).parent / "artifacts"  # ignored by git: to look at
    artifacts.mkdir(exist_ok=True)
    for png in pngs[:2]:
        shutil.copy(png, artifacts / f"report-{png.name}")


def test_the_bundle_verifies_offline_with_the_log_key(
    theatre: Theatre, blue_conflict: Path
) -> None:
    bundle = blue_conflict / "bundle.json"
    out = verify(bundle, "--log-key", log_key(theatre))
    assert out.exit_code == 0, out.output
    assert re.search(r"OK \d+ entries of blue's view about conflict #1", out.output)
    own = verify(bundle, "--state", str(blue_conflict / "empty-state"))  # no key pinned
    assert own.exit_code == 3 and "CANNOT CHECK who signed the checkpoint" in own.output
    other = verify(bundle, "--log-key", log_key(theatre), "--party", "red")
    assert other.exit_code == 1 and "the view of blue, not red" in other.output


def test_red_sees_the_conflict_without_blues_hidden_purpose(
    theatre: Theatre, tmp_path: Path
) -> None:
    out = run(theatre, "red", "--conflict", "1", "--out", str(tmp_path), "--no-pdf")
    assert out.exit_code == 0, out.output
    assert not (tmp_path / "report.pdf").exists()
    html, bundle = texts(tmp_path)
    assert "HAWK1" in html and "conflict #1" in html  # the callsign is for everyone
    assert "recce" not in html and "recce" not in bundle  # the committed purpose is not
    assert verify(tmp_path / "bundle.json", "--log-key", log_key(theatre)).exit_code == 0


def test_a_period_report_shows_each_party_only_its_own(theatre: Theatre, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    window = ["--from", (now - timedelta(hours=1)).isoformat(), "--to", now.isoformat()]
    reports = {}
    for party in ("green", "blue"):
        out = tmp_path / party
        result = run(theatre, party, *window, "--out", str(out), "--no-pdf")
        assert result.exit_code == 0, result.output
        reports[party] = texts(out)
        assert verify(out / "bundle.json", "--log-key", log_key(theatre)).exit_code == 0
    green_html, green_bundle = reports["green"]
    blue_html, blue_bundle = reports["blue"]
    # the blue-red message: blue's report has it, green's (a stub in its view) has not
    assert "“transit”" in blue_html and "transit" not in green_html + green_bundle
    assert '"redacted"' not in green_bundle  # a stub is never cited
    # green's hidden fields: green sees its own, blue does not
    assert "FFG-1" in green_html and "FFG-1" not in blue_html + blue_bundle
    assert "recce" in blue_html and "recce" not in green_html + green_bundle
    assert "Green navy" in green_html and not ID.search(green_html)


def test_refusals_write_nothing(theatre: Theatre, tmp_path: Path) -> None:
    out = str(tmp_path / "r")
    cases = [
        ([], "give one of"),
        (["--conflict", "1", "--notice", "n-"], "give one of"),
        (["--from", "2026-01-01T00:00:00Z"], "--to"),
        (["--from", "2026-01-02T00:00:00Z", "--to", "2026-01-01T00:00:00Z"], "after --from"),
        (["--from", "2026-01-01T00:00:00", "--to", "2026-01-02T00:00:00Z"], "naive"),
        (["--notice", "n-ffff"], "--notice"),
        (["--alert", "nope"], "no alert"),
    ]
    for args, said in cases:
        result = run(theatre, "blue", *args, "--out", out)
        assert result.exit_code == 2, (args, result.output)
        assert said in result.output, (args, result.output)
    green = run(theatre, "green", "--conflict", "1", "--out", out)  # not green's conflict
    assert green.exit_code == 2 and "no conflict 1" in green.output
    assert not (tmp_path / "r").exists()


def test_no_chromium_writes_the_html_and_says_why(theatre: Theatre, tmp_path: Path) -> None:
    env = {"INTERLOCK_CHROMIUM": str(tmp_path / "no-such-chromium")}
    out = run(theatre, "blue", "--conflict", "1", "--out", str(tmp_path), env=env)
    assert out.exit_code == 3, out.output
    assert "PDF skipped" in out.output and "INTERLOCK_CHROMIUM" in out.output
    assert (tmp_path / "report.html").is_file() and (tmp_path / "bundle.json").is_file()
    assert not (tmp_path / "report.pdf").exists()


# ---- tampering --------------------------------------------------------------------------


def _item(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(i for i in data["entries"] if i["entry"]["event"]["type"] == kind)


def change_entry(data: dict[str, Any]) -> int:
    e = _item(data, "conflict")["entry"]
    e["event"]["severity"] = "minor"
    return int(e["seq"])


def swap_in_stub(data: dict[str, Any]) -> int:
    e = _item(data, "notice_version")["entry"]
    e["event"] = {"type": "notice_version", "redacted": True}
    e.pop("openings", None)
    return int(e["seq"])


def flip_proof_hash(data: dict[str, Any]) -> int:
    item = data["entries"][-1]
    raw = bytearray(base64.b64decode(item["inclusion"]["proof"][0]))
    raw[0] ^= 1
    item["inclusion"]["proof"][0] = base64.b64encode(bytes(raw)).decode()
    return int(item["entry"]["seq"])


def move_entry(data: dict[str, Any]) -> int:
    items = data["entries"]
    items[0], items[1] = items[1], items[0]
    return int(items[1]["entry"]["seq"])


def renumber_entry(data: dict[str, Any]) -> int:
    e = data["entries"][0]["entry"]
    e["seq"] += 1
    return int(e["seq"])


def resign_checkpoint(data: dict[str, Any]) -> int:
    """The checkpoint re-signed by another key (the bundle's own copy of the key swapped
    too): only a log key from outside the bundle catches it."""
    from interlock.ledger.note import raw_public, verifier_key

    note = parse_note(data["log"]["note"])
    signed = cp.sign_checkpoint(cp.parse_checkpoint(note.text), Ed25519PrivateKey.generate(), 1)
    data["log"]["note"] = signed.text()
    origin = signed.checkpoint.origin
    data["log"]["log_key"] = verifier_key(
        origin, raw_public(Ed25519PrivateKey.generate().public_key())
    )
    return 0


TAMPERS: dict[str, tuple[Callable[[dict[str, Any]], int], str]] = {
    "entry changed": (change_entry, "content changed"),
    "redacted placeholder": (swap_in_stub, "redacted placeholder"),
    "proof hash flipped": (flip_proof_hash, "inclusion proof"),
    "entry moved": (move_entry, "listed after entry"),
    "entry renumbered": (renumber_entry, "entry hash mismatch"),
    "checkpoint re-signed": (resign_checkpoint, "the checkpoint"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_each_tamper_fails_naming_the_entry(
    theatre: Theatre, blue_conflict: Path, tmp_path: Path, name: str
) -> None:
    tamper, reason = TAMPERS[name]
    data = json.loads((blue_conflict / "bundle.json").read_text())
    seq = tamper(data)
    forged = tmp_path / "bundle.json"
    forged.write_text(json.dumps(data))
    out = verify(forged, "--log-key", log_key(theatre))
    assert out.exit_code == 1, out.output
    where = "in the bundle" if seq == 0 else f"at entry {seq}"
    assert f"TAMPERED {where}: " in out.output and reason in out.output, out.output


def test_a_truncated_bundle_fails(blue_conflict: Path, tmp_path: Path) -> None:
    raw = (blue_conflict / "bundle.json").read_bytes()
    forged = tmp_path / "bundle.json"
    forged.write_bytes(raw[: len(raw) // 2])
    out = verify(forged)
    assert out.exit_code == 1 and "cut short" in out.output, out.output
    forged.write_text("not json at all")
    assert verify(forged).exit_code == 2
    items = json.loads(raw)
    items["entries"].pop()  # an entry dropped, the count left
    forged.write_text(json.dumps(items))
    out = verify(forged)
    assert out.exit_code == 1 and "cut or added" in out.output, out.output


def test_a_notice_report_by_prefix_and_the_key_a_witness_pinned(
    theatre: Theatre, tmp_path: Path
) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {theatre.tokens['blue']}"}
    listed = httpx.get(theatre.server.url + "/notices", headers=headers).json()["features"]
    hawk = next(f["id"] for f in listed if f["properties"].get("callsign") == "HAWK1")
    out = run(theatre, "blue", "--notice", hawk[:8], "--out", str(tmp_path), "--no-pdf")
    assert out.exit_code == 0, out.output
    html = (tmp_path / "report.html").read_text()
    assert "notice HAWK1" in html and "lead time" in html and "meets the 60 min rule" in html
    # the log key pinned by `audit checkpoint` is the key --bundle uses from --state
    state = tmp_path / "state"
    pinned = runner.invoke(
        app,
        [
            "audit",
            "checkpoint",
            "--url",
            theatre.server.url,
            "--token",
            theatre.tokens["blue"],
            "--state",
            str(state),
            "--no-cosign",
        ],
    )
    assert pinned.exit_code == 0, pinned.output
    out = verify(tmp_path / "bundle.json", "--state", str(state))
    assert out.exit_code == 0 and "the key your witness state pinned" in out.output, out.output
    other = tmp_path / "other.toml"  # another agreement: the same but one rule
    terms = (theatre.directory / "agreement.toml").read_text()
    other.write_text(terms.replace("min_lead_time_min = 60", "min_lead_time_min = 61", 1))
    assert other.read_text() != terms
    out = verify(tmp_path / "bundle.json", "--state", str(state), "--agreement", str(other))
    assert out.exit_code == 1 and "made under agreement" in out.output, out.output


def test_a_view_that_is_not_the_signed_log_writes_no_report(tmp_path: Path) -> None:
    """The operator rewrites a system event and rehashes everything after it: every link
    holds, but the entries no longer make the root the log signed."""
    from tests.cli.test_verify_url import rewrite, seq_of

    t = Theatre(tmp_path / "theatre")
    try:
        seq = seq_of(t, "conflict")
        rewrite(t, seq, lambda e: e["event"].update(severity="minor"), rehash=True)
        out = run(t, "blue", "--conflict", "1", "--out", str(tmp_path / "r"), "--no-pdf")
        assert out.exit_code == 1, out.output
        assert "not the log the server signed" in out.output
        assert not (tmp_path / "r").exists()
    finally:
        t.server.stop()
