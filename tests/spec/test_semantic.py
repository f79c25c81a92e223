"""The cross-field checks of mlspec.spec.semantic, each on its own: the exact finding (where, what, kind, hint) for
every rule, its edges and the inputs it must leave alone. tests/spec/test_cases.py runs the same checks through
`mlspec validate` on case folders; these are what `make mutation MODULE=mlspec/spec/semantic.py` reruns per mutant."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from mlspec.input_patterns import CODE_UNKNOWN, CODE_UNKNOWN_HINT
from mlspec.metrics_catalog import METRICS
from mlspec.spec import check_catalog
from mlspec.spec.models import Spec
from mlspec.spec.semantic import Finding, semantic_findings

MINIMAL: dict[str, Any] = {
    "apiVersion": "mlspec/v1",
    "name": "churn",
    "data": {"train": "data/train.csv", "test": "data/test.csv", "label": "churned"},
    "train": {"entrypoint": "src/train.py:train"},
    "evaluate": {"task": "binary"},
}
OUTSIDE_HINT = (
    "paths are relative to the spec's folder and must stay inside the repository (symbolic links must not lead out "
    "of it either)"
)


def _spec(**sections: Any) -> Spec:
    doc = copy.deepcopy(MINIMAL)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key].update(value)
        else:
            doc[key] = value
    return Spec.model_validate(doc)


def _findings(spec: Spec) -> list[Finding]:
    return semantic_findings(spec, Path("."), check_files=False)


def _envs(*pairs: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"name": name} if requires is None else {"name": name, "requires": requires} for name, requires in pairs]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository (a `.git` folder) with a project folder `proj` holding the minimal spec's files; cwd = the
    repository, so paths are shown relative to it."""
    (tmp_path / ".git").mkdir()
    project = tmp_path / "proj"
    (project / "data").mkdir(parents=True)
    (project / "src").mkdir()
    for name in ("data/train.csv", "data/test.csv", "src/train.py"):
        (project / name).write_text("x\n")
    monkeypatch.chdir(tmp_path)
    return project


# --- environments


def test_a_valid_promotion_chain_has_no_finding() -> None:
    spec = _spec(environments=_envs(("dev", None), ("staging", "dev"), ("production", "staging")))
    assert _findings(spec) == []


def test_an_environment_defined_twice_is_reported_at_its_second_place() -> None:
    spec = _spec(environments=_envs(("a", None), ("b", None), ("a", None), ("b", None)))
    assert _findings(spec) == [
        Finding(("environments", 2, "name"), "environment 'a' is defined twice", "duplicate"),
        Finding(("environments", 3, "name"), "environment 'b' is defined twice", "duplicate"),
    ]


def test_an_unknown_required_environment_lists_the_defined_ones() -> None:
    spec = _spec(environments=_envs(("dev", None), ("staging", "qa"), ("production", "staging")))
    assert _findings(spec) == [
        Finding(
            ("environments", 1, "requires"),
            "environment 'staging' requires 'qa', which is not defined",
            "unknown-environment",
            "define it under `environments` or use one of: dev, staging, production",
        )
    ]


@pytest.mark.parametrize(
    ("envs", "cycles"),
    [
        (_envs(("a", "a")), [(0, "a -> a")]),
        (_envs(("a", "b"), ("b", "a")), [(0, "a -> b -> a"), (1, "b -> a -> b")]),
        (
            _envs(("x", None), ("a", "c"), ("b", "a"), ("c", "b")),
            [(1, "a -> c -> b -> a"), (2, "b -> a -> c -> b"), (3, "c -> b -> a -> c")],
        ),
    ],
    ids=["itself", "two", "three"],
)
def test_environments_requiring_each_other_are_a_cycle_for_each_member(envs, cycles) -> None:
    assert _findings(_spec(environments=envs)) == [
        Finding(
            ("environments", i, "requires"),
            f"environments require each other in a cycle: {chain}",
            "cycle",
            "one environment in the chain must have no `requires`",
        )
        for i, chain in cycles
    ]


