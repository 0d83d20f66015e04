"""Demo scenarios: an agreement, protected assets and notices, loaded through the service.

A scenario is a directory:

- ``agreement.toml`` — the parties and rules (the agreement format).
- ``assets.geojson`` — a FeatureCollection of protected assets (the asset format) whose
  properties add ``party``: the party that declares the asset.
- ``hazards.geojson`` (optional) — a FeatureCollection of hazards (the hazard format:
  third parties' weapon engagement zones) whose properties add ``party``: the party that
  reports the hazard. Loaded after the assets, before the notices.
- ``messages.json`` (optional) — hotline messages sent after the notices, signed with the
  parties' keys: ``{"messages": [{from, to, priority, subject, body, refs, payload,
  acknowledge}]}`` where a ref ``{"kind": "notice", "index": N}`` names the N-th notice
  of the file, ``payload.activity.notice_index`` copies that notice's area and window,
  and ``acknowledge: {"reply": ...}`` has every addressee acknowledge it at once.
- ``notices.geojson`` — a FeatureCollection of notices (the notice format) whose
  properties add ``party`` and give the time window *relative to the moment of loading*:
  ``start_offset_min`` and ``duration_min`` (minutes) instead of ``start``/``end``, so the
  demo always lies in the future. A feature may give absolute ``start``/``end`` instead.
  Assets may carry the same relative fields; without any, an asset is standing.

Loading goes through the ordinary use cases (``AssetService.create``,
``HazardService.create``, then ``NoticeService.submit``), assets and hazards first and
notices in file order, so detection, the
lead-time rule and the record are exactly what a party filing by hand would get.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..errors import InterlockError, InvalidInput, NotFound
from ..ledger.envelope import sign
from ..model.timeutil import iso
from .notices import NoticeService
from .root import Services

AGREEMENT_FILE = "agreement.toml"
ASSETS_FILE = "assets.geojson"
HAZARDS_FILE = "hazards.geojson"
NOTICES_FILE = "notices.geojson"
MESSAGES_FILE = "messages.json"
AREA_FIELDS = ("shape", "radius_m", "half_width_m", "start", "end")
START_OFFSET = "start_offset_min"
DURATION = "duration_min"
LOADER_FIELDS = ("party", START_OFFSET, DURATION)  # removed before a feature is submitted

# The demo scenario is package data (pyproject's package-data), so an installed package
# (`pip install .`, a wheel) runs `interlock demo` as a source checkout does. pip installs
# a package as files, so its resources are paths.
SCENARIOS = Path(str(resources.files("interlock").joinpath("scenarios")))
DEFAULT_SCENARIO = SCENARIOS / "eastern-med"


@dataclass(frozen=True)
class ScenarioReport:
    """What loading a scenario produced."""

    notices: int
    assets: int
    conflicts: int  # detected while loading (each pair once, when its later notice came in)
    violations: int  # rule violations, e.g. late notices
    notice_ids: tuple[str, ...] = field(default=(), repr=False)  # in file order
    asset_ids: tuple[str, ...] = field(default=(), repr=False)  # in file order
    hazard_ids: tuple[str, ...] = field(default=(), repr=False)  # in file order

    @property
    def hazards(self) -> int:
        return len(self.hazard_ids)

    def __str__(self) -> str:
        return (
            f"{self.notices} notices, {self.assets} assets, {self.hazards} hazards, "
            f"{self.conflicts} conflicts, {self.violations} violations"
        )


def _require_dir(directory: Path) -> Path:
    directory = Path(directory)
    if not directory.is_dir():
        raise NotFound(f"scenario directory {directory} does not exist")
    return directory


def scenario_agreement_path(directory: Path) -> Path:
    """The scenario's agreement file; NotFound when the scenario or the file is missing."""
    path = _require_dir(directory) / AGREEMENT_FILE
    if not path.is_file():
        raise NotFound(f"scenario has no {AGREEMENT_FILE}: {path}")
    return path


def _read_features(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"scenario file {path} does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read: {exc.strerror}", field=str(path)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"not valid JSON: {exc}", field=str(path)) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput("a GeoJSON FeatureCollection is required", field=str(path))
    features = data.get("features")
    if not isinstance(features, list):
        raise InvalidInput("features must be an array", field=str(path))
    return features


