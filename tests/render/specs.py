"""Spec variants for the render tests: small dicts turned into mlproject.yaml files in a git repo."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import git

BASE: dict[str, Any] = {
    "apiVersion": "mlspec/v1",
    "name": "churn",
    "data": {"train": "data/train.csv", "test": "data/test.csv", "label": "churned"},
    "train": {"entrypoint": "src/train.py:train", "params": {"n_estimators": 10}},
    "evaluate": {"task": "binary", "metrics": ["roc_auc", "f1"]},
    "gates": [{"metric": "roc_auc", "min": 0.8}],
}


def merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


# name -> {relative spec path: spec dict}
EVERYTHING_ACTIONS_REF = "0123456789abcdef0123456789abcdef01234567"
VARIANTS: dict[str, dict[str, dict[str, Any]]] = {
    "default": {"mlproject.yaml": BASE},
    "monorepo": {
        "models/churn/mlproject.yaml": BASE,
        "models/fraud/mlproject.yaml": merged(BASE, {"name": "fraud", "data": {"label": "fraud"}}),
    },
    "schedule": {"mlproject.yaml": merged(BASE, {"triggers": {"schedule": "0 3 * * 1"}})},
    "self-hosted": {"mlproject.yaml": merged(BASE, {"ci": {"runs_on": ["self-hosted", "linux", "gpu", "a100-80gb"]}})},
    "environments": {
        "mlproject.yaml": merged(
            BASE,
            {
                "environments": [
                    {"name": "dev"},
                    {"name": "staging", "requires": "dev"},
                    {
                        "name": "production",
                        "requires": "staging",
                        "reviewers": ["octocat"],
                        "labels": ["promotion"],
                        "soak_hours": 24,
                    },
                ]
            },
        )
    },
    "source-split": {
        "ml/mlproject.yaml": merged(
            BASE, {"data": {"train": None, "test": None, "source": "raw/all.parquet", "split": {"test_size": 0.25}}}
        )
    },
    "drift-on": {
        "mlproject.yaml": merged(BASE, {"triggers": {"drift": {"current": "incoming/", "schedule": "15 */6 * * *"}}})
    },
    "drift-command": {
        "mlproject.yaml": merged(
            BASE,
            {
                "triggers": {
                    "drift": {
                        "command": "python scripts/fetch.py --out \"$MLSPEC_CURRENT\" && echo 'done'",
                        "retrain": False,
                    }
                }
            },
        )
    },
    "drift-serving-log": {
        "mlproject.yaml": merged(
            BASE,
            {
                "serve": {
                    "monitoring": {
                        "sample": 0.05,
                        "sink": "s3://serving-logs/churn/production",
                        "read_credentials": {
                            "AWS_ACCESS_KEY_ID": "LOG_READER_KEY_ID",
                            "AWS_SECRET_ACCESS_KEY": "LOG_READER_SECRET",
                        },
                        "window": "2d",
                    }
                },
                "triggers": {"drift": {"schedule": "30 5 * * *"}},
            },
        )
    },
    "drift-serving-log-no-retrain": {
        "mlproject.yaml": merged(
            BASE,
            {"serve": {"monitoring": {"sink": "gs://logs/churn"}}, "triggers": {"drift": {"retrain": False}}},
        )
    },
    "ray-engine": {
        "mlproject.yaml": merged(
            BASE,
            {
                "train": {
                    "engine": {
                        "ray": {"address": "RAY_JOBS_ADDRESS", "entrypoint_resources": {"CPU": 8, "GPU": 1}},
                    }
                }
            },
        )
    },
    "image-ghcr": {  # CT pushes the image by digest to ghcr.io with its GITHUB_TOKEN before promoting
        "mlproject.yaml": merged(
            BASE,
            {
                "serve": {"container": {"registry": "ghcr.io", "repository": "acme/churn", "push": True}},
                "environments": [{"name": "staging", "kubernetes": {"namespace": "churn-staging", "replicas": 1}}],
            },
        )
    },
    "image-credentials": {  # ... or with the login secrets the spec names
        "mlproject.yaml": merged(
            BASE,
            {
                "serve": {
                    "container": {
                        "registry": "registry.example.com:5000",
                        "push": True,
                        "credentials": {"username": "REGISTRY_USER", "password": "REGISTRY_TOKEN"},
                    }
                },
            },
        )
    },
    "drift-off": {"mlproject.yaml": merged(BASE, {"triggers": {"drift": {"enabled": False}}})},
    "local-actions": {"mlproject.yaml": merged(BASE, {"ci": {"actions": "local"}})},
    "code-scanning": {"mlproject.yaml": merged(BASE, {"ci": {"code_scanning": True}})},
    "data-outside-git": {
        "mlproject.yaml": merged(
            BASE,
            {
                "data": {
                    "dvc": {"remote": "storage", "package": "dvc[s3]==3.67.1"},
                    "credentials": {"AWS_ACCESS_KEY_ID": "DATA_AWS_KEY_ID", "AWS_SECRET_ACCESS_KEY": "DATA_AWS_SECRET"},
                },
                "triggers": {"drift": {"current": "incoming/"}},
            },
        )
    },
    "everything": {
        "services/x/mlproject.yaml": merged(
            BASE,
            {
                "train": {"entrypoint": None, "command": 'python train.py --seed "$MLSPEC_SEED"'},
                "serve": {"container": {"enabled": True}},
                "triggers": {
                    "branches": ["main", "release/v1"],
                    "paths": {
                        "data": ["data/**", "!data/scratch/**"],
                        "config": ["mlproject.yaml", "conf/*.yaml"],
                        "code": ["../../libs/common/**"],
                    },
                },
                "ci": {
                    "python": "3.12",
                    "install": "pip install -r requirements.txt\necho \"it's $(date)\" 'quoted' \u00e9\u2603",
                    "timeout_minutes": 30,
                    "actions_ref": EVERYTHING_ACTIONS_REF,
                    "mlspec_package": "mlspec-gitops[serve]==0.1.0",
                },
            },
        )
    },
}


def write_repo(root: Path, specs: dict[str, dict[str, Any]], *, git_init: bool = True) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for relative, spec in specs.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
        paths.append(path)
    if git_init and not (root / ".git").exists():
        git("init", "-q", "-b", "main", cwd=root)
    return paths


def runner_labels(specs: dict[str, dict[str, Any]]) -> list[str]:
    """The self-hosted labels a repository with these specs declares (actionlint.yaml's self-hosted-runner.labels)."""
    labels: list[str] = []
    for spec in specs.values():
        runs_on = (spec.get("ci") or {}).get("runs_on", "ubuntu-latest")
        runs_on = [runs_on] if isinstance(runs_on, str) else runs_on
        if "self-hosted" in runs_on:
            labels += [label for label in runs_on if label != "self-hosted"]
    return labels