def test_an_environment_requiring_into_a_cycle_is_not_in_it_but_out_of_order() -> None:
    # a -> b -> c -> b: the walk from a stops at b (already seen), which is not a: a is no member of the cycle
    spec = _spec(environments=_envs(("a", "b"), ("b", "c"), ("c", "b")))
    found = _findings(spec)
    assert [(f.loc[1], f.kind) for f in found] == [(0, "environment-order"), (1, "cycle"), (2, "cycle")]


def test_an_environment_may_require_only_one_listed_before_it() -> None:
    spec = _spec(environments=_envs(("production", "staging"), ("staging", None)))
    assert _findings(spec) == [
        Finding(
            ("environments", 0, "requires"),
            "environment 'production' requires 'staging', which comes later in the promotion order",
            "environment-order",
            "list environments in promotion order: each may only require one listed before it",
        )
    ]


def test_the_checks_go_on_after_an_environment_without_requires() -> None:
    spec = _spec(environments=_envs(("dev", None), ("staging", "nope"), ("b", "c"), ("c", None)))
    assert [(f.loc, f.kind) for f in _findings(spec)] == [
        (("environments", 1, "requires"), "unknown-environment"),
        (("environments", 2, "requires"), "environment-order"),
    ]


# --- names that refer to others


def test_unknown_metrics_in_evaluate_and_gates_list_the_task_s_metrics() -> None:
    known = list(METRICS["regression"])
    spec = _spec(
        evaluate={"task": "regression", "metrics": [known[0], "auc", known[1], "f1"]},
        gates=[{"metric": known[0], "min": 0}, {"metric": "accuracy", "min": 0.5}],
    )
    hint = f"choose from: {', '.join(known)}"
    assert _findings(spec) == [
        Finding(
            ("evaluate", "metrics", 1), "metric 'auc' is not computed for task 'regression'", "unknown-metric", hint
        ),
        Finding(
            ("evaluate", "metrics", 3), "metric 'f1' is not computed for task 'regression'", "unknown-metric", hint
        ),
        Finding(
            ("gates", 1, "metric"), "metric 'accuracy' is not computed for task 'regression'", "unknown-metric", hint
        ),
    ]


def test_gates_and_drift_refer_to_defined_environments_only() -> None:
    spec = _spec(
        environments=_envs(("staging", None)),
        gates=[
            {"metric": "accuracy", "min": 0.5},
            {"metric": "accuracy", "min": 0.5, "environment": "staging"},
            {"metric": "accuracy", "min": 0.5, "environment": "prod"},
        ],
        triggers={"drift": {"current": "data/current.csv", "environment": "production"}},
    )
    assert _findings(spec) == [
        Finding(
            ("gates", 2, "environment"),
            "gate refers to environment 'prod', which is not defined",
            "unknown-environment",
        ),
        Finding(
            ("triggers", "drift", "environment"),
            "drift monitoring refers to environment 'production', which is not defined",
            "unknown-environment",
        ),
    ]
    known = _spec(
        environments=_envs(("staging", None)), triggers={"drift": {"current": "c.csv", "environment": "staging"}}
    )
    assert _findings(known) == []
    assert _findings(_spec(triggers={"drift": {"current": "c.csv"}})) == []


@pytest.mark.parametrize(
    ("task", "positive_class", "reported"),
    [
        ("binary", "yes", False),
        ("multiclass", "yes", True),
        ("regression", 1, True),
        ("multiclass", None, False),
    ],
)
def test_positive_class_belongs_to_binary_tasks(task: str, positive_class: Any, reported: bool) -> None:
    spec = _spec(evaluate={"task": task, "positive_class": positive_class})
    expected = Finding(
        ("evaluate", "positive_class"),
        f"positive_class applies to binary tasks only; evaluate.task is {task!r}",
        "positive-class-task",
        "remove evaluate.positive_class, or set evaluate.task to binary",
    )
    assert _findings(spec) == ([expected] if reported else [])


