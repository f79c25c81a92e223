"""The import graph of mlspec/, read with `ast` (nothing is imported): the layering docs/architecture.md describes.

- `gate`, `monitor` and `serve` never import each other: a need they share lives in a lower module
  (`state/`, `pipeline/`, or a shared top-level module).
- Only mlspec/git.py starts git: no other module spells an argument list or a command line beginning with git.
- No cycle between packages (the sub-packages and the top-level modules of mlspec/), counting every import
  that runs, at module level or inside a function; imports under `if TYPE_CHECKING:` are annotations only.
- No cycle between the modules of one package either (the same counting), and `spec/`, the bottom layer,
  imports nothing of `state/`.
- GitHub is one package: nothing outside `mlspec/hosts/` imports `mlspec.hosts.github` (not even for annotations);
  the rest of mlspec reaches the code host through `mlspec.hosts.all_hosts` and the `CodeHost` protocol. The
  hosts sit below everything that uses them: at run time they import no mlspec module but their own and the
  leaves `errors`, `envvars` and `markdown`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mlspec"
APART = ("gate", "monitor", "serve")
GITHUB_HOST = "mlspec.hosts.github"
HOST_LEAVES = {"mlspec.hosts", "mlspec.errors", "mlspec.envvars", "mlspec.markdown"}
GIT_MODULE = "mlspec.git"
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output", "getoutput", "getstatusoutput"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module (or mlspec.<name> for `from mlspec import name`), dotted
    line: int
    typing_only: bool  # under `if TYPE_CHECKING:`

    def where(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module: str) -> str:
    """The node of the package graph: `mlspec.<sub-package or top-level module>` (mlspec itself for __init__)."""
    return ".".join(module.split(".")[:2])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, typing_only: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below ``node`` with whether it sits under `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for inner in child.body:
                yield inner, True
                yield from _walk(inner, True)
            for inner in child.orelse:
                yield inner, typing_only
                yield from _walk(inner, typing_only)
            continue
        yield child, typing_only
        yield from _walk(child, typing_only)


def imports_of(source: str, module: str, is_package: bool) -> list[Import]:
    """The mlspec imports of one module's source."""
    found: list[Import] = []
    for node, typing_only in _walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from mlspec import errors` and `from . import check` import modules; `from mlspec.x import name`, mlspec.x
            whole = origin == "mlspec" or node.module is None
            targets = [f"{origin}.{alias.name}" for alias in node.names] if whole else [origin]
        found += [
            Import(module, target, node.lineno, typing_only)
            for target in targets
            if target == "mlspec" or target.startswith("mlspec.")
        ]
    return found


def git_starts(source: str) -> list[int]:
    """Lines that spell a git command: a list or tuple whose first item is "git" (an argv for subprocess, proc or
    anything else), or a subprocess call whose command line is a string beginning with "git"."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SUBPROCESS_CALLS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "subprocess"
        ):
            argv = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "args"), None)
            text = argv.values[0] if isinstance(argv, ast.JoinedStr) and argv.values else argv
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value.split()[:1] == ["git"]:
                lines.append(node.lineno)
    return sorted(set(lines))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def package_edges(imports: list[Import]) -> dict[str, set[str]]:
    """unit -> units it imports at run time (mlspec/__init__.py, the version, is everyone's root and no node)."""
    edges: dict[str, set[str]] = {}
    for imp in imports:
        source, target = unit(imp.module), unit(imp.target)
        if imp.typing_only or source == target or "mlspec" in (source, target) or target == "mlspec.__version__":
            continue
        edges.setdefault(source, set()).add(target)
    return edges


def module_edges(imports: list[Import]) -> dict[str, set[str]]:
    """module -> the modules of its own package it imports at run time (a package's __init__ counts as a module)."""
    edges: dict[str, set[str]] = {}
    for imp in imports:
        if imp.typing_only or imp.module == imp.target or unit(imp.module) != unit(imp.target):
            continue
        if imp.target == unit(imp.target):
            continue  # `from mlspec.spec import models` inside spec/ names a sibling module, not the package's __init__
        edges.setdefault(imp.module, set()).add(imp.target)
    return edges


def module_of(target: str, modules: set[str]) -> str:
    """The module an import names: `mlspec.x.y.name` (a name from module mlspec.x.y) -> mlspec.x.y."""
    while target not in modules and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def sideways(imports: list[Import]) -> list[str]:
    apart = {f"mlspec.{name}" for name in APART}
    return [
        imp.where()
        for imp in imports
        if unit(imp.module) in apart and unit(imp.target) in apart and unit(imp.module) != unit(imp.target)
    ]


@pytest.fixture(scope="module")
def sources() -> dict[str, tuple[str, bool]]:
    """module name -> (source, is a package's __init__), for every module of mlspec/."""
    return {
        module_name(path, PACKAGE): (path.read_text("utf-8"), path.name == "__init__.py")
        for path in sorted(PACKAGE.rglob("*.py"))
    }


@pytest.fixture(scope="module")
def imports(sources: dict[str, tuple[str, bool]]) -> list[Import]:
    return [imp for module, (source, is_package) in sources.items() for imp in imports_of(source, module, is_package)]


def test_gate_monitor_and_serve_do_not_import_each_other(imports: list[Import]) -> None:
    assert sideways(imports) == []


def test_only_mlspec_git_starts_git(sources: dict[str, tuple[str, bool]]) -> None:
    found = [
        f"{module}:{line}"
        for module, (source, _) in sources.items()
        if module != GIT_MODULE
        for line in git_starts(source)
    ]
    assert found == []
    assert git_starts(sources[GIT_MODULE][0]) != []  # the one module that does is seen by the same check


def test_no_cycle_between_packages(imports: list[Import]) -> None:
    edges = package_edges(imports)
    assert cycles(edges) == []
    assert {"mlspec.state", "mlspec.spec", "mlspec.pipeline", "mlspec.serve"} <= set(edges)  # the graph is real


def test_no_cycle_between_modules_of_one_package(imports: list[Import], sources: dict[str, tuple[str, bool]]) -> None:
    modules = set(sources)
    resolved = [
        Import(imp.module, module_of(imp.target, modules), imp.line, imp.typing_only)
        for imp in imports
        if unit(imp.module) != "mlspec"  # top-level modules are the package graph's nodes, checked above
    ]
    edges = module_edges(resolved)
    assert cycles(edges) == []
    assert "mlspec.promote.target" in edges.get("mlspec.promote.release", set())  # the graph is real


def test_spec_imports_nothing_of_state(imports: list[Import]) -> None:
    found = [imp.where() for imp in imports if unit(imp.module) == "mlspec.spec" and unit(imp.target) == "mlspec.state"]
    assert found == []


def github_imports(imports: list[Import]) -> list[str]:
    """Imports of GitHub's host package from outside mlspec/hosts/ (typing-only ones included)."""
    return [
        imp.where()
        for imp in imports
        if unit(imp.module) != "mlspec.hosts"
        and (imp.target == GITHUB_HOST or imp.target.startswith(GITHUB_HOST + "."))
    ]


def test_nothing_outside_the_hosts_imports_github(imports: list[Import]) -> None:
    assert github_imports(imports) == []
    assert any(imp.target.startswith(GITHUB_HOST) for imp in imports)  # the package exists and is seen


def test_the_hosts_import_nothing_above_them(imports: list[Import]) -> None:
    found = [
        imp.where()
        for imp in imports
        if unit(imp.module) == "mlspec.hosts" and not imp.typing_only and unit(imp.target) not in HOST_LEAVES
    ]
    assert found == []


# ----------------------------------------------------------------------------- the checks catch what they must


def test_the_github_check_sees_direct_and_typing_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mlspec.hosts.github.client import Repo\n"
        "def f():\n    import mlspec.hosts.github.paths\n    from mlspec.hosts import all_hosts\n"
    )
    found = imports_of(source, "mlspec.promote.target", is_package=False)
    assert github_imports(found) == [
        "mlspec.promote.target:3 imports mlspec.hosts.github.client",
        "mlspec.promote.target:5 imports mlspec.hosts.github.paths",
    ]
    inside = imports_of("from mlspec.hosts.github import paths\n", "mlspec.hosts.all_hosts", is_package=False)
    assert github_imports(inside) == []


def test_the_checks_see_relative_lazy_and_typing_imports() -> None:
    source = (
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\nfrom . import check\n"
        "from ..state.record import RunStore\nfrom mlspec import errors\n"
        "if TYPE_CHECKING:\n    from mlspec.spec import LoadedSpec\n"
        "def f():\n    from mlspec.monitor import tables\n    import mlspec.pipeline.data\n"
    )
    found = imports_of(source, "mlspec.serve.bento", is_package=False)
    assert [(i.target, i.line, i.typing_only) for i in found] == [
        ("mlspec.serve.check", 3, False),
        ("mlspec.state.record", 4, False),
        ("mlspec.errors", 5, False),
        ("mlspec.spec", 7, True),
        ("mlspec.monitor", 9, False),
        ("mlspec.pipeline.data", 10, False),
    ]
    assert sideways(found) == ["mlspec.serve.bento:9 imports mlspec.monitor"]
    edges = package_edges(found)
    assert edges == {"mlspec.serve": {"mlspec.state", "mlspec.errors", "mlspec.monitor", "mlspec.pipeline"}}


def test_the_git_check_sees_every_spelling() -> None:
    source = (
        'import subprocess\nARGV = ["git", "status"]\nsubprocess.run(("git", "log"))\n'
        'subprocess.check_output("git rev-parse HEAD", shell=True)\nsubprocess.run(args=f"git {x}", shell=True)\n'
        'subprocess.run(["gitk"])\nsubprocess.run("github-cli")\nname = "git"\n'
    )
    assert git_starts(source) == [2, 3, 4, 5]


def test_the_cycle_check_finds_long_cycles_only() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []


def test_the_module_cycle_check_sees_a_cycle_inside_a_package() -> None:
    first = imports_of("from mlspec.promote.release import x\n", "mlspec.promote.commands", is_package=False)
    second = imports_of("def f():\n    from mlspec.promote.commands import y\n", "mlspec.promote.release", False)
    edges = module_edges(first + second)
    assert cycles(edges) == [["mlspec.promote.commands", "mlspec.promote.release"]]