def _minutes(props: dict[str, Any], key: str) -> float:
    value = props[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("must be a finite number of minutes", field=f"properties.{key}")
    return float(value)


def _absolute(feature: Any, base: datetime, *, required: bool) -> tuple[str, dict[str, Any]]:
    """(party, the feature with absolute times and without the loader's fields)."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise InvalidInput("a GeoJSON Feature with properties is required", field="properties")
    props = dict(feature["properties"])
    party = props.get("party")
    if not isinstance(party, str) or not party:
        raise InvalidInput("the filing party's id is required", field="properties.party")
    relative = START_OFFSET in props or DURATION in props
    if relative:
        if "start" in props or "end" in props:
            raise InvalidInput(
                f"give either {START_OFFSET}/{DURATION} or start/end, not both",
                field=f"properties.{START_OFFSET}",
            )
        for key in (START_OFFSET, DURATION):
            if key not in props:
                raise InvalidInput("required with relative times", field=f"properties.{key}")
        start_min, duration_min = _minutes(props, START_OFFSET), _minutes(props, DURATION)
        if duration_min <= 0:
            raise InvalidInput("must be positive", field=f"properties.{DURATION}")
        start = base + timedelta(minutes=start_min)
        props["start"] = iso(start)
        props["end"] = iso(start + timedelta(minutes=duration_min))
    elif required and ("start" not in props or "end" not in props):
        raise InvalidInput(
            f"a time window is required: {START_OFFSET} and {DURATION} (or start and end)",
            field=f"properties.{START_OFFSET}",
        )
    for key in LOADER_FIELDS:
        props.pop(key, None)
    return party, {**feature, "properties": props}


def _located(exc: InterlockError, path: Path, index: int) -> InterlockError:
    """The same kind of error, naming the file and the feature's index."""
    detail = exc.detail
    if exc.field and detail.startswith(f"{exc.field}: "):
        detail = detail[len(exc.field) + 2 :]
    where = f"{path} features[{index}]" + (f" {exc.field}" if exc.field else "")
    return type(exc)(detail, field=where)


def load_scenario(directory: Path, services: Services, now: datetime) -> ScenarioReport:
    """Create the scenario's assets and hazards, then submit its notices in file order.

    Relative times count from `now` rounded up to the whole second, so every lead time is
    at least what the file says. Each asset, hazard and notice is its own transaction: a bad
    feature stops the load with an error naming the file and the feature's index, and
    whatever came before it stays stored (nothing is rolled back).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("a timezone-aware time is required", field="now")
    directory = _require_dir(directory)
    now = now.astimezone(UTC)
    base = now.replace(microsecond=0) + timedelta(seconds=1 if now.microsecond else 0)

    asset_ids: list[str] = []
    path = directory / ASSETS_FILE
    if path.exists():  # a scenario may declare no assets
        for i, feature in enumerate(_read_features(path)):
            try:
                party, absolute = _absolute(feature, base, required=False)
                asset_ids.append(services.assets.create(party, absolute)["id"])
            except InterlockError as exc:
                raise _located(exc, path, i) from exc

    hazard_ids: list[str] = []
    path = directory / HAZARDS_FILE
    if path.exists():  # a scenario may report no hazards
        for i, feature in enumerate(_read_features(path)):
            try:
                party, absolute = _absolute(feature, base, required=False)
                hazard_ids.append(services.hazards.create(party, absolute)["id"])
            except InterlockError as exc:
                raise _located(exc, path, i) from exc

    notice_ids: list[str] = []
    conflicts = violations = 0
    path = directory / NOTICES_FILE
    for i, feature in enumerate(_read_features(path)):
        try:
            party, absolute = _absolute(feature, base, required=True)
            result = services.notices.submit(party, absolute)
        except InterlockError as exc:
            raise _located(exc, path, i) from exc
        notice_ids.append(result.notice["id"])
        conflicts += len(result.conflicts)
        violations += len(result.violations)

    return ScenarioReport(
        notices=len(notice_ids),
        assets=len(asset_ids),
        conflicts=conflicts,
        violations=violations,
        notice_ids=tuple(notice_ids),
        asset_ids=tuple(asset_ids),
        hazard_ids=tuple(hazard_ids),
    )


def _notice_ref(ref: Any, notice_ids: tuple[str, ...], where: str) -> dict[str, str]:
    if isinstance(ref, dict) and "index" in ref:
        index = ref["index"]
        if not isinstance(index, int) or not 0 <= index < len(notice_ids):
            raise InvalidInput(f"no notice number {index!r} in {NOTICES_FILE}", field=where)
        return {"kind": "notice", "id": notice_ids[index]}
    return ref  # any other shape: checked by the message parser


def _scenario_message(
    raw: Any, i: int, service: NoticeService, notice_ids: tuple[str, ...]
) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """(sender, message body, acknowledgement) from one entry of messages.json."""
    where = f"{MESSAGES_FILE} messages[{i}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("from"), str):
        raise InvalidInput("an object with a 'from' party is required", field=where)
    body = {k: raw[k] for k in ("to", "priority", "subject", "body") if k in raw}
    body["refs"] = [_notice_ref(r, notice_ids, f"{where}.refs") for r in raw.get("refs", [])]
    payload = raw.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("activity"), dict):
        index = payload["activity"].get("notice_index")
        ref = _notice_ref({"index": index}, notice_ids, f"{where}.payload")
        notice = service.get(raw["from"], ref["id"])
        props = notice["properties"]
        activity = {k: props[k] for k in AREA_FIELDS if props.get(k) is not None}
        payload = {**payload, "activity": {"geometry": notice["geometry"], **activity}}
    if payload is not None:
        body["payload"] = payload
    return raw["from"], body, raw.get("acknowledge")


def send_scenario_messages(
    directory: Path,
    services: Services,
    keys: dict[str, Ed25519PrivateKey],
    notice_ids: tuple[str, ...],
    now: datetime,
) -> int:
    """Send the scenario's hotline messages (if it has any), signed; how many were sent."""
    path = Path(directory) / MESSAGES_FILE
    if not path.exists():
        return 0
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read: {exc}", field=str(path)) from None
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list):
        raise InvalidInput("a 'messages' array is required", field=str(path))
    for i, raw in enumerate(messages):
        sender, body, acknowledge = _scenario_message(raw, i, services.notices, notice_ids)
        if sender not in keys:
            raise InvalidInput(f"no signing key for {sender!r}", field=f"messages[{i}].from")
        hotline = services.hotline
        sent = hotline.send(sender, sign("message", sender, body, keys[sender], now))
        if isinstance(acknowledge, dict):
            for party in sent["to"]:
                receipt = {"message": sent["id"], "status": "acknowledged"}
                if isinstance(acknowledge.get("reply"), str):
                    receipt["reply"] = acknowledge["reply"]
                hotline.receipt(
                    party, sent["id"], sign("receipt", party, receipt, keys[party], now)
                )
    return len(messages)