def test_a_dollar_brace_brace_in_a_shell_command_is_reported() -> None:
    message = "contains '${{', which GitHub Actions would evaluate as an expression inside the generated workflow"
    hint = "remove the '${{ ... }}' text; pass values to the command through environment variables"
    spec = _spec(ci={"install": "pip install ${{ x }}"}, triggers={"drift": {"command": "echo ${{ y }}"}})
    assert _findings(spec) == [
        Finding(("ci", "install"), message, "expression", hint),
        Finding(("triggers", "drift", "command"), message, "expression", hint),
    ]
    fine = _spec(ci={"install": "pip install $X {{ y }} ${z} $ {{"}, triggers={"drift": {"command": "echo ${HOME}"}})
    assert _findings(fine) == []
    assert _findings(_spec(ci={"install": "x"}, triggers={"drift": {"current": "c.csv"}})) == []


# --- columns


def test_the_label_is_no_feature_column() -> None:
    spec = _spec(data={"categorical": ["plan", "churned"], "features": ["plan", "churned"]})
    assert _findings(spec) == [
        Finding(("data", "categorical"), "the label 'churned' is listed as a feature column", "column"),
        Finding(("data", "features"), "the label 'churned' is listed as a feature column", "column"),
    ]
    assert _findings(_spec(data={"categorical": ["plan"], "features": ["plan", "age"]})) == []
    assert _findings(_spec(data={"categorical": ["plan"]})) == []  # no features list: every other column


def test_categorical_columns_must_be_among_the_listed_features() -> None:
    spec = _spec(data={"categorical": ["plan", "region", "age"], "features": ["age", "plan"]})
    assert _findings(spec) == [
        Finding(
            ("data", "categorical", 1),
            "categorical column 'region' is not in `features`",
            "column",
            "add it to `data.features` (the model sees only those columns), or remove it here",
        )
    ]


def test_a_misspelt_categorical_column_points_at_its_item_with_a_did_you_mean() -> None:
    spec = _spec(data={"categorical": ["region", "regoin"], "features": ["region", "age"]})
    assert _findings(spec) == [
        Finding(
            ("data", "categorical", 1),
            "categorical column 'regoin' is not in `features`",
            "column",
            "did you mean 'region'?",
        )
    ]


@pytest.mark.parametrize(
    ("split", "datetime", "reported"),
    [
        ({"method": "time"}, None, True),
        ({"method": "time", "column": "at"}, None, False),
        ({"method": "time"}, "at", False),
        ({"method": "random"}, None, False),
    ],
)
def test_a_time_split_needs_a_time_column(split: dict[str, Any], datetime: str | None, reported: bool) -> None:
    data: dict[str, Any] = {"train": None, "test": None, "source": "data/all.csv", "split": split}
    if datetime:
        data["datetime"] = datetime
    expected = Finding(
        ("data", "split", "method"),
        "a time split needs a time column",
        "column",
        "set `data.split.column` or `data.datetime` to the column holding the row times",
    )
    assert _findings(_spec(data=data)) == ([expected] if reported else [])


def test_the_split_column_is_not_the_label() -> None:
    spec = _spec(
        data={"train": None, "test": None, "source": "d.csv", "split": {"method": "group", "column": "churned"}}
    )
    assert _findings(spec) == [
        Finding(
            ("data", "split", "column"),
            "the split column is the label 'churned'",
            "column",
            "split by a time or group column, not by the label",
        )
    ]
    other = _spec(data={"train": None, "test": None, "source": "d.csv", "split": {"method": "group", "column": "user"}})
    assert _findings(other) == []


# --- files


def test_data_files_are_found_relative_to_the_spec_folder(repo: Path) -> None:
    assert semantic_findings(_spec(), repo) == []
    (repo / "data" / "test.csv").unlink()
    assert semantic_findings(_spec(), repo) == [
        Finding(
            ("data", "test"),
            "data file 'data/test.csv' not found",
            "missing-file",
            "paths are relative to the spec's folder; looked for proj/data/test.csv",
        )
    ]
    assert semantic_findings(_spec(), repo, check_files=False) == []


