"""Real ADS-B data for the feed tests, from the `traffic` wheel (MIT licence, PyPI).

`traffic` 2.13 ships `traffic/data/samples/rs1090/full_flight_short.jsonl`: 57,793 raw
Mode S frames of one flight (AFR34ZG, ICAO 393322, from Paris-CDG), each with the fields
the rs1090 decoder made of it (lat/lon, altitude, velocity, callsign): our truth. The
wheel is fetched once with pip into a cache (`$XDG_CACHE_HOME` or ~/.cache), never
committed; without network the tests that need it skip and say why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ais"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"real AIS captures not present at {DATA} (../shared/data/ais)"
)


def u(value: int, width: int) -> str:
    """`value` as `width` bits, two's complement for negatives."""
    return format(value & ((1 << width) - 1), f"0{width}b")


TRAFFIC = "traffic==2.13"
WHEEL = "traffic-2.13-py3-none-any.whl"
SAMPLE = "traffic/data/samples/rs1090/full_flight_short.jsonl"


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "interlock-test-data"


def _sample_path() -> Path:
    cache = _cache_dir()
    out = cache / "full_flight_short.jsonl"
    if out.exists():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / WHEEL
    if not wheel.exists():
        cmd = [sys.executable, "-m", "pip", "download", TRAFFIC, "--no-deps", "-d", str(cache)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not wheel.exists():
            pytest.skip(f"cannot download {TRAFFIC} for real ADS-B data: {done.stderr[-300:]}")
    with zipfile.ZipFile(wheel) as z:
        tmp = out.with_suffix(".part")
        tmp.write_bytes(z.read(SAMPLE))
        tmp.replace(out)
    return out


@pytest.fixture(scope="session")
def rs1090_flight() -> list[dict[str, Any]]:
    """The sample's frames in order: dicts with `timestamp` (epoch s), `frame` (hex), truth."""
    with _sample_path().open() as f:
        return [json.loads(line) for line in f if line.strip()]
