"""The agreement: the parties and the rules they signed. Configuration, not code.

Read from TOML (see ``interlock init`` for a commented example). Every default below
names its source.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..codec.keys import parse_public
from ..errors import InvalidInput
from ..geo.limits import ShapeLimits
from ..geo.units import M_PER_FT, M_PER_NM
from .advice_rules import AdviceRules, advice_rules
from .hazard_rules import HazardRules, hazard_rules
from .history import HistoryRules, history_rules
from .spectrum_rules import SpectrumRules, spectrum_rules

DOMAINS = ("air", "sea", "emission")
VOLUME_DOMAINS = ("air", "sea")
PARTY_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
OPTIONAL_FIELDS = ("purpose", "callsign", "remarks", "unit")
RESERVED_ID = "interlock"  # the author of system messages: no party may take it
PRIORITIES = ("routine", "urgent", "flash")  # hotline message priorities, lowest first
MAX_HORIZON_DAYS = 84_000  # model.limits' window of accepted times, 1970-2200
MAX_NUMBER = 1e9  # above any sane rule value; keeps timedelta (max ~1.4e12 min) from overflowing


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str
    public_keys: tuple[str, ...] = ()  # Ed25519 keys, filled in by the hotline


# "Closer than the minimum" is a loss of separation; exactly at it is separated (ICAO Doc
# 4444 §5.4.1: separation is "not less than" the minimum). Distances are compared in
# metres, and the conversions from the units rules are stated in (ft, FL, NM) leave a
# round-off of ~1e-12 m (36,000 ft - 35,000 ft = 304.7999999999993 m): within this
# tolerance of a minimum, a distance counts as exactly at it. Every detector (strategic,
# tactical, horizontal and vertical, air and sea) compares through `infringes`.
MINIMUM_TOLERANCE_M = 1e-3


def infringes(distance_m: float, minimum_m: float) -> bool:
    """Whether a distance is closer than a minimum (exactly at it is separated)."""
    return distance_m < minimum_m - MINIMUM_TOLERANCE_M


@dataclass(frozen=True, slots=True)
class Separation:
    """Separation minima of one domain."""

    horizontal_m: float
    vertical_m: float


@dataclass(frozen=True, slots=True)
class Rules:
    # Agreement clause "notice lead time": a notice must be filed this long before it starts.
    min_lead_time: timedelta = timedelta(hours=1)
    # "record": a late notice is accepted and recorded as a violation; "refuse": rejected.
    late_notice: str = "record"
    # Time buffer added around every window when testing for overlap.
    time_buffer: timedelta = timedelta(minutes=15)
    # Separation minima. Air: 5 NM / 1000 ft (ICAO Doc 4444 radar separation and RVSM
    # vertical separation); sea: 2 NM CPA (common chart-plotter CPA alarm) and any
    # overlap of depth bands.
    separation: dict[str, Separation] = field(
        default_factory=lambda: {
            "air": Separation(5 * M_PER_NM, 1000 * M_PER_FT),
            "sea": Separation(2 * M_PER_NM, 0.0),
        }
    )
    max_area_km2: float = 250_000.0
    max_duration: timedelta = timedelta(days=7)
    # Whether notices must come as Ed25519-signed envelopes (the hotline's provable record).
    require_signatures: bool = False
    # How far ahead a notice may end. ASTM F3548-21 bounds a UTM operational intent at 30
    # days ahead; an agreement between forces publishes exercises further out: 400 days
    # holds a yearly exercise programme filed a month before its year starts.
    planning_horizon: timedelta = timedelta(days=400)
    # What one shape may cost (geo.limits.ShapeLimits names each default and why).
    shape: ShapeLimits = field(default_factory=ShapeLimits)
    # Candidates (stored notices and assets the index finds near a new notice or asset)
    # one request may check exactly; more is refused rather than run unbounded. Measured
    # on the shared 2-core VM: a 280 km circle against 10,000 stored shapes took 1.1 s
    # (circles), 2.3 s (5-point corridors), 6.5 s (40-vertex polygons); 2,000 bounds one
    # request at about 1.3 s of checks. A notice in the demo theatre meets a few.
    max_candidates: int = 2_000

    def minima(self, domain_a: str, domain_b: str) -> Separation:
        """Minima for a pair: a mixed pair takes the larger of each (the safer side)."""
        a, b = self.separation[domain_a], self.separation[domain_b]
        return Separation(max(a.horizontal_m, b.horizontal_m), max(a.vertical_m, b.vertical_m))

    @property
    def largest_minima(self) -> Separation:
        seps = list(self.separation.values())
        return Separation(max(s.horizontal_m for s in seps), max(s.vertical_m for s in seps))


def _by_priority(routine: float, urgent: float, flash: float) -> dict[str, timedelta]:
    return {
        "routine": timedelta(seconds=routine),
        "urgent": timedelta(seconds=urgent),
        "flash": timedelta(seconds=flash),
    }


@dataclass(frozen=True, slots=True)
class HotlineRules:
    """The agreement's hotline clauses: deadlines, escalation, channel health."""

    # Clause "acknowledgement": a message must be acknowledged by each addressee within
    # this time of being sent (flash 30 s: the 2018 warning was about a minute).
    ack_deadline: dict[str, timedelta] = field(default_factory=lambda: _by_priority(900, 120, 30))
    # An unacknowledged message is escalated at its deadline and again at this interval.
    escalation_repeat: dict[str, timedelta] = field(
        default_factory=lambda: _by_priority(300, 60, 15)
    )
    # Parties told of every escalation besides those the message concerns.
    escalation_contacts: tuple[str, ...] = ()
    # Clause "channel health": each party's client heartbeats this often; silent for
    # `heartbeat_missed` intervals, the party is reported "hotline down" to the others.
    heartbeat_interval: timedelta = timedelta(seconds=10)
    heartbeat_missed: int = 3
    # Priority of the system messages that announce detected conflicts and violations (by
    # severity, or by kind for the hazard alerts).
    system_priority: dict[str, str] = field(
        default_factory=lambda: {
            "critical": "flash",
            "major": "urgent",
            "minor": "routine",
            "late_notice": "urgent",
            "warning": "urgent",  # a tactical alert that is not critical
            # Third-party fire (agreement [hazards]): an aircraft inside a hot envelope,
            # and a kinetic notice giving it less warning than it needs to leave.
            "exposure": "flash",
            "insufficient_warning": "flash",
            # Hazard alerts on live tracks: an aircraft beside a kinetic party's aircraft
            # in a hot envelope (masking) must be told at once; one off its notice
            # (nonconformance) needs the other parties' attention, not a scramble.
            "nonconformance": "urgent",
            "masking": "flash",
        }
    )

    @property
    def silence_limit(self) -> timedelta:
        return self.heartbeat_interval * self.heartbeat_missed


