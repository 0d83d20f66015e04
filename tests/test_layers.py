"""The package's layers, read from the source: no upward import, no cycle between units.

Every import of every module is found with `ast` (those inside functions and under
TYPE_CHECKING too: a lazy import is still a dependency) and mapped to the unit it names:
a subpackage (`geo`, `ledger`, ...) or a top-level module (`errors`, `client`, ...).
The layering, bottom first (design.md, "The shape"):

    errors, validate < codec < geo < model, feeds < detect, spectrum, ledger, formats < store
    < service < api, cli, web, client

A unit may import its own layer's siblings and anything below; the units' import graph
must have no cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import interlock

ROOT = Path(interlock.__file__).resolve().parent

RANK = {
    "errors": 0,
    "validate": 0,
    "codec": 1,
    "geo": 2,
    "model": 3,
    "feeds": 3,
    "detect": 4,
    "spectrum": 4,
    "ledger": 4,
    "formats": 4,  # exchange formats (KML, NOTAM, NAVAREA, F3548): model records <-> text
    "store": 5,
    "service": 6,
    "api": 7,
    "cli": 7,
    "web": 7,
    "client": 7,  # the signing Python client: a surface beside the CLI, which drives it
    "witness": 7,  # the client as a witness of the server's log (its state directory)
}

# Known violations, each with why it is left (importer, imported); kept out of the cycle
# check too. The test below fails once one is folded, so the list cannot go stale.
ALLOWED: dict[tuple[str, str], str] = {}


def unit_of(module: str) -> str | None:
    """`interlock.geo.units` -> "geo"; None for the package itself or outside it."""
    parts = module.split(".")
    if parts[0] != "interlock" or len(parts) < 2:
        return None
    if not (ROOT / parts[1]).is_dir() and not (ROOT / f"{parts[1]}.py").is_file():
        return None  # a name, not a module (`from interlock import __version__`)
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, nested ones included."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or target == "interlock":
                # `from . import x` / `from interlock import x`: each name is a module
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def edges() -> list[tuple[str, str, str]]:
    """(importer unit, imported unit, "file:line imports module") across units."""
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        importer = unit_of(module_name(path))
        if importer is None:
            continue
        for line, target in imports(path):
            imported = unit_of(target)
            if imported is not None and imported != importer:
                where = f"{path.relative_to(ROOT.parent)}:{line} imports {target}"
                out.append((importer, imported, where))
    return out


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(module_name(p)) for p in ROOT.rglob("*.py")} - {None, "__main__"}
    assert units <= set(RANK), f"place these in RANK: {sorted(units - set(RANK))}"


def test_no_upward_import() -> None:
    upward = [
        f"{where}  ({a} is below {b})"
        for a, b, where in edges()
        if RANK[b] > RANK[a] and (a, b) not in ALLOWED
    ]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_the_allow_list_is_still_needed() -> None:
    seen = {(a, b) for a, b, _ in edges()}
    stale = [pair for pair in ALLOWED if pair not in seen]
    assert not stale, f"no longer imported, drop from ALLOWED: {stale}"


def test_no_cycle_between_units() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for a, b, w in edges():
        if (a, b) in ALLOWED:
            continue
        graph[a].add(b)
        where.setdefault((a, b), w)
    cycles = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(u: str) -> None:
        state[u] = 1
        path.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                ring = [*path[path.index(v) :], v]
                cycles.append(
                    " -> ".join(ring)
                    + "\n    "
                    + "\n    ".join(where[(x, y)] for x, y in pairwise(ring))
                )
            elif v not in state:
                visit(v)
        path.pop()
        state[u] = 2

    for u in sorted(graph):
        if u not in state:
            visit(u)
    assert not cycles, "import cycles between units:\n" + "\n".join(cycles)