def test_a_source_file_is_checked_and_urls_are_not(repo: Path) -> None:
    spec = _spec(data={"train": None, "test": None, "source": "data/all.csv"})
    assert [(f.loc, f.kind) for f in semantic_findings(spec, repo)] == [(("data", "source"), "missing-file")]
    urls = _spec(data={"train": "https://example.com/train.csv", "test": "s3://bucket/test.csv"})
    assert semantic_findings(urls, repo) == []


def test_data_paths_leaving_the_repository_are_reported_not_looked_for(repo: Path) -> None:
    (repo.parent.parent / "outside.csv").write_text("x\n")
    spec = _spec(data={"train": "../../outside.csv", "test": "../data/test.csv"})
    assert semantic_findings(spec, repo) == [
        Finding(
            ("data", "train"), "'../../outside.csv' leads outside the repository", "outside-repository", OUTSIDE_HINT
        ),
        Finding(
            ("data", "test"),
            "data file '../data/test.csv' not found",
            "missing-file",
            "paths are relative to the spec's folder; looked for data/test.csv",
        ),
    ]


def test_the_repository_root_itself_is_inside(repo: Path) -> None:
    spec = _spec(triggers={"drift": {"current": ".."}})
    assert semantic_findings(spec, repo) == []
    outside = _spec(triggers={"drift": {"current": "../.."}})
    assert semantic_findings(outside, repo) == [
        Finding(
            ("triggers", "drift", "current"), "'../..' leads outside the repository", "outside-repository", OUTSIDE_HINT
        )
    ]


def test_a_training_script_must_exist_inside_the_repository(repo: Path) -> None:
    missing = _spec(train={"entrypoint": "src/other.py:train"})
    assert semantic_findings(missing, repo) == [
        Finding(
            ("train", "entrypoint"),
            "training code 'src/other.py' not found",
            "missing-file",
            "paths are relative to the spec's folder; looked for proj/src/other.py",
        )
    ]
    outside = _spec(train={"entrypoint": "../../t.py:train"})
    assert semantic_findings(outside, repo) == [
        Finding(
            ("train", "entrypoint"), "'../../t.py' leads outside the repository", "outside-repository", OUTSIDE_HINT
        )
    ]


def test_a_module_entrypoint_is_local_or_installed(repo: Path) -> None:
    (repo / "pkg").mkdir()
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "src" / "model.py").write_text("")
    for found in ("src.model:train", "pkg:train", "json.decoder:train"):
        assert semantic_findings(_spec(train={"entrypoint": found}), repo) == [], found
    assert semantic_findings(_spec(train={"entrypoint": "src.nothing:train"}), repo) == [
        Finding(("train", "entrypoint"), f"module 'src.nothing' is neither under {repo} nor installed", "missing-file")
    ]
    assert semantic_findings(_spec(train={"entrypoint": "nopkg_mlspec_test.mod:train"}), repo) == [
        Finding(
            ("train", "entrypoint"),
            f"module 'nopkg_mlspec_test.mod' is neither under {repo} nor installed",
            "missing-file",
        )
    ]


@pytest.mark.parametrize("group", ["data", "config", "code"])
def test_path_globs_stay_inside_the_repository(repo: Path, group: str) -> None:
    patterns = ["data/**", "../proj/x", "!../../secret/**", "../../**"]
    spec = _spec(triggers={"paths": {group: patterns}})
    hint = "globs are relative to the spec's folder and must stay inside the repository"
    assert semantic_findings(spec, repo) == [
        Finding(
            ("triggers", "paths", group, 2),
            "path glob '!../../secret/**' points outside the repository",
            "outside-repository",
            hint,
        ),
        Finding(
            ("triggers", "paths", group, 3),
            "path glob '../../**' points outside the repository",
            "outside-repository",
            hint,
        ),
    ]


