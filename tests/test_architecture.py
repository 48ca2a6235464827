"""The import graph of the package has no cycle — counting imports inside functions, so a
cycle cannot hide behind a function-local import (lazy imports for start-up time are fine
when they point one way)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "simulate"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str) -> bool:
    path = PACKAGE.parent / module.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports, anywhere in its body."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] != "simulate":
                    continue
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    edges.add(full if _exists(full) else node.module)
            elif isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name.split(".")[0] == "simulate"}
        graph[name] = {e for e in edges if e != name and e != "simulate"}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_engine_does_not_read_priors_files():
    """The engine samples and evaluates a Scenario; reading and checking files is the spec's."""
    graph = import_graph()
    assert "simulate.spec.reader" not in graph["simulate.core.engine"]
    assert "simulate.spec.reader" not in graph["simulate.core.scenario"]


ROOT = PACKAGE.parent


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """import-linter's contracts (pyproject.toml) over the package found in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=cwd, env={**os.environ, "PYTHONPATH": str(cwd)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_layers_hold():
    """cli → present → analysis → spec | io → core → models: no module imports a layer above
    its own, and core, models and spec import no plotting, CLI or NetCDF library."""
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("core/engine.py", "from simulate.present import humanize", "data flows one way"),
        ("spec/reader.py", "from simulate.io import netcdf", "data flows one way"),
        ("core/statistics.py", "import matplotlib", "neither draw"),
        ("analysis/results.py", "def f():\n    from simulate.cli import app", "data flows one way"),
    ],
)
def test_the_layer_contract_catches_an_upward_import(tmp_path, module, planted, contract):
    """A copy of the package with one import planted against the layers is refused — a
    function-local import too, so none can dodge the contract."""
    shutil.copytree(PACKAGE, tmp_path / "simulate", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "simulate" / module
    path.write_text(path.read_text(encoding="utf-8") + "\n" + planted + "\n", encoding="utf-8")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0
    broken = [line for line in done.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(contract in line for line in broken), done.stdout[-3000:]