@dataclass(frozen=True, slots=True)
class TacticalMinima:
    """Live-track separation of one domain: a predicted closer approach within the
    lookahead is an alert. Air 5 NM / 1000 ft / 300 s (ICAO Doc 4444 radar minima, a
    short-term conflict alert horizon); sea CPA 2 NM / TCPA 30 min, horizontal only
    (common chart-plotter CPA alarm settings)."""

    horizontal_m: float
    vertical_m: float  # math.inf: horizontal only
    lookahead_s: float


TACTICAL_AIR = TacticalMinima(5 * M_PER_NM, 1000 * M_PER_FT, 300.0)
TACTICAL_SEA = TacticalMinima(2 * M_PER_NM, math.inf, 1800.0)


def _tactical_defaults() -> dict[str, TacticalMinima]:
    return {"air": TACTICAL_AIR, "sea": TACTICAL_SEA}


# Optional notice fields other parties see unless the agreement's visibility table says.
OTHERS_SEE_DEFAULT = ("callsign",)


# ---- [formats]: who issues the theatre's NOTAMs and navigational warnings -------------
NAVAREAS = tuple(
    [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
        "XI",
        "XII",
        "XIII",
        "XIV",
        "XV",
        "XVI",
        "XVII",
        "XVIII",
        "XIX",
        "XX",
        "XXI",
    ]
)  # IMO resolution A.706(17) as amended (MSC.1/Circ.1288): the 21 NAVAREAs
FIR_ID = re.compile(r"^[A-Z]{4}$")  # an ICAO location indicator (Doc 7910): four letters