def test_a_glob_of_exactly_the_folder_above_the_root_is_outside(repo: Path) -> None:
    root = repo.parent
    (root / "data").mkdir()
    for name in ("data/train.csv", "data/test.csv"):
        (root / name).write_text("x\n")
    (root / "src").mkdir()
    (root / "src" / "train.py").write_text("")
    spec = _spec(triggers={"paths": {"data": ["..", "..x/**", "."]}})
    assert [(f.loc, f.message) for f in semantic_findings(spec, root)] == [
        (("triggers", "paths", "data", 0), "path glob '..' points outside the repository")
    ]


# --- train.command


def test_a_command_naming_no_script_needs_code_paths(repo: Path) -> None:
    spec = _spec(train={"entrypoint": None, "command": "make model"})
    assert semantic_findings(spec, repo) == [
        Finding(("train", "command"), CODE_UNKNOWN, "code-unknown", CODE_UNKNOWN_HINT)
    ]
    paths = _spec(train={"entrypoint": None, "command": "make model"}, triggers={"paths": {"code": ["src/**"]}})
    assert semantic_findings(paths, repo) == []


def test_a_command_s_scripts_must_be_in_the_spec_folder(repo: Path) -> None:
    spec = _spec(train={"entrypoint": None, "command": "python src/train.py && python src/fit.py"})
    expected = [
        Finding(
            ("train", "command"),
            "train.command runs 'src/fit.py', which is not in the spec's folder, so CT would not watch the training "
            "code",
            "code-unknown",
            CODE_UNKNOWN_HINT,
        )
    ]
    assert semantic_findings(spec, repo) == expected
    assert semantic_findings(spec, repo, check_files=False) == []
    assert semantic_findings(_spec(train={"entrypoint": None, "command": "python src/train.py"}), repo) == []


# --- deepchecks names


def test_skipped_checks_must_be_in_the_suites() -> None:
    data_suites = ", ".join(_spec().tests.data.suites)
    spec = _spec(tests={"data": {"skip": ["MixedNulls", "RocReport", "MixedNull", "Zzzzzzzz"]}})
    in_suites = [c for s in _spec().tests.data.suites for c in check_catalog.suite_checks(s)]
    where = f"in the data suites ({data_suites})"
    assert _findings(spec) == [
        Finding(
            ("tests", "data", "skip", 1),
            f"check 'RocReport' is not {where}",
            "unknown-check",
            "RocReport is a check of the model tests: list it under tests.model.skip",
        ),
        Finding(
            ("tests", "data", "skip", 2),
            f"check 'MixedNull' is not {where}",
            "unknown-check",
            "did you mean 'MixedNulls'?",
        ),
        Finding(
            ("tests", "data", "skip", 3),
            f"check 'Zzzzzzzz' is not {where}",
            "unknown-check",
            "their checks: " + ", ".join(in_suites),
        ),
    ]


def test_a_model_skip_of_a_data_check_points_to_the_data_tests() -> None:
    spec = _spec(tests={"model": {"skip": ["FeatureDrift", "RocReport"]}})
    suites = ", ".join(_spec().tests.model.suites)
    assert _findings(spec) == [
        Finding(
            ("tests", "model", "skip", 0),
            f"check 'FeatureDrift' is not in the model suites ({suites})",
            "unknown-check",
            "FeatureDrift is a check of the data tests: list it under tests.data.skip",
        ),
    ]


def test_skipping_with_no_suites_says_there_are_none() -> None:
    spec = _spec(tests={"data": {"suites": [], "skip": ["MixedNulls"]}})
    assert _findings(spec) == [
        Finding(
            ("tests", "data", "skip", 0),
            "check 'MixedNulls' is not in tests.data.suites (none)",
            "unknown-check",
            "their checks: ",
        ),
    ]


