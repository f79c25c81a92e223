"""`mlspec init`: scaffold a project that validates and runs (spec, training code, sample data)."""

from __future__ import annotations

import re
from pathlib import Path

from mlspec.errors import EXIT_OK, MlspecError
from mlspec.fsio import atomic_write_text, ensure_dir
from mlspec.state.layout import STATE_DIR

SPEC_TEMPLATE = """\
# yaml-language-server: $schema={schema_url}
# The spec of this project. Reference: `mlspec schema`, or the README's "The spec" section.
apiVersion: mlspec/v1
name: {name}
data:
  train: data/train.csv
  test: data/test.csv
  label: benign
train:
  entrypoint: src/train.py:train
  params: {{n_estimators: 100, max_depth: 6}}
evaluate:
  task: binary
tests:
  data:
    suites: [data_integrity, train_test_validation]
    checks:
      # mlspec's defaults fail only a near-copy of a column (a pair correlated above 0.99). Radius,
      # perimeter and area are geometric functions of each other, so each of the "mean", "error" and
      # "worst" groups of this dataset has 3 such pairs by construction (9 in all): allow exactly
      # those. With your own data, delete this check to use the default.
      - name: FeatureFeatureCorrelation
        conditions:
          - {{name: max_number_of_pairs_above_threshold, params: {{threshold: 0.99, n_pairs: 9}}}}
  model:
    suites: [model_evaluation]
gates:
  - {{metric: roc_auc, min: 0.9}}
  - {{metric: roc_auc, min_delta: 0.0, allow_missing_champion: true}}
environments:
  - name: staging
  - name: production
    requires: staging
"""

TRAIN_TEMPLATE = '''\
"""Training code: mlspec calls train(X, y, params) and saves the model it returns."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.ensemble import RandomForestClassifier


def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> RandomForestClassifier:
    model = RandomForestClassifier(
        n_estimators=int(params.get("n_estimators", 100)),
        max_depth=params.get("max_depth"),
        random_state=int(params.get("seed", 0)),
    )
    return model.fit(X, y)
'''

GITIGNORE = f"{STATE_DIR}/\n__pycache__/\n"


def _project_name(directory: Path, name: str | None) -> str:
    raw = name or directory.resolve().name
    slug = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")
    if not re.match(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$", slug):
        slug = f"ml-{slug}".strip("-")[:40] if slug else "my-model"
    return slug


def schema_url() -> str:
    """The JSON Schema of this mlspec version, from the repository that hosts mlspec's actions."""
    from mlspec import __version__

    return f"https://raw.githubusercontent.com/mlspec/mlspec/v{__version__}/schemas/mlproject.schema.json"


def init_command(directory: str = ".", name: str | None = None) -> int:
    from mlspec.datasets import write_split

    target = ensure_dir(directory)
    project = _project_name(target, name)
    files = {
        "mlproject.yaml": SPEC_TEMPLATE.format(name=project, schema_url=schema_url()),
        "src/train.py": TRAIN_TEMPLATE,
        ".gitignore": GITIGNORE,
        "deploy/.gitkeep": "",
    }
    existing = [rel for rel in [*files, "data/train.csv", "data/test.csv"] if (target / rel).exists()]
    if existing:
        raise MlspecError(
            f"{target}: would overwrite {', '.join(existing)}",
            hint="run `mlspec init` in an empty folder, or move those files away first",
        )
    for rel, text in files.items():
        atomic_write_text(target / rel, text)
    write_split("breast_cancer", target / "data")
    print(f"created project {project!r} in {target}")
    print("  mlproject.yaml   the spec: data, training, tests, gates, environments")
    print("  src/train.py     training code, called as train(X, y, params)")
    print("  data/            sample data (scikit-learn's breast cancer dataset)")
    print()
    print(next_steps(_cd_path(target)))
    return EXIT_OK


def _cd_path(target: Path) -> str | None:
    """How to reach ``target`` from the current folder (None when it is the current folder)."""
    import os

    try:
        relative = os.path.relpath(target.resolve(), Path.cwd().resolve())
    except ValueError:  # another drive
        relative = str(target)
    return None if relative == "." else relative


def next_steps(folder: str | None = None) -> str:
    """The whole loop, first commit to promotion PR: printed by `mlspec init`, followed by the README's
    tutorial (tests/test_init_next_steps.py keeps the two equal)."""
    import shlex

    cd = [f"cd {shlex.quote(folder)}"] if folder else []
    steps = [
        (
            "put the project under git and commit it",
            [*cd, "git init -b main", "git add -A", 'git commit -m "mlspec project"'],
        ),
        ("run the pipeline: data tests, train, evaluate, model tests", ["mlspec run"]),
        (
            "generate the GitHub workflows (CI, CT, CD) and commit them",
            ["mlspec render", "git add .github", 'git commit -m "mlspec workflows"'],
        ),
        ("check the run against the gates of the first environment", ["mlspec gate --env staging"]),
        ("write the report a pull request shows", ["mlspec report --output report.md"]),
        (
            "see the promotion PR (without --dry-run and with GITHUB_TOKEN it is opened)",
            ["mlspec promote --env staging --dry-run"],
        ),
    ]
    lines = ["next steps:"]
    for number, (what, commands) in enumerate(steps, 1):
        lines.append(f"  {number}. {what}:")
        lines += [f"       {command}" for command in commands]
    lines.append(
        "then push to GitHub: pull requests get the report as a comment, and a merge to main "
        "retrains (CT) and opens the promotion PR"
    )
    return "\n".join(lines)