@dataclass(frozen=True, slots=True)
class Formats:
    """The text formats' issuing details (``formats/notam.py``, ``formats/navarea.py``).

    - ``fir`` "XXXX": the ICAO location indicator (Doc 7910) of the FIR the theatre lies
      in, for the NOTAM Q-line and item A; "XXXX" is PANS-AIM's (Doc 10066) mark for no
      indicator allotted, so a deployment names its own (the demo: "LCCC", Nicosia).
    - ``notam_series`` "A": the NOTAM series letter (Doc 10066 App. 6: a letter A-Z, "A"
      the usual series for international distribution).
    - ``navarea`` "": the NAVAREA (IMO A.706(17)) the theatre's sea lies in, for the
      warning's header ("III": Mediterranean and Black Sea); empty: a plain "NAVIGATIONAL
      WARNING" header.
    """

    fir: str = "XXXX"
    notam_series: str = "A"
    navarea: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"fir": self.fir, "notam_series": self.notam_series, "navarea": self.navarea}


def formats_from(data: dict[str, Any]) -> Formats:
    """Validate the `[formats]` table (absent: the defaults above)."""
    table = _table(data, "formats", "formats")
    unknown = set(table) - {"fir", "notam_series", "navarea"}
    if unknown:
        raise InvalidInput(f"unknown key {sorted(unknown)[0]!r}", field="formats")
    d = Formats()
    fir = table.get("fir", d.fir)
    if not isinstance(fir, str) or not FIR_ID.match(fir):
        raise InvalidInput("an ICAO location indicator: four capital letters", field="formats.fir")
    series = table.get("notam_series", d.notam_series)
    if not isinstance(series, str) or not re.fullmatch(r"[A-Z]", series):
        raise InvalidInput("one capital letter A-Z", field="formats.notam_series")
    navarea = table.get("navarea", d.navarea)
    if navarea != "" and navarea not in NAVAREAS:
        raise InvalidInput(
            "a NAVAREA in Roman numerals, I to XXI (or empty)", field="formats.navarea"
        )
    return Formats(fir, series, str(navarea))


@dataclass(frozen=True, slots=True)
class Agreement:
    name: str
    parties: tuple[Party, ...]
    rules: Rules = field(default_factory=Rules)
    # Optional notice fields other parties may see; the 4D volume is always shared.
    others_see: tuple[str, ...] = OTHERS_SEE_DEFAULT
    hotline: HotlineRules = field(default_factory=HotlineRules)
    tactical: dict[str, TacticalMinima] = field(default_factory=_tactical_defaults)
    spectrum: SpectrumRules = field(default_factory=SpectrumRules)
    hazards: HazardRules = field(default_factory=HazardRules)
    formats: Formats = field(default_factory=Formats)
    # Track history: thinning and retention (model.history)
    history: HistoryRules = field(default_factory=HistoryRules)
    # Advice that clears a conflict: its search bounds and steps (model.advice_rules)
    advice: AdviceRules = field(default_factory=AdviceRules)

    def party(self, party_id: str) -> Party:
        for p in self.parties:
            if p.id == party_id:
                return p
        raise InvalidInput(f"unknown party {party_id!r}", field="party")

    @property
    def party_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.parties)

    def to_dict(self) -> dict[str, Any]:
        r = self.rules
        return {
            "name": self.name,
            "parties": [
                {"id": p.id, "name": p.name, "public_keys": list(p.public_keys)}
                for p in self.parties
            ],
            "rules": {
                "min_lead_time_min": r.min_lead_time.total_seconds() / 60,
                "late_notice": r.late_notice,
                "time_buffer_min": r.time_buffer.total_seconds() / 60,
                "max_area_km2": r.max_area_km2,
                "max_duration_h": r.max_duration.total_seconds() / 3600,
                "require_signatures": r.require_signatures,
                "planning_horizon_days": r.planning_horizon.total_seconds() / 86400,
                "max_positions": r.shape.max_positions,
                "max_rings": r.shape.max_rings,
                "max_boundary_pieces": r.shape.max_boundary_pieces,
                "max_path_overlap": r.shape.max_path_overlap,
                "max_candidates": r.max_candidates,
                "separation": {
                    d: {"horizontal_m": s.horizontal_m, "vertical_m": s.vertical_m}
                    for d, s in r.separation.items()
                },
            },
            "visibility": {"others_see": list(self.others_see)},
            "hotline": {
                "ack_deadline_s": {
                    k: v.total_seconds() for k, v in self.hotline.ack_deadline.items()
                },
                "escalation_repeat_s": {
                    k: v.total_seconds() for k, v in self.hotline.escalation_repeat.items()
                },
                "escalation_contacts": list(self.hotline.escalation_contacts),
                "heartbeat_interval_s": self.hotline.heartbeat_interval.total_seconds(),
                "heartbeat_missed": self.hotline.heartbeat_missed,
                "system_priority": dict(self.hotline.system_priority),
            },
            "tactical": {
                d: {
                    "horizontal_m": m.horizontal_m,
                    "vertical_m": m.vertical_m if math.isfinite(m.vertical_m) else None,
                    "lookahead_s": m.lookahead_s,
                }
                for d, m in self.tactical.items()
            },
            "spectrum": self.spectrum.to_dict(),
            "hazards": self.hazards.to_dict(),
            "formats": self.formats.to_dict(),
            "history": self.history.to_dict(),
            "advice": self.advice.to_dict(),
        }