def test_configured_checks_and_conditions_are_deepchecks_names() -> None:
    spec = _spec(
        tests={
            "data": {
                "checks": [
                    {"name": "FeatureDrif"},
                    {"name": "Qqqqqqqqq"},
                    {
                        "name": "MixedNulls",
                        "params": {"anything": 1},  # **kwargs, but deepchecks' BaseCheck drops it: unknown
                        "conditions": [
                            {"name": "different_nulls_less_equal_to", "params": {"max_allowed_null_types": 1}},
                            {"name": "different_nulls_less_equal", "params": {}},
                            {
                                "name": "different_nulls_less_equal_to",
                                "params": {"max_allowed_nul_types": 1, "zzzz": 2},
                            },
                        ],
                    },
                    {"name": "CalibrationScore", "conditions": [{"name": "anything"}]},
                    {"name": "IsSingleValue", "conditions": [{"name": "not_single_value", "params": {"columns": 1}}]},
                ]
            }
        }
    )
    conditions = ", ".join(check_catalog.check_info("MixedNulls")["conditions"])  # type: ignore[index]
    assert _findings(spec) == [
        Finding(
            ("tests", "data", "checks", 0, "name"),
            "deepchecks has no tabular check 'FeatureDrif'",
            "unknown-check",
            "did you mean 'FeatureDrift'?",
        ),
        Finding(
            ("tests", "data", "checks", 1, "name"),
            "deepchecks has no tabular check 'Qqqqqqqqq'",
            "unknown-check",
            "see the deepchecks.tabular.checks names",
        ),
        Finding(
            ("tests", "data", "checks", 2, "params", "anything"),
            "MixedNulls has no parameter 'anything'",
            "unknown-parameter",
            "its parameters: aggregation_method, check_nan, columns, ignore_columns, n_samples, n_top_columns, "
            "null_string_list, random_state",
        ),
        Finding(
            ("tests", "data", "checks", 2, "conditions", 1, "name"),
            "MixedNulls has no condition 'different_nulls_less_equal'",
            "unknown-condition",
            "did you mean 'different_nulls_less_equal_to'?",
        ),
        Finding(
            ("tests", "data", "checks", 2, "conditions", 2, "params", "max_allowed_nul_types"),
            "condition different_nulls_less_equal_to of MixedNulls has no parameter 'max_allowed_nul_types'",
            "unknown-parameter",
            "did you mean 'max_allowed_null_types'?",
        ),
        Finding(
            ("tests", "data", "checks", 2, "conditions", 2, "params", "zzzz"),
            "condition different_nulls_less_equal_to of MixedNulls has no parameter 'zzzz'",
            "unknown-parameter",
            "its parameters: max_allowed_null_types",
        ),
        Finding(
            ("tests", "data", "checks", 3, "conditions", 0, "name"),
            "CalibrationScore has no condition 'anything'",
            "unknown-condition",
            "its conditions: (none)",
        ),
        Finding(
            ("tests", "data", "checks", 4, "conditions", 0, "params", "columns"),
            "condition not_single_value of IsSingleValue has no parameter 'columns'",
            "unknown-parameter",
            "its parameters: (none)",
        ),
    ]
    assert conditions  # MixedNulls has conditions, so a near name is suggested, not the listing


def test_a_check_without_keyword_catch_all_reports_unknown_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    """A check whose parameters are known (every shipped one: deepchecks' BaseCheck drops unknown keywords) has them
    checked by name; an entry taking any keyword (here a condition) accepts anything."""
    shipped = check_catalog.catalog()
    strict = copy.deepcopy(shipped)
    strict["checks"]["MixedNulls"]["any_keyword"] = False
    strict["checks"]["MixedNulls"]["conditions"]["different_nulls_less_equal_to"]["any_keyword"] = True
    monkeypatch.setattr(check_catalog, "catalog", lambda: strict)
    spec = _spec(
        tests={
            "model": {
                "checks": [
                    {
                        "name": "MixedNulls",
                        "params": {"columns": ["a"], "n_sample": 5, "qqqqq": 1},
                        "conditions": [{"name": "different_nulls_less_equal_to", "params": {"whatever": 1}}],
                    }
                ]
            }
        }
    )
    params = strict["checks"]["MixedNulls"]["params"]
    assert _findings(spec) == [
        Finding(
            ("tests", "model", "checks", 0, "params", "n_sample"),
            "MixedNulls has no parameter 'n_sample'",
            "unknown-parameter",
            "did you mean 'n_samples'?",
        ),
        Finding(
            ("tests", "model", "checks", 0, "params", "qqqqq"),
            "MixedNulls has no parameter 'qqqqq'",
            "unknown-parameter",
            "its parameters: " + ", ".join(params),
        ),
    ]


