"""Every corpus project through the whole local loop (tests/corpus/README.md says what each covers). The loop runs
once per project (the first of its tests runs it, the others read what it left); each step is its own test, so a
known bug (issue 22 item 2.N, fixed in parallel) is an xfail of exactly the steps it breaks, strict, so the mark
must go when the fix lands."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.checks import CHECKS
from tests.corpus.loop import LoopResult, run_loop
from tests.corpus.projects import PROJECTS

ISSUE = "issue 22 item 2.{}: {}"
# (project, step) -> the known bug that makes the step fail today
KNOWN: dict[tuple[str, str], str] = {}

_results: dict[str, LoopResult] = {}


def _cases() -> list[object]:
    cases: list[object] = []
    for name in PROJECTS:
        for step in CHECKS:
            marks = [pytest.mark.xdist_group(f"corpus-{name}")]
            if (name, step) in KNOWN:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[(name, step)]))
            cases.append(pytest.param(name, step, marks=marks, id=f"{name}-{step}"))
    return cases


@pytest.fixture(scope="session")
def corpus_bentoml_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One BentoML store for the whole corpus (per test process): the models and Bentos of every project."""
    return tmp_path_factory.mktemp("corpus-bentoml")


def loop_result(name: str, tmp_path_factory: pytest.TempPathFactory, bentoml_home: Path) -> LoopResult:
    if name not in _results:
        _results[name] = run_loop(name, tmp_path_factory.mktemp(f"corpus-{name}"), bentoml_home)
    return _results[name]


@pytest.mark.slow
@pytest.mark.parametrize("name, step", _cases())
def test_corpus_loop(name: str, step: str, tmp_path_factory: pytest.TempPathFactory, corpus_bentoml_home: Path) -> None:
    CHECKS[step](loop_result(name, tmp_path_factory, corpus_bentoml_home))


def test_the_corpus_covers_what_issue_22_asks() -> None:
    """At least 12 projects, and the README's table lists exactly them."""
    assert len(PROJECTS) >= 12
    readme = (Path(__file__).parent / "README.md").read_text()
    listed = [line.split("|")[1].strip(" `") for line in readme.splitlines() if line.startswith("| `")]
    assert listed == list(PROJECTS)