def _number(
    table: dict[str, Any],
    key: str,
    default: float,
    where: str,
    minimum: float = 0.0,
) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("must be a finite number", field=f"{where}.{key}")
    if value < minimum:
        raise InvalidInput(f"must be >= {minimum}", field=f"{where}.{key}")
    if value > MAX_NUMBER:
        raise InvalidInput(f"must be <= {MAX_NUMBER:g}", field=f"{where}.{key}")
    return float(value)


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InvalidInput("must be a table", field=where)
    return value


def _flag(table: dict[str, Any], key: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise InvalidInput("must be true or false", field=f"rules.{key}")
    return value


def _count(table: dict[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NUMBER:
        raise InvalidInput(f"must be an integer from 1 to {MAX_NUMBER:g}", field=f"{where}.{key}")
    return value


def _horizon_days(r: dict[str, Any], default: float) -> float:
    days = _number(r, "planning_horizon_days", default, "rules", 1.0)
    if days > MAX_HORIZON_DAYS:
        raise InvalidInput(
            f"must be <= {MAX_HORIZON_DAYS:,} (the accepted times span 230 years)",
            field="rules.planning_horizon_days",
        )
    return days


def _shape_limits(r: dict[str, Any]) -> ShapeLimits:
    d = ShapeLimits()
    return ShapeLimits(
        max_positions=_count(r, "max_positions", d.max_positions, "rules"),
        max_rings=_count(r, "max_rings", d.max_rings, "rules"),
        max_boundary_pieces=_count(r, "max_boundary_pieces", d.max_boundary_pieces, "rules"),
        max_path_overlap=_number(r, "max_path_overlap", d.max_path_overlap, "rules", 1.0),
    )


def _separation(table: dict[str, Any], domain: str, default: Separation) -> Separation:
    where = f"rules.separation.{domain}"
    h = default.horizontal_m
    if "horizontal_nm" in table:
        h = _number(table, "horizontal_nm", 0, where) * M_PER_NM
    elif "horizontal_m" in table:
        h = _number(table, "horizontal_m", 0, where)
    v = default.vertical_m
    if "vertical_ft" in table:
        v = _number(table, "vertical_ft", 0, where) * M_PER_FT
    elif "vertical_m" in table:
        v = _number(table, "vertical_m", 0, where)
    return Separation(h, v)


def _per_priority(
    table: dict[str, Any], key: str, default: dict[str, timedelta]
) -> dict[str, timedelta]:
    where = f"hotline.{key}"
    given = _table(table, key, where)
    unknown = set(given) - set(PRIORITIES)
    if unknown:
        raise InvalidInput(f"unknown priority {sorted(unknown)[0]!r}", field=where)
    out = {}
    for p in PRIORITIES:
        seconds = _number(given, p, default[p].total_seconds(), where, 1.0)
        out[p] = timedelta(seconds=seconds)
    return out


def _hotline(data: dict[str, Any], party_ids: set[str]) -> HotlineRules:
    h = _table(data, "hotline", "hotline")
    d = HotlineRules()
    contacts = h.get("escalation_contacts", [])
    if not isinstance(contacts, list) or any(c not in party_ids for c in contacts):
        raise InvalidInput(
            "must list party ids of this agreement", field="hotline.escalation_contacts"
        )
    missed = h.get("heartbeat_missed", d.heartbeat_missed)
    if isinstance(missed, bool) or not isinstance(missed, int) or not 1 <= missed <= 1000:
        raise InvalidInput("must be an integer from 1 to 1000", field="hotline.heartbeat_missed")
    system = dict(d.system_priority)
    for key, value in _table(h, "system_priority", "hotline.system_priority").items():
        if key not in system:
            raise InvalidInput(f"unknown event {key!r}", field="hotline.system_priority")
        if value not in PRIORITIES:
            raise InvalidInput(
                f"must be one of {', '.join(PRIORITIES)}", field=f"hotline.system_priority.{key}"
            )
        system[key] = value
    interval = _number(
        h, "heartbeat_interval_s", d.heartbeat_interval.total_seconds(), "hotline", 0.1
    )
    return HotlineRules(
        ack_deadline=_per_priority(h, "ack_deadline_s", d.ack_deadline),
        escalation_repeat=_per_priority(h, "escalation_repeat_s", d.escalation_repeat),
        escalation_contacts=tuple(contacts),
        heartbeat_interval=timedelta(seconds=interval),
        heartbeat_missed=missed,
        system_priority=system,
    )


def _tactical(data: dict[str, Any]) -> dict[str, TacticalMinima]:
    out = _tactical_defaults()
    for domain, table in _table(data, "tactical", "tactical").items():
        where = f"tactical.{domain}"
        if domain not in VOLUME_DOMAINS or not isinstance(table, dict):
            raise InvalidInput(f"unknown domain {domain!r}", field="tactical")
        d = out[domain]
        h = d.horizontal_m
        if "horizontal_nm" in table:
            h = _number(table, "horizontal_nm", 0, where, 1e-3) * M_PER_NM
        v = d.vertical_m
        if "vertical_ft" in table:
            v = _number(table, "vertical_ft", 0, where, 1e-3) * M_PER_FT
        look = _number(table, "lookahead_s", d.lookahead_s, where, 1.0)
        out[domain] = TacticalMinima(h, v, look)
    return out


def agreement_from_dict(data: dict[str, Any]) -> Agreement:
    """Validate a parsed agreement document."""
    meta = _table(data, "agreement", "agreement")
    parties_raw = data.get("parties")
    if not isinstance(parties_raw, list) or len(parties_raw) < 2:
        raise InvalidInput("an agreement needs at least two [[parties]]", field="parties")
    parties = []
    for i, p in enumerate(parties_raw):
        pid = p.get("id") if isinstance(p, dict) else None
        if not isinstance(pid, str) or not PARTY_ID.match(pid):
            raise InvalidInput(
                "party id must be lower-case letters, digits, '-' or '_' (max 32)",
                field=f"parties[{i}].id",
            )
        if pid == RESERVED_ID:
            raise InvalidInput(
                f"{RESERVED_ID!r} is reserved: system messages are sent under it",
                field=f"parties[{i}].id",
            )
        keys = p.get("public_keys", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise InvalidInput("must be a list of strings", field=f"parties[{i}].public_keys")
        for k, text in enumerate(keys):
            try:
                parse_public(text)
            except InvalidInput as exc:
                raise InvalidInput(exc.detail, field=f"parties[{i}].public_keys[{k}]") from None
        parties.append(Party(pid, str(p.get("name", pid)), tuple(keys)))
    if len({p.id for p in parties}) != len(parties):
        raise InvalidInput("party ids must be unique", field="parties")
    r = _table(data, "rules", "rules")
    defaults = Rules()
    late = r.get("late_notice", defaults.late_notice)
    if late not in ("record", "refuse"):
        raise InvalidInput("must be 'record' or 'refuse'", field="rules.late_notice")
    seps = dict(defaults.separation)
    for domain, table in _table(r, "separation", "rules.separation").items():
        if domain not in VOLUME_DOMAINS or not isinstance(table, dict):
            raise InvalidInput(f"unknown domain {domain!r}", field="rules.separation")
        seps[domain] = _separation(table, domain, seps[domain])
    rules = Rules(
        min_lead_time=timedelta(minutes=_number(r, "min_lead_time_min", 60, "rules")),
        late_notice=late,
        time_buffer=timedelta(minutes=_number(r, "time_buffer_min", 15, "rules")),
        separation=seps,
        max_area_km2=_number(r, "max_area_km2", defaults.max_area_km2, "rules", 1e-6),
        max_duration=timedelta(hours=_number(r, "max_duration_h", 168, "rules", 1e-6)),
        require_signatures=_flag(r, "require_signatures"),
        planning_horizon=timedelta(days=_horizon_days(r, defaults.planning_horizon.days)),
        shape=_shape_limits(r),
        max_candidates=_count(r, "max_candidates", defaults.max_candidates, "rules"),
    )
    vis = _table(data, "visibility", "visibility")
    others_see = vis.get("others_see", list(OTHERS_SEE_DEFAULT))
    if not isinstance(others_see, list) or any(f not in OPTIONAL_FIELDS for f in others_see):
        raise InvalidInput(
            f"must list fields among {', '.join(OPTIONAL_FIELDS)}", field="visibility.others_see"
        )
    return Agreement(
        str(meta.get("name", "agreement")),
        tuple(parties),
        rules,
        tuple(others_see),
        _hotline(data, {p.id for p in parties}),
        _tactical(data),
        spectrum_rules(data),
        hazard_rules(data),
        formats_from(data),
        history=history_rules(data),
        advice=advice_rules(data),
    )


def load_agreement(path: Path) -> Agreement:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"not valid TOML: {exc}", field=str(path)) from None
    except OSError as exc:
        raise InvalidInput(f"cannot read agreement: {exc.strerror}", field=str(path)) from None
    return agreement_from_dict(data)


EXAMPLE_AGREEMENT = """\
# interlock agreement: the parties and the rules they signed.
# Every rule here is configuration: change it, restart the server, and detection follows.

[agreement]
name = "Example deconfliction agreement"

# One table per party. `id` is what tokens, notices and messages are keyed by.
# public_keys: Ed25519 keys of the party (filled in with `interlock keys new`).
[[parties]]
id = "blue"
name = "Blue air force command"
public_keys = []

[[parties]]
id = "red"
name = "Red airbase"
public_keys = []

[rules]
# A notice must be filed at least this long before its activity starts.
min_lead_time_min = 60
# What to do with a late notice: "record" (accept, record a violation every party sees)
# or "refuse" (reject it with an error).
late_notice = "record"
# Added around each time window when testing two activities for overlap.
time_buffer_min = 15
# Largest area and longest duration a single notice may declare.
max_area_km2 = 250000
max_duration_h = 168
# Require every notice to come as an Ed25519-signed envelope (interlock.ledger.envelope),
# so the record proves who declared what. Needs each party's public_keys above.
require_signatures = false
# A notice may end at most this many days ahead (times anyone sends lie in 1970-2199).
planning_horizon_days = 400
# What one shape may cost, checked before any work on it: positions in all its rings,
# rings (holes + 1), 2 km pieces along its boundary, and how far a corridor folds back
# over itself (a straight one scores about 3; a corridor must not cross itself).
max_positions = 5000
max_rings = 100
max_boundary_pieces = 20000
max_path_overlap = 12
# Stored notices and assets one new notice or asset may be checked against exactly.
max_candidates = 2000

# Separation minima per domain. Horizontal in nm (or _m), vertical in ft (or _m).
# A pair from two domains uses the larger minimum of each.
[rules.separation.air]
horizontal_nm = 5
vertical_ft = 1000

[rules.separation.sea]
horizontal_nm = 2
vertical_m = 0

[visibility]
# Optional notice fields other parties see (among purpose, callsign, remarks, unit).
# The 4D volume, time window and status are always shared: detection needs them.
others_see = ["callsign"]

[hotline]
# Each addressee must acknowledge a message within this many seconds, by priority.
ack_deadline_s = { routine = 900, urgent = 120, flash = 30 }
# An unacknowledged message is escalated at its deadline, then again this often.
escalation_repeat_s = { routine = 300, urgent = 60, flash = 15 }
# Parties told of every escalation besides those the message concerns (party ids).
escalation_contacts = []
# Each party's client heartbeats this often; silent for `heartbeat_missed` intervals,
# the party is reported "hotline down" to the others (and "back up" when it returns).
heartbeat_interval_s = 10
heartbeat_missed = 3

# Priority of the system messages announcing detected conflicts and tactical alerts (by
# severity) and late notices; every party concerned must acknowledge them like any message.
[hotline.system_priority]
critical = "flash"
major = "urgent"
minor = "routine"
late_notice = "urgent"
warning = "urgent"   # a tactical alert short of critical
exposure = "flash"   # an aircraft inside a hazard's envelope made hot by a kinetic notice
insufficient_warning = "flash"  # a kinetic notice filed too late for it to leave
nonconformance = "urgent"  # a party's aircraft outside all its active notices
masking = "flash"    # beside a kinetic party's aircraft, on its bearing from a hot hazard

# Live tracks: an alert when two tracks are predicted to come closer than these minima
# within the lookahead (air: horizontal AND vertical; sea: horizontal only).
[tactical.air]
horizontal_nm = 5
vertical_ft = 1000
lookahead_s = 300

[tactical.sea]
horizontal_nm = 2
lookahead_s = 1800

# The electromagnetic arena: an emission harms a protected receiver when the aggregate
# interference of every emission active at the same time exceeds the receiver's I/N
# criterion (its own `criterion_db`, else one of these).
[spectrum]
criterion_db = -6                  # ITU-R M.1461: I/N = -6 dB
safety_of_life_criterion_db = -10  # ITU-R M.1849: I/N = -10 dB for safety-of-life services
propagation = "smooth_earth"       # P.525 free space + P.526 diffraction; or "free_space"
k_factor = 1.3333333333333333  # effective Earth radius factor (4/3, ITU-R P.453)
clutter_db = 0                     # extra agreed loss at the ends (ITU-R P.2108), dB
top_contributors = 5               # emissions named in each interference conflict

# Third-party fire (the 2018 lesson): a notice whose `activity` is kinetic makes every
# reported hazard (a third party's weapon engagement zone) within reach_km of its area
# hot for its window plus the reaction tail; another party's aircraft inside a hot
# envelope is exposed, and must be warned at least as long ahead as it needs to leave.
[hazards]
kinetic = ["strike", "live_fire", "missile_test"]
reach_km = 50
reaction_tail_min = 30
default_exit_speed_kt = 250        # declared aircraft leave a hot envelope at this speed
ack_margin_min = 5                 # added to the time to leave: the warning's own delay
conformance_grace_s = 30           # own aircraft outside every own notice this long
masking_nm = 10                    # a kinetic aircraft this close to another party's,
masking_deg = 5                    # on nearly the same bearing from a hot hazard's site

# Track history: each track's accepted positions are kept at most every interval_s, plus
# every turn of turn_deg and every level change of level_ft since the last one kept, for
# retention_days (ICAO Annex 11 6.4: surveillance data at least 30 days).
[history]
interval_s = 5
turn_deg = 15
level_ft = 300
retention_days = 30

# Advice (GET /conflicts/{id}/advice): the smallest change of a notice's time, level or
# place that clears it of everything; searched this far, in these steps.
[advice]
max_time_shift_h = 72              # the 72 h air tasking cycle
max_offset_nm = 50
bearings = 72                      # every 5 degrees
level_step_ft = 100                # whole flight levels
offset_step_nm = 0.1
"""
