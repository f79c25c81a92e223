"""The test tree mirrors mlspec/ (docs/architecture.md, Tests), so a module's tests are found from its path:
mlspec/pipeline/metrics.py -> tests/pipeline/test_metrics.py, mlspec/repo_root.py -> tests/test_repo_root.py.

- A folder of tests/ that holds test files is the mirror of a package of mlspec/; end-to-end tests (act runs,
  the corpus, whole local loops) live under tests/acceptance/, which has its own layout. Folders of helpers,
  stand-ins and data (github_standin/, tools/, cases/, golden/, hosts/toy_host/) hold no test files and are free.
- A test file named after a module of mlspec that it imports (a name only one module has) is that module's
  mirror, not a file in another package: tests/store/test_remote.py importing mlspec.pipeline.remote would hide
  that module's tests. A behaviour that crosses modules is named after the behaviour, in the package of the
  command it is about; that name may be a module's elsewhere (tests/serve/test_servability.py, the servability
  check, beside mlspec/state/servability.py, the record it writes) as long as the file does not import that module.
- No test file or folder is named after an issue (test_issue_24.py, test_item_3.py, test_24_gate.py): an issue
  number says nothing to the next reader; the behaviour does.
- The act harness and the corpus loop are run from tests/acceptance/ only.

Not required: a test file for every module. Many small modules are tested through the command that uses them;
the mirrored name, when there is one, says where to look first."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "mlspec"
TESTS = ROOT / "tests"

# A word of a file or folder name that is an issue reference: `issue`, `issue24`, `item3`, or a bare number.
ISSUE_WORD = re.compile(r"issue\d*|item\d+|\d+")
# The entry points of the end-to-end harnesses (tests/acceptance/act/runner.py, tests/acceptance/corpus/loop.py).
HARNESS_NAMES = {"Act", "example_on_standin", "run_loop"}


def _test_files(tests: Path) -> list[Path]:
    return sorted(path for path in tests.rglob("test_*.py") if "__pycache__" not in path.parts)


def _outside_acceptance(tests: Path) -> list[Path]:
    return [path for path in _test_files(tests) if not path.is_relative_to(tests / "acceptance")]


def _modules(package: Path) -> dict[str, list[Path]]:
    """Module name -> the folders (relative to mlspec/) that hold a module of that name."""
    found: dict[str, list[Path]] = defaultdict(list)
    for path in package.rglob("*.py"):
        if "__pycache__" not in path.parts and not path.name.startswith("_"):
            found[path.stem].append(path.parent.relative_to(package))
    return found


def folders_without_a_package(tests: Path, package: Path) -> list[str]:
    folders = {path.parent.relative_to(tests) for path in _outside_acceptance(tests)}
    return sorted(
        f"tests/{folder.as_posix()}/: holds tests but mlspec/{folder.as_posix()}/ is no package; a module's tests "
        "mirror its path, end-to-end tests go under tests/acceptance/"
        for folder in folders
        if not (package / folder / "__init__.py").is_file()
    )


def _imports(path: Path, module: str) -> bool:
    """Whether the file imports the module (dotted name) or a name from it."""
    parent, _, leaf = module.rpartition(".")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(alias.name == module for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (
            node.module == module or (node.module == parent and any(alias.name == leaf for alias in node.names))
        ):
            return True
    return False


def misplaced_module_tests(tests: Path, package: Path) -> list[str]:
    modules = _modules(package)
    problems = []
    for path in _outside_acceptance(tests):
        name = path.stem.removeprefix("test_")
        homes = modules.get(name, [])
        folder = path.parent.relative_to(tests)
        if len(homes) != 1 or homes[0] == folder:
            continue
        dotted = ".".join(("mlspec", *homes[0].parts, name))
        if _imports(path, dotted):
            home = homes[0].as_posix()
            mirror = f"tests/{home}/{path.name}" if home != "." else f"tests/{path.name}"
            module = f"mlspec/{home}/{name}.py" if home != "." else f"mlspec/{name}.py"
            problems.append(
                f"tests/{path.relative_to(tests).as_posix()}: named after {module}, whose tests are {mirror}; "
                "name a file outside the module's package after the behaviour it tests"
            )
    return problems


def issue_named(tests: Path) -> list[str]:
    problems = []
    for path in _test_files(tests):
        relative = path.relative_to(tests)
        for part in (*relative.parent.parts, path.stem.removeprefix("test_")):
            if any(ISSUE_WORD.fullmatch(word) for word in part.lower().split("_")):
                problems.append(
                    f"tests/{relative.as_posix()}: named after an issue ({part}); name it after the behaviour"
                )
                break
    return problems


def harness_outside_acceptance(tests: Path) -> list[str]:
    problems = []
    for path in _outside_acceptance(tests):
        text = path.read_text(encoding="utf-8")
        if "tests.acceptance" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests.acceptance"):
                used = sorted(HARNESS_NAMES & {alias.name for alias in node.names})
                if used:
                    problems.append(
                        f"tests/{path.relative_to(tests).as_posix()}: imports {', '.join(used)} from {node.module}; "
                        "end-to-end runs live under tests/acceptance/"
                    )
    return problems


def test_every_folder_of_tests_mirrors_a_package_of_mlspec() -> None:
    assert folders_without_a_package(TESTS, PACKAGE) == []


def test_a_test_file_named_after_a_module_is_that_modules_mirror() -> None:
    assert misplaced_module_tests(TESTS, PACKAGE) == []


def test_no_test_file_is_named_after_an_issue() -> None:
    assert issue_named(TESTS) == []


def test_the_end_to_end_harnesses_run_from_tests_acceptance_only() -> None:
    assert harness_outside_acceptance(TESTS) == []


def test_the_rules_find_what_they_are_for(tmp_path: Path) -> None:
    """Each rule on a small made-up tree: a folder of act tests beside the packages, a module's tests in another
    package, an issue-numbered file, an act run outside tests/acceptance/; and what they allow."""
    package, tests = tmp_path / "mlspec", tmp_path / "tests"
    for name in ("__init__.py", "pipeline/__init__.py", "pipeline/remote.py", "pipeline/checks.py",
                 "store/__init__.py", "store/checks.py", "state/__init__.py", "state/servability.py", "repo_root.py"):  # fmt: skip
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("")
    files = {
        "test_repo_root.py": "",
        "pipeline/test_remote.py": "",
        "store/test_remote.py": "from mlspec.pipeline import remote\n",  # pipeline/remote.py's tests, in tests/store/
        "store/test_checks.py": "from mlspec.store import checks\n",  # two modules are named checks: either is fine
        "store/test_servability.py": "from mlspec import repo_root\n",  # a behaviour named like state/servability.py
        "pipeline/test_repo_root.py": "from mlspec.repo_root import repository_root\n",  # mlspec/repo_root.py's
        "act/test_workflows.py": "",  # no mlspec/act/
        "cases/valid/train.py": "",  # data, no test file: free
        "gate/test_issue_24.py": "",
        "pipeline/test_12_splits.py": "",
        "test_item3.py": "",
        "pipeline/test_k8s_manifests.py": "",  # a digit inside a word is no issue number
        "test_build.py": "from tests.acceptance.act.runner import export_worktree\n",
        "test_release.py": "from tests.acceptance.act.runner import Act, example_on_standin\n",
        "acceptance/act/test_workflows.py": "from tests.acceptance.act.runner import Act\n",
        "acceptance/test_examples.py": "",
    }
    for name, text in files.items():
        (tests / name).parent.mkdir(parents=True, exist_ok=True)
        (tests / name).write_text(text)

    folders = folders_without_a_package(tests, package)
    assert [line.split(":")[0] for line in folders] == ["tests/act/", "tests/gate/"]
    assert "end-to-end tests go under tests/acceptance/" in folders[0]
    assert misplaced_module_tests(tests, package) == [
        "tests/pipeline/test_repo_root.py: named after mlspec/repo_root.py, whose tests are tests/test_repo_root.py; "
        "name a file outside the module's package after the behaviour it tests",
        "tests/store/test_remote.py: named after mlspec/pipeline/remote.py, whose tests are "
        "tests/pipeline/test_remote.py; name a file outside the module's package after the behaviour it tests",
    ]
    assert [line.split(":")[0] for line in issue_named(tests)] == [
        "tests/gate/test_issue_24.py",
        "tests/pipeline/test_12_splits.py",
        "tests/test_item3.py",
    ]
    assert harness_outside_acceptance(tests) == [
        "tests/test_release.py: imports Act, example_on_standin from tests.acceptance.act.runner; "
        "end-to-end runs live under tests/acceptance/"
    ]
