"""`pip install .` (not editable) runs `interlock demo`: the demo scenario is package data.

The package is built and installed from a copy of the source (pyproject, README, src/) into
a target directory, as pip installs it for a user, then run with only that directory on
PYTHONPATH (its dependencies from this venv) from a directory outside the repository, so
nothing can be found through the source tree or the editable install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A non-editable install of the package, in a target directory."""
    root = tmp_path_factory.mktemp("pkg")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    target = root / "target"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target"]
    done = subprocess.run(
        [*pip, str(target), str(source)], cwd=root, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0 and "No matching distribution" in done.stderr:
        pytest.skip(f"cannot fetch the build backend: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr
    return target


def _run(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    env |= {"PYTHONPATH": str(target), "COLUMNS": "200", "PYTHONSAFEPATH": "1"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_an_installed_package_finds_and_loads_the_demo_scenario(
    installed: Path, tmp_path: Path
) -> None:
    where = tmp_path / "elsewhere"
    where.mkdir()
    probe = (
        "import interlock, json\n"
        "from interlock.service.scenario import DEFAULT_SCENARIO, scenario_agreement_path\n"
        "print(json.dumps([interlock.__file__, str(DEFAULT_SCENARIO),\n"
        "    sorted(p.name for p in DEFAULT_SCENARIO.iterdir()),\n"
        "    scenario_agreement_path(DEFAULT_SCENARIO).is_file()]))\n"
    )
    done = _run(installed, where, "-c", probe)
    assert done.returncode == 0, done.stderr
    module, scenario, files, agreement = json.loads(done.stdout)
    assert Path(module).is_relative_to(installed), module  # not the source tree
    assert Path(scenario).is_relative_to(installed), scenario
    assert agreement
    assert {"agreement.toml", "notices.geojson", "assets.geojson", "traffic.sbs.gz"} <= set(files)
    assert not any(f.endswith(".py") for f in files)  # data only: its tool stays in the repo

    helped = _run(installed, where, "-m", "interlock.cli", "demo", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--load-only" in helped.stdout

    # The whole demo load (store, scenario, keys, messages) from the installed package.
    data = tmp_path / "demo-data"
    demo = ("-m", "interlock.cli", "demo", "--load-only", "--data", str(data))
    loaded = _run(installed, where, *demo)
    assert loaded.returncode == 0, loaded.stderr
    assert "demo scenario eastern-med: 32 notices" in loaded.stdout, loaded.stdout
    assert (data / "interlock.db").is_file()
