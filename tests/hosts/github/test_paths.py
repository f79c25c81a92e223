"""Path filters: one implementation (`mlspec.hosts.github.paths`) with GitHub's semantics, shared by the CT `paths:`,
the CI changes job (whose bash loop evaluates the same regexes) and the local cache; promotion files,
state and the other rendered workflows never start CT; a training command's code is named."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from mlspec.hosts.github.paths import PatternError, check_pattern, filter_lines, lines_match, literal, matches
from tests.helpers import run_cli
from tests.path_filters import ci_filters
from tests.render.specs import BASE, merged, write_repo

WORKFLOWS = Path(".github") / "workflows"

# (pattern, path, GitHub's answer), from GitHub's filter pattern cheat sheet
GITHUB_CASES = [
    ("*", "README.md", True),
    ("*", "docs/file.txt", False),
    ("*.jsx?", "page.js", True),
    ("*.jsx?", "page.jsx", True),
    ("*.jsx?", "page.jsxx", False),
    ("**.js", "src/js/app.js", True),
    ("docs/*", "docs/mona/octocat.txt", False),
    ("docs/**", "docs/mona/octocat.txt", True),
    ("docs/**/*.md", "docs/a/b/c.md", True),
    ("**/docs/**", "a/docs/b.txt", True),
    ("**/README.md", "README.md", True),
    ("**/*src/**", "a/src/b.py", True),
    ("[CB]at.txt", "Cat.txt", True),
    ("[1-2]00.csv", "300.csv", False),
    ("v2+.txt", "v22.txt", True),
    ("v2+.txt", "v.txt", False),
    ("a.b", "axb", False),
    ("Octoc?t", "Octoct", True),
    # each rule at its edges: a quantifier on the first character, after a character that is not its own
    # neighbour's, after a letter that is not special; two classes; a literal ']' before a class
    ("x?y", "y", True),
    ("*a+", "baa", True),
    ("X+.md", "XX.md", True),
    ("[ab]/[cd].txt", "a/c.txt", True),
    ("x]/[ab].txt", "x]/a.txt", True),
    ("!docs/**", "docs/a.md", False),
]


@pytest.mark.parametrize("pattern, path, expected", GITHUB_CASES)
def test_glob_semantics_are_githubs(pattern: str, path: str, expected: bool) -> None:
    check_pattern(pattern)  # GitHub's syntax: accepted
    assert matches([pattern], path) is expected
    assert _bash([pattern], [path]) == {path: expected}  # the CI changes job's reading of the same regex


def test_the_last_matching_pattern_wins() -> None:
    patterns = ["data/**", "!data/raw/**", "data/raw/keep.csv"]
    assert [matches(patterns, p) for p in ("data/a.csv", "data/raw/b.csv", "data/raw/keep.csv")] == [True, False, True]


@pytest.mark.parametrize(
    "pattern, message",
    [
        (
            "src/{a,b}/**",
            "path pattern 'src/{a,b}/**' uses braces, which GitHub's path filters do not support; "
            "write one pattern per alternative",
        ),
        (
            "?x",
            "path pattern '?x': '?' must follow a letter, digit or punctuation mark (GitHub reads it as optional "
            "the character before it)",
        ),
        ("[!a]b", "path pattern '[!a]b': '[...]' must list letters, digits or ranges such as a-z, A-Z, 0-9"),
        # one brace alone is a brace too
        (
            "src/{a/**",
            "path pattern 'src/{a/**' uses braces, which GitHub's path filters do not support; "
            "write one pattern per alternative",
        ),
        (
            "src/a}/**",
            "path pattern 'src/a}/**' uses braces, which GitHub's path filters do not support; "
            "write one pattern per alternative",
        ),
        ("!", "path pattern '!' is empty"),
        (
            "*?",
            "path pattern '*?': '?' must follow a letter, digit or punctuation mark (GitHub reads it as optional "
            "the character before it)",
        ),
        (
            "a/+",
            "path pattern 'a/+': '+' must follow a letter, digit or punctuation mark (GitHub reads it as one or "
            "more of the character before it)",
        ),
    ],
)
def test_syntax_github_does_not_have_is_rejected(pattern: str, message: str) -> None:
    with pytest.raises(PatternError) as info:
        check_pattern(pattern)
    assert str(info.value) == message


def test_a_negated_pattern_of_one_character_is_not_empty() -> None:
    check_pattern("!x")
    assert matches(["*", "!x"], "x") is False


def test_the_ci_changes_lines_are_anchored_and_say_no_when_nothing_matches() -> None:
    lines = filter_lines(["docs/**"])
    assert lines_match(lines, "docs/a.md") is True
    assert lines_match(lines, "src/docs/a.md") is False  # the regex is anchored at the start of the path
    assert lines_match(lines, "README.md") is False
    assert lines_match("", "docs/a.md") is False


def test_a_plus_in_a_file_name_becomes_a_wider_pattern() -> None:
    assert literal("data/v1+2.csv") == "data/v1*2.csv"
    assert matches([literal("data/v1+2.csv")], "data/v1+2.csv")
    assert literal("data/plain.csv") == "data/plain.csv"


def test_braces_in_the_spec_are_a_validation_error(tmp_path: Path) -> None:
    write_repo(tmp_path, {"mlproject.yaml": merged(BASE, {"triggers": {"paths": {"code": ["src/{a,b}/**"]}}})})
    result = run_cli("validate", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "path pattern 'src/{a,b}/**' uses braces, which GitHub's path filters do not support; "
        "write one pattern per alternative"
    ) in result.stdout


def _bash(patterns: list[str], files: list[str]) -> dict[str, bool]:
    return _bash_lines(filter_lines(patterns), files)


def _workflows(root: Path) -> tuple[list[str], str]:
    ct = yaml.safe_load((root / WORKFLOWS / "mlspec-churn-ct.yml").read_text())
    ci = yaml.safe_load((root / WORKFLOWS / "mlspec-churn-ci.yml").read_text())
    return ct[True]["push"]["paths"], ci_filters(ci)


NEVER = [
    "ml/deploy/production.yaml",
    "ml/.mlspec/runs/latest",
    "ml/.mlspec/runs/1/record.json",
    ".github/workflows/mlspec-churn-cd.yml",
    ".github/workflows/mlspec-churn-monitor.yml",
]


def test_promotion_files_state_and_other_workflows_never_start_ct(tmp_path: Path) -> None:
    """Even a code filter of everything (`**`) leaves out what a merged promotion PR or a re-render changes."""
    spec = merged(BASE, {"triggers": {"paths": {"code": ["**"]}}, "environments": [{"name": "production"}]})
    write_repo(tmp_path, {"ml/mlproject.yaml": spec})
    assert run_cli("render", cwd=tmp_path).returncode == 0
    ct_paths, ci_lines = _workflows(tmp_path)
    files = NEVER + ["ml/src/train.py", "ml/notes.md", ".github/workflows/mlspec-churn-ci.yml"]
    bash = _bash_lines(ci_lines, files)
    for file in NEVER:
        assert not matches(ct_paths, file) and not lines_match(ci_lines, file) and not bash[file], file
    assert matches(ct_paths, "ml/src/train.py") and lines_match(ci_lines, "ml/notes.md") and bash["ml/notes.md"]
    assert lines_match(ci_lines, ".github/workflows/mlspec-churn-ci.yml")  # CI's own workflow runs CI
    assert not matches(ct_paths, ".github/workflows/mlspec-churn-ci.yml")


def _bash_lines(lines: str, files: list[str]) -> dict[str, bool]:
    """The CI changes job's loop (ci.yml.j2) run by bash over ``files`` with these `+`/`-` regex lines."""
    script = r"""
mapfile -t filters <<< "$MLSPEC_PATH_FILTERS"
while IFS= read -r file; do
  hit=false
  for filter in "${filters[@]}"; do
    if [[ "$file" =~ ${filter:1} ]]; then
      if [ "${filter:0:1}" = "+" ]; then hit=true; else hit=false; fi
    fi
  done
  echo "$hit $file"
done <<< "$FILES"
"""
    env = {"MLSPEC_PATH_FILTERS": lines, "FILES": "\n".join(files), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    return {line.split(" ", 1)[1]: line.split(" ", 1)[0] == "true" for line in out.splitlines()}


def test_a_training_command_names_its_code(tmp_path: Path) -> None:
    """`train.command` without triggers.paths.code: the script's folder is the code, not the whole project."""
    spec = merged(
        BASE,
        {
            "train": {"entrypoint": None, "command": "python src/fit.py --fast"},
            "environments": [{"name": "production"}],
        },
    )
    write_repo(tmp_path, {"ml/mlproject.yaml": spec})
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ct_paths, ci_lines = _workflows(tmp_path)
    assert ct_paths[:3] == ["ml/data/**", "ml/mlproject.yaml", "ml/src/**"]
    assert matches(ct_paths, "ml/src/fit.py") and lines_match(ci_lines, "ml/src/helpers.py")
    assert not matches(ct_paths, "ml/README.md") and not lines_match(ci_lines, "ml/README.md")
    assert not matches(ct_paths, "ml/deploy/production.yaml")


def test_a_training_command_without_a_script_needs_code_paths(tmp_path: Path) -> None:
    spec = merged(BASE, {"train": {"entrypoint": None, "command": "make train"}})
    write_repo(tmp_path, {"mlproject.yaml": spec})
    message = (
        "train.command names no script mlspec can watch (such as `python src/train.py`), so CT would not "
        "know which files are the training code"
    )
    hint = "list the training code under triggers.paths.code, e.g. `code: [src/**]`"
    result = run_cli("validate", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1 and message in result.stdout and hint in result.stdout
    rendered = run_cli("render", cwd=tmp_path)
    assert rendered.returncode == 1 and message in rendered.stderr
    assert not (tmp_path / WORKFLOWS).exists()
    fixed = merged(spec, {"triggers": {"paths": {"code": ["Makefile", "lib/**"]}}})
    write_repo(tmp_path, {"mlproject.yaml": fixed})
    assert run_cli("render", cwd=tmp_path).returncode == 0