# --- all together


def test_every_check_runs_and_findings_keep_the_checks_order(repo: Path) -> None:
    spec = _spec(
        environments=_envs(("a", "a")),
        evaluate={"metrics": ["nope"]},
        gates=[{"metric": "accuracy", "min": 0.5, "environment": "x"}],
        data={"categorical": ["churned"], "test": "data/none.csv"},
        ci={"install": "${{ x }}"},
        tests={"data": {"skip": ["Nope"]}},
    )
    kinds = [f.kind for f in semantic_findings(spec, repo)]
    assert kinds == [
        "cycle",
        "unknown-metric",
        "unknown-environment",
        "column",
        "expression",
        "unknown-check",
        "missing-file",
    ]
    command = _spec(
        train={"entrypoint": None, "command": "make"},
        evaluate={"task": "regression", "positive_class": 1},
        triggers={"drift": {"current": "c.csv", "environment": "x"}},
    )
    assert [f.kind for f in semantic_findings(command, repo, check_files=False)] == [
        "positive-class-task",
        "unknown-environment",
        "code-unknown",
    ]


def test_a_partial_spec_skips_the_checks_of_missing_sections(repo: Path) -> None:
    whole = _spec(environments=_envs(("a", "a")), gates=[{"metric": "nope", "min": 0}])
    partial = Spec.model_construct(**{k: getattr(whole, k) for k in ("environments", "gates", "data", "train")})
    # evaluate is missing (it had errors of its own): the metric check is skipped, the others run
    found = semantic_findings(partial, repo, partial=True)
    assert [f.kind for f in found] == ["cycle"]
    with pytest.raises(AttributeError):
        semantic_findings(partial, repo)


def test_an_unknown_condition_or_parameter_far_from_every_name_lists_them_all() -> None:
    spec = _spec(
        tests={
            "data": {
                "checks": [
                    {"name": "NewCategoryTrainTest", "conditions": [{"name": "zzzz"}]},
                    {
                        "name": "FeatureFeatureCorrelation",
                        "conditions": [{"name": "max_number_of_pairs_above_threshold", "params": {"qqqq": 1}}],
                    },
                ]
            }
        }
    )
    assert [f.hint for f in _findings(spec)] == [
        "its conditions: new_categories_less_or_equal, new_category_ratio_less_or_equal",
        "its parameters: n_pairs, threshold",
    ]


def test_a_glob_s_leading_negation_is_all_that_is_stripped(repo: Path) -> None:
    # "X/../../../y" from proj is ../y: outside, whatever a leading letter is
    spec = _spec(triggers={"paths": {"code": ["X/../../../y", "!../../y"]}, "drift": {"current": "../../c.csv"}})
    assert [(f.loc, f.kind) for f in semantic_findings(spec, repo)] == [
        (("triggers", "paths", "code", 0), "outside-repository"),
        (("triggers", "paths", "code", 1), "outside-repository"),
        (("triggers", "drift", "current"), "outside-repository"),  # reported beside the globs, not instead
    ]


def test_a_partial_spec_runs_every_check_after_a_skipped_one(repo: Path) -> None:
    whole = _spec(data={"categorical": ["churned"]}, ci={"install": "${{ x }}"})
    partial = Spec.model_construct(**{k: getattr(whole, k) for k in ("environments", "gates", "data", "train", "ci")})
    found = semantic_findings(partial, repo, check_files=False, partial=True)
    # evaluate is missing: the checks reading it are skipped, the later ones (columns, commands) still run
    assert [f.kind for f in found] == ["column", "expression"]
