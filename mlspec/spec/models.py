"""The `mlproject.yaml` schema (apiVersion mlspec/v1) as pydantic models.

Rules: unknown keys are errors, every field has a description (it shows in editors through
the JSON Schema), defaults keep the smallest useful spec near ten lines, and every string
that ends up in a generated workflow is constrained to characters that are safe there.
Checks that need the file system or several sections at once live in `semantic.py`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlspec.errors import shown
from mlspec.hosts.all_hosts import current as code_host
from mlspec.metrics_catalog import DEFAULT_METRICS
from mlspec.spec.credentials import ENV_VAR_PATTERN, check_credentials, check_secret_name
from mlspec.spec.cron import parse_cron
from mlspec.spec.kubernetes import Kubernetes
from mlspec.spec.serving_log import ServingLog
from mlspec.targets import all_targets

API_VERSION = "mlspec/v1"

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$"
ENV_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"
IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# Relative paths and globs: letters, digits and a few punctuation marks; nothing a shell,
# YAML or a `${{ }}` expression could read as syntax.
_PATH_CHARS = r"A-Za-z0-9_.\-/@+"
PATH_PATTERN = rf"^[{_PATH_CHARS}]+$"
# fsspec URLs of data: s3://, gs://, gcs://, http(s)://; no spaces, quotes or `$`.
URL_PATTERN = r"^(?:s3|gs|gcs|https?)://[A-Za-z0-9_.\-/@+%=~:?&]+$"
DATA_LOCATION_PATTERN = rf"^(?:[{_PATH_CHARS}]+|(?:s3|gs|gcs|https?)://[A-Za-z0-9_.\-/@+%=~:?&]+)$"
DVC_PACKAGE = "dvc[s3]>=3.50,<4"
GLOB_PATTERN = rf"^!?[{_PATH_CHARS}*?\[\]{{}},]+$"
ENTRYPOINT_PATTERN = (
    r"^(?:[A-Za-z0-9_.\-/]+\.py|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*):[A-Za-z_][A-Za-z0-9_]*$"
)
RUNNER_LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
PYTHON_VERSION_PATTERN = r"^3\.(?:9|1[0-9])(?:\.[0-9]+)?$"
GIT_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,99}$"
REPOSITORY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9_.\-]+$"
GITHUB_LOGIN_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9\-/]{0,60}[A-Za-z0-9])?$"
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.:\-/]{0,49}$"
# quotes unescaped: `\"` and `\'` are invalid escapes in ECMA-262 (unicode mode), what JSON Schema validators use
COLUMN_PATTERN = r"""^[^\x00-\x1f`$\\"']{1,128}$"""

DATA_SUITES: tuple[Literal["data_integrity", "train_test_validation"], ...] = (
    "data_integrity",
    "train_test_validation",
)
MODEL_SUITES: tuple[Literal["model_evaluation"], ...] = ("model_evaluation",)

JsonScalar = str | int | float | bool | None
JsonValue = JsonScalar | list[Any] | dict[str, Any]


class StrictModel(BaseModel):
    # Built all at once at the end of this module (`_build_models`), not one by one as each class is defined.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False, defer_build=True)


def _check_glob(pattern: str) -> str:
    if not re.match(GLOB_PATTERN, pattern):
        raise ValueError(
            f"path glob {shown(pattern)} may only use letters, digits and _ . - / @ + * ? [ ] {{ }} , "
            "(with an optional leading !)"
        )
    body = pattern.lstrip("!")
    if body.startswith("/"):
        raise ValueError(f"path glob {shown(pattern)} must be relative to the spec's folder, not absolute")
    if not _balanced(body):
        raise ValueError(f"path glob {shown(pattern)} has unbalanced brackets")
    if "//" in body:
        raise ValueError(f"path glob {shown(pattern)} contains an empty path segment '//'")
    try:
        code_host().check_pattern(pattern)  # the host's path-filter syntax (GitHub's: no braces; `?` and `+` ...)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return pattern


def _balanced(body: str) -> bool:
    """Each `[` closed by a `]` and each `{` by a `}`, in order and not nested (`data/]a[` is not)."""
    closing = {"[": "]", "{": "}"}
    expected: str | None = None
    for ch in body:
        if expected is None and ch in closing:
            expected = closing[ch]
        elif ch == expected:
            expected = None
        elif expected is None and ch in "]}":
            return False
    return expected is None


def _check_relative_path(path: str) -> str:
    if path.startswith("/"):
        raise ValueError(f"path {shown(path)} must be relative to the spec's folder, not absolute")
    return path


RelPath = Field(pattern=PATH_PATTERN, min_length=1, max_length=255)


class Split(StrictModel):
    """How one source table is split into train and test: `random` (seeded), `time` (the latest rows
    by a time column are the test set) or `group` (all rows of a group on one side, seeded). The split
    used (method, column, cut-off, rows and groups per side) is written to the run record. A `group` split draws
    `test_size` of the groups, so with groups of uneven size its share of rows can differ: when the test share of
    rows is far from `test_size` (below half of it or above one and a half times it, e.g. outside 10%-30% for
    0.2) the run warns, naming both shares."""

    method: Literal["random", "time", "group"] = Field(
        "random",
        description="`random`: seeded random rows (stratified by label for classifiers). `time`: rows ordered "
        "by `column`; the latest `test_size` fraction (or the rows at or after `cutoff`) is the test set, and "
        "rows with the same timestamp stay together, so no test timestamp is earlier than or equal to a "
        "training one (deepchecks' DateTrainTestLeakage checks pass). `group`: rows with the same value of "
        "`column` are never on both sides; `test_size` is the fraction of groups, drawn with `seed`.",
    )
    column: str | None = Field(
        None,
        pattern=COLUMN_PATTERN,
        description="Column the `time` or `group` split is made by; `time` defaults to `data.datetime`, `group` "
        "needs it. It is left out of the default features. Rows without a time fail the split; rows without "
        "a group are each a group of their own.",
    )
    cutoff: str | None = Field(
        None,
        max_length=64,
        description="`time` only: an ISO date or date-time (e.g. `2024-07-01` or `2024-07-01T12:00:00+00:00`); "
        "rows before it train, rows at or after it test (instead of `test_size`).",
    )
    test_size: float = Field(
        0.2, gt=0, lt=1, description="Fraction of rows (of groups, for `group`) held out as the test set."
    )
    seed: int = Field(42, description="Random seed of the split, so every run holds out the same rows.")
    stratify: bool = Field(
        True, description="Keep label proportions equal in train and test (`random` split of classifiers only)."
    )

    @field_validator("cutoff")
    @classmethod
    def _cutoff(cls, value: str | None) -> str | None:
        if value is not None:
            parse_cutoff(value)
        return value

    @model_validator(mode="after")
    def _method_fields(self) -> Split:
        if self.method == "random" and (self.column is not None or self.cutoff is not None):
            given = "`column`" if self.column is not None else "`cutoff`"
            raise ValueError(f"{given} needs `method: time` or `method: group`; a random split uses neither")
        if self.method == "group":
            if self.column is None:
                raise ValueError(
                    "a group split needs `column`: the column whose rows stay together, e.g. a customer id"
                )
            if self.cutoff is not None:
                raise ValueError(
                    "`cutoff` belongs to `method: time`; a group split holds out `test_size` of the groups"
                )
        return self


def parse_cutoff(value: str) -> Any:
    """The cut-off of a time split as a datetime; ValueError saying the accepted form otherwise."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"cutoff {shown(value)} is not an ISO date or date-time; write e.g. 2024-07-01 or 2024-07-01T12:00:00"
        ) from None


STORE_URL_PATTERN = r"^(?:(?:s3|gs|gcs|az|abfs|file)://[A-Za-z0-9_.\-/@+%=~:]+|[A-Za-z0-9_.\-/@+%=~]+)$"


class ModelStoreSpec(StrictModel):
    """A durable, content-addressed model store (mlspec/store): every stage's outputs under the digest of its
    inputs, every file under its own sha256. Without it, a promoted model lives in a GitHub Actions artifact,
    deleted after 30 days."""

    url: str = Field(
        pattern=STORE_URL_PATTERN,
        max_length=500,
        description="fsspec URL of the store: `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`, "
        "`file:///abs/folder`, or a folder relative to the spec's folder. `gs://` needs `gcsfs`, `az://` `adlfs` "
        "(`pip install 'mlspec-gitops[gcs]'` / `[azure]`).",
    )
    credentials: dict[str, str] = Field(
        default_factory=dict,
        description="Write credentials, `VARIABLE: SECRET_NAME`: set only in the default branch's CT job (the step "
        "that runs `mlspec push`). Pull-request jobs never get them.",
    )
    read_credentials: dict[str, str] = Field(
        default_factory=dict,
        description="Read-only credentials, `VARIABLE: SECRET_NAME`, set in the pull-request CI job so it can reuse "
        "stages (a fork's pull request gets no secrets and recomputes). Empty: CI reads anonymously.",
    )

    @model_validator(mode="before")
    @classmethod
    def _url_alone(cls, value: Any) -> Any:
        """`store: s3://bucket/prefix` is short for `store: {url: s3://bucket/prefix}`."""
        return {"url": value} if isinstance(value, str) else value

    @field_validator("credentials", "read_credentials")
    @classmethod
    def _credentials(cls, value: dict[str, str]) -> dict[str, str]:
        return check_credentials(value)

    @field_validator("url")
    @classmethod
    def _no_dots(cls, value: str) -> str:
        if ".." in value.split("/"):
            raise ValueError(
                f"{shown(value)} must not contain `..` segments: for a folder outside the project, write its "
                "absolute path (`/srv/models` or `file:///srv/models`)"
            )
        return value


class Dvc(StrictModel):
    """Data tracked by DVC: how CI gets it."""

    remote: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$",
        description="DVC remote to pull from; default: DVC's default remote.",
    )
    package: str = Field(
        DVC_PACKAGE,
        max_length=200,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(?:\[[A-Za-z0-9_,\-]+\])?(?:[<>=!~]=?[A-Za-z0-9_.*+\-]+,?)*$",
        description="What CI installs to run `dvc pull`, with the plugin of your remote, e.g. `dvc[s3]==3.67.1`, `dvc[gs]`.",
    )


class Data(StrictModel):
    """Where the data is and what its columns mean."""

    train: str | None = Field(
        None,
        pattern=DATA_LOCATION_PATTERN,
        description="Training table (CSV or Parquet): a path relative to the spec's folder (in git or tracked by "
        "DVC), or an fsspec URL (`s3://`, `gs://`, `https://`) fingerprinted by its object version or ETag.",
    )
    test: str | None = Field(
        None,
        pattern=DATA_LOCATION_PATTERN,
        description="Test table (path or URL, like `train`); when absent, `split` holds out rows of `train`/`source`.",
    )
    source: str | None = Field(
        None,
        pattern=DATA_LOCATION_PATTERN,
        description="One table (path or URL) split into train and test by `split` (instead of `train`).",
    )
    split: Split = Field(
        default_factory=Split,
        description="Train/test split (random, by time or by group) used when there is no `test`.",
    )
    label: str = Field(pattern=COLUMN_PATTERN, description="Name of the label (target) column.")
    features: list[str] | None = Field(
        None, description="Feature columns; default: every column except the label, index and datetime."
    )
    categorical: list[str] = Field(default_factory=list, description="Columns to treat as categorical.")
    datetime: str | None = Field(None, pattern=COLUMN_PATTERN, description="Column holding the row timestamp.")
    index: str | None = Field(None, pattern=COLUMN_PATTERN, description="Column holding a row identifier.")
    format: Literal["auto", "csv", "parquet"] = Field(
        "auto", description="File format; `auto` decides by the file extension."
    )
    dvc: Dvc | None = Field(
        None,
        description="The data files are tracked by DVC (`<file>.dvc`, a tracked folder's `.dvc` file or `dvc.lock`): "
        "the rendered workflows install DVC and run `mlspec pull` (`dvc pull` of exactly those files) first, and a "
        "change of the DVC file starts CT. Locally mlspec reads the files in the workspace.",
    )
    credentials: dict[str, str] = Field(
        default_factory=dict,
        description="Environment variables the CI jobs set from repository secrets to reach the data (the DVC remote "
        "or object storage), `VARIABLE: SECRET_NAME`, e.g. `{AWS_ACCESS_KEY_ID: AWS_ACCESS_KEY_ID}`.",
    )

    @field_validator("train", "test", "source")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        if value is not None and re.match(URL_PATTERN, value):
            return value
        return None if value is None else _check_relative_path(value)

    @field_validator("credentials")
    @classmethod
    def _credentials(cls, value: dict[str, str]) -> dict[str, str]:
        return check_credentials(value)

    @field_validator("features", "categorical")
    @classmethod
    def _columns(cls, value: list[str] | None) -> list[str] | None:
        for column in value or []:
            if not re.match(COLUMN_PATTERN, column):
                raise ValueError(f"column name {shown(column)} contains quotes, $, a backslash or control characters")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Data:
        if self.train and self.source:
            raise ValueError("give either `train` (with optional `test`) or `source`, not both")
        if not self.train and not self.source:
            raise ValueError("give `train` (and optionally `test`) or `source`: the spec names no data")
        if self.test and not self.train:
            raise ValueError("`test` needs `train`; with one table use `source` and `split`")
        return self


RAY_PACKAGE = "ray[default]>=2.40,<3"
RAY_OWN_RUNTIME_ENV = ("working_dir",)


class RayEngine(StrictModel):
    """Train as a Ray Job on a Ray cluster. Only training runs there: the project's code and the stage's data are
    uploaded as the job's `working_dir`, the job's log streams into the stage's output and the model comes back
    through it; loading the data, data tests, evaluate, model tests, gate and report stay on the runner. See
    docs/ray.md (KubeRay, an existing cluster, versions)."""

    address: str = Field(
        pattern=ENV_VAR_PATTERN,
        description="Name of the secret (in the rendered workflows) and environment variable (locally) holding the "
        "Ray Jobs address, e.g. `RAY_ADDRESS` holding `http://ray-head.example:8265`; only the train step gets it.",
    )
    runtime_env: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="Ray runtime environment of the job (`pip`, `uv`, `env_vars`, `image_uri`, ...). mlspec sets "
        "`working_dir` (the project's code and the stage's data) and adds itself to `py_modules`.",
    )
    entrypoint_resources: dict[str, float] = Field(
        default_factory=dict,
        description="Resources reserved for the training process on the cluster: `CPU`, `GPU`, `memory` (bytes) "
        "and custom resources, e.g. `{CPU: 8, GPU: 1}`.",
    )
    timeout_minutes: int | None = Field(
        None,
        ge=1,
        le=10080,
        description="The Ray job is stopped after this many minutes; default: train.timeout_minutes.",
    )
    max_retries: int = Field(
        0, ge=0, le=10, description="Submit the job again this many times when a node running it is lost."
    )
    package: str = Field(
        RAY_PACKAGE,
        pattern=r"^ray\[default\](?:[<>=!~]=?[0-9][0-9A-Za-z.*]*(?:,[<>=!~]=?[0-9][0-9A-Za-z.*]*)*)?$",
        description="The pip requirement the rendered workflows install before the train step.",
    )

    @field_validator("address")
    @classmethod
    def _secret_name(cls, value: str) -> str:
        return check_secret_name(value)

    @field_validator("runtime_env")
    @classmethod
    def _runtime_env(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        for key in RAY_OWN_RUNTIME_ENV:
            if key in value:
                raise ValueError(f"`{key}` is set by mlspec (the project's code and the stage's data); remove it")
        return value

    @field_validator("entrypoint_resources")
    @classmethod
    def _resources(cls, value: dict[str, float]) -> dict[str, float]:
        for name, amount in value.items():
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_.\-/]{0,63}$", name):
                raise ValueError(f"{shown(name)} is not a resource name (e.g. CPU, GPU, memory)")
            if amount < 0:
                raise ValueError(f"resource {name} must be 0 or more, got {amount}")
        return value


class Engine(StrictModel):
    """Where training runs; without `train.engine` it runs in the mlspec process's machine (local)."""

    ray: RayEngine = Field(description="Submit training as a Ray Job to a Ray cluster.")


class Train(StrictModel):
    """How the model is trained."""

    entrypoint: str | None = Field(
        None,
        pattern=ENTRYPOINT_PATTERN,
        description="Python callable `path/to/file.py:function` or `package.module:function` that returns a "
        "fitted model. Called as function(X, y, params) (features, label, params) when it has three required "
        "positional parameters, else as function(train_df, params) (train_df: the features and the label only, "
        "in that order; the index, time, group and other undeclared columns are left out, as at serving). "
        "Import path: the file's folder, then the spec's folder (`from features import X` for src/features.py "
        "beside src/train.py, `from mypkg.features import X` for a package under src/); the project modules the "
        "model names are stored inside it by value, so serving and the container need no copy of src/.",
    )
    command: str | None = Field(
        None,
        min_length=1,
        max_length=2000,
        description="Shell command that trains instead of `entrypoint`. It gets MLSPEC_TRAIN, MLSPEC_TEST, "
        "MLSPEC_PARAMS (a JSON file), MLSPEC_SEED and MLSPEC_MODEL_OUT (where to write the pickled model). `python` "
        "and `python3` in it, and MLSPEC_PYTHON, are the interpreter mlspec runs with (no virtualenv to activate). "
        "Classes of the model belong in a module under src/, not in the script (`__main__`). Import path when "
        "mlspec loads the model: the folder of each script the command runs, then the spec's folder; the project "
        "modules the model names are stored inside it by value.",
    )
    params: dict[str, JsonValue] = Field(default_factory=dict, description="Hyper-parameters passed to training.")
    seed: int = Field(42, description="Random seed passed to training (params['seed'] unless params set it).")
    timeout_minutes: int = Field(60, ge=1, le=1440, description="Training is stopped after this many minutes.")
    engine: Engine | None = Field(None, description="Where training runs; default: locally (the runner).")
    reproducible: bool = Field(
        True,
        description="Whether training gives the same model for the same inputs (commit, data, params, seed). true: "
        "after a merge, CT's test-set predictions must equal those of the pull request's CI run whose report was "
        "reviewed, or the promotion is refused. false, for models that cannot be made deterministic: the "
        "differences are listed in the promotion pull request and do not block it (docs/store.md).",
    )

    @model_validator(mode="after")
    def _one_way(self) -> Train:
        if bool(self.entrypoint) == bool(self.command):
            raise ValueError("give exactly one of `entrypoint` (a Python callable) or `command` (a shell command)")
        return self


class Evaluate(StrictModel):
    """What the model is and how it is scored on the test set."""

    task: Literal["binary", "multiclass", "regression"] = Field(description="Kind of prediction the model makes.")
    metrics: list[str] | None = Field(
        None, description="Metrics computed on the test set; default depends on the task."
    )
    positive_class: str | int | bool | None = Field(
        None,
        description="Binary tasks: the label value that is the positive class, used by precision, recall, f1, "
        "roc_auc, average_precision and deepchecks' scorers, and named by the report, the model card and the gate "
        "table. Default: `1` when the labels are 0 and 1, `true` when they are booleans; any other pair of labels "
        "(e.g. `yes`/`no`, `churned`/`stayed`) must name it, and the run's data stage stops with the labels it "
        'found when it is missing or not one of them. Quote words YAML reads as booleans: `positive_class: "yes"` '
        "(an unquoted `yes` still matches a label spelled `yes`).",
    )

    def metric_names(self) -> list[str]:
        return list(self.metrics) if self.metrics else list(DEFAULT_METRICS[self.task])


class Condition(StrictModel):
    """A deepchecks condition added to a check: `add_condition_<name>(**params)`."""

    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,99}$",
        description="Condition name without the `add_condition_` prefix, e.g. `greater_than`.",
    )
    params: dict[str, JsonValue] = Field(default_factory=dict, description="Keyword arguments of the condition.")


class Check(StrictModel):
    """One deepchecks check, configured individually."""

    name: str = Field(pattern=IDENTIFIER_PATTERN, description="deepchecks tabular check class, e.g. `FeatureDrift`.")
    params: dict[str, JsonValue] = Field(default_factory=dict, description="Keyword arguments of the check.")
    conditions: list[Condition] = Field(
        default_factory=list, description="Conditions to add; without any, the check's defaults apply."
    )


class _Tests(StrictModel):
    enabled: bool = Field(True, description="Run these tests at all.")
    checks: list[Check] = Field(
        default_factory=list,
        description="Individual checks with their conditions; one named like a check of the suites replaces it. "
        "Check, parameter and condition names are checked by `mlspec validate` against deepchecks 0.19.1.",
    )
    skip: list[str] = Field(
        default_factory=list,
        description="Checks of the suites not to run, by class name, e.g. `[OutlierSampleDetection]`; each must "
        "belong to one of the `suites`.",
    )
    fail_on: Literal["fail", "warn"] = Field(
        "fail", description="`fail`: only failed conditions fail the tests; `warn`: warnings fail them too."
    )
    n_samples: int = Field(
        10_000, ge=100, description="Rows sampled (seeded) from each table so large tables stay fast."
    )
    check_timeout_seconds: int = Field(
        300,
        ge=1,
        le=86_400,
        description="Deadline of each check on each dataset, in seconds: a check still running then is stopped "
        "and reported as errored (with this reason, never as passed), and the other checks still run. A check "
        "the spec configures under `checks` that does not finish fails the tests.",
    )
    errored: Literal["warn", "fail"] = Field(
        "warn",
        description="What a check that errored (raised an exception inside deepchecks, or ran past "
        "`check_timeout_seconds`) does to the tests: `warn` (default) counts and lists it first in the report "
        "without failing the tests; `fail` fails them (and so the gate). A check deepchecks reports as not "
        "applicable to the task, model or data (e.g. RocReport on a regressor, date-leakage checks without a "
        "datetime column) is neither: it is counted and listed as not applicable. A check configured by name "
        "under `checks` that does not run fails the tests either way.",
    )


class DataTests(_Tests):
    """deepchecks tests of the data, before training. mlspec replaces deepchecks' fixed limits where a random split
    of healthy data fails them by sampling noise alone (they failed the first run of 3 of 3 scikit-learn datasets
    besides the example): each drift-type limit is a high quantile of its statistic under a random split of the
    same data, so it shrinks with the rows and never goes below deepchecks' own. With n_eff = n_train * n_test /
    (n_train + n_test) and k the columns tested (ALPHA = 1% for all of them together):
    FeatureDrift numeric (Kolmogorov-Smirnov) sqrt(ln(2k / ALPHA) / 2) / sqrt(n_eff), at least 0.2 (load_wine,
    45 test rows: 0.35; measured worst of 60 random splits: 1.60 / sqrt(n_eff)); FeatureDrift categorical and
    LabelDrift (Cramer's V) sqrt(chi2 quantile(1 - ALPHA / k, categories - 1) / n), at least 0.2 and 0.15;
    MultivariateDrift 4 / sqrt(n_eff), at least 0.25 (measured worst of 60 random splits of iris, wine, breast
    cancer, diabetes and a synthetic set: 3.13 / sqrt(n_eff)); FeatureLabelCorrelationChange's PPS difference
    5.5 / sqrt(n_test), at least 0.2 (measured worst: 4.45 / sqrt(n_test)); IdentifierLabelCorrelation
    3 / sqrt(n) (a random row id reached 2.19 / sqrt(n) on iris). Leakage is a feature whose predictive power
    score is 0.99 or more (healthy features reach 0.976: iris' petal width), checked on the training rows
    (FeatureLabelCorrelation) and in FeatureLabelCorrelationChange; FeatureFeatureCorrelation fails on pairs
    correlated above 0.99 (near-copies), one tolerated per 20 features; DataDuplicates fails (deepchecks only
    warns) above 5% duplicated rows. NewCategoryTrainTest lets each categorical feature have as many test rows with a
    value training never saw as sampling explains: Good-Turing's share of training rows whose value occurs once,
    plus 3 standard errors (of the test share, and Esty's variance of the estimate); 0 when every value recurs
    (merchant-risk, 700 merchants on 4,500 rows: 0.40% of the test rows had a new merchant, limit 0.66%; of 200
    random draws of that shape at most 3% exceed it, and 3% of test rows from new merchants always fails it).
    IsSingleValue and FeatureLabelCorrelation run on the training rows only: a
    small test set misses rare values and separates classes by chance. How each limit is derived:
    mlspec/pipeline/noise.py. A check configured under `checks` keeps exactly the conditions it is given.
    """

    suites: list[Literal["data_integrity", "train_test_validation"]] = Field(
        default_factory=lambda: list(DATA_SUITES), description="deepchecks suites to run on the data."
    )
    max_columns: int = Field(
        100,
        ge=1,
        le=100_000,
        description="Most features the checks whose time grows with the number of columns (FeatureLabelCorrelation, "
        "FeatureLabelCorrelationChange, FeatureFeatureCorrelation, FeatureDrift, MultivariateDrift) see: on a wider "
        "table they get the label, index and datetime columns and the first `max_columns` features in table "
        "order; every other check sees all columns. The record and the report say how many columns were left out "
        "and for which checks.",
    )


# mlspec's limit for the train->test relative degradation condition of the model_evaluation suite's
# TrainTestPerformance (deepchecks' own default, 0.1, fails healthy models). Chosen from the worst gap of
# healthy models (HistGradientBoosting, random forest, linear) on sklearn datasets, see ModelTests.
DEGRADATION_LIMITS = {"binary": 0.2, "multiclass": 0.3, "regression": 2.5}


class ModelTests(_Tests):
    """deepchecks tests of the trained model. The suite's TrainTestPerformance condition "train-test
    relative degradation less than" uses mlspec's limit per task instead of deepchecks' 0.1, which
    failed healthy models: binary 0.2, multiclass 0.3, regression 2.5. Evidence (worst degradation of
    any metric and class, 80/20 split): binary up to 0.107 (random forest on make_classification) and
    0.09 (HistGradientBoosting); multiclass up to 0.21 (random forest, 3 classes) and 0.14 (digits);
    regression 1.1-1.84 for tree ensembles on friedman1, diabetes and a house-price set, because their
    training RMSE/MAE is close to zero (R2 itself degraded 0.04-0.6). The report shows each condition
    with its threshold; configure `TrainTestPerformance` under `checks` for a tighter limit. For a
    classifier each class's limit adds 3 standard errors of the score measured on that class's n test rows,
    relative to its training score s: 1.5/(sqrt(n) * s) (a proportion's standard error is at most
    0.5/sqrt(n)): a 1:50 label's 30 test positives with a training recall of 1 get 0.2 + 0.27
    (fraud-imbalanced: recall of the positives degraded 33%, a HistGradientBoosting), about 135 rows 0.2 + 0.13
    (churn-stayed: precision of `stayed` 22.9%).
    Likewise RegressionErrorDistribution's "systematic error ratio to RMSE less than" is 3/sqrt(n) on the n
    rows it sees (never below deepchecks' 0.01, which only an unbiased model tested on 90,000+ rows meets
    by chance: |mean error| / RMSE of an unbiased model is about |Z|/sqrt(n)). PredictionDrift's limit scales
    like LabelDrift's (see DataTests). ModelInferenceTime is measured and shown but has no condition: its
    "< 1 ms per row" failed on a loaded 2-core runner, a property of the machine, not of the model; configure it
    under `checks` with a condition to enforce a limit. A classifier's SimpleModelComparison asks a 10% gain
    over the constant model (always the most frequent class) of each class the constant never predicts and of
    the average over all classes, not of the class the constant predicts: its F1 there is already 2p/(1+p) for a
    share p (0.86 at 76%), leaving little room and much noise. On merchant-risk (tests/acceptance/corpus, 24% positives,
    1,500 test rows) a model knowing the true probabilities gains 18.5% on the majority class (it fails 10% on
    4% of 200 redraws of the labels), and well-built logistic regressions (test ROC AUC 0.77-0.78) 3.6-8.8%:
    deepchecks' per-class condition failed them all; their average gain is about 30%. A model no better than
    the constant still fails (gain 0), and so does one that ignores a minority class.
    """

    suites: list[Literal["model_evaluation"]] = Field(
        default_factory=lambda: list(MODEL_SUITES), description="deepchecks suites to run on the model."
    )


class TestsSpec(StrictModel):
    """Data and model tests."""

    data: DataTests = Field(default_factory=DataTests, description="Tests of the data.")
    model: ModelTests = Field(default_factory=ModelTests, description="Tests of the trained model.")


class Bootstrap(StrictModel):
    """Paired bootstrap of the challenger-minus-champion difference on the test set."""

    resamples: int = Field(1000, ge=100, le=100_000, description="Number of bootstrap resamples.")
    confidence: float = Field(0.95, gt=0.5, lt=1, description="Confidence level of the interval.")
    seed: int = Field(0, description="Seed of the resampling.")


class Gate(StrictModel):
    """A condition a model must meet to be promoted. Deltas are improvements in the metric's good
    direction (for lower-is-better metrics such as rmse, a drop counts as positive)."""

    metric: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="Metric the gate looks at.")
    min: float | None = Field(None, description="Absolute floor: the metric must be at least this.")
    max: float | None = Field(None, description="Absolute ceiling: the metric must be at most this.")
    min_delta: float | None = Field(
        None, description="Improvement over the champion must be at least this (0 = not worse)."
    )
    max_delta: float | None = Field(
        None, description="Improvement over the champion must be at most this (catches suspicious jumps)."
    )
    relative: bool = Field(False, description="Deltas are fractions of the champion's value instead of absolute.")
    vs: Literal["champion"] = Field("champion", description="Baseline of delta gates.")
    environment: str | None = Field(
        None, pattern=ENV_NAME_PATTERN, description="Whose champion; default: the environment being gated."
    )
    bootstrap: Bootstrap | None = Field(
        None, description="Pass only when the bootstrap confidence interval of the delta clears the threshold."
    )
    allow_missing_champion: bool = Field(
        False, description="Let a delta gate pass when no champion exists yet (the first model)."
    )

    @field_validator("min", "max", "min_delta", "max_delta")
    @classmethod
    def _finite(cls, value: float | None, info: Any) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError(
                f"`{info.field_name}` is {value}, which is not a finite number: NaN never compares "
                "and an infinite bound checks nothing; give a number (or leave the bound out)"
            )
        return value

    @model_validator(mode="after")
    def _has_bound(self) -> Gate:
        if all(v is None for v in (self.min, self.max, self.min_delta, self.max_delta)):
            raise ValueError("a gate needs at least one of `min`, `max`, `min_delta`, `max_delta`")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min` ({self.min}) is greater than `max` ({self.max}): no value can pass")
        if self.min_delta is not None and self.max_delta is not None and self.min_delta > self.max_delta:
            raise ValueError(
                f"`min_delta` ({self.min_delta}) is greater than `max_delta` ({self.max_delta}): no model can pass"
            )
        if self.bootstrap is not None and self.min_delta is None and self.max_delta is None:
            raise ValueError("`bootstrap` needs a delta bound (`min_delta` or `max_delta`) to test")
        return self

    @property
    def needs_champion(self) -> bool:
        return self.min_delta is not None or self.max_delta is not None


class Resources(StrictModel):
    """Resources requested by the BentoML service."""

    cpu: str = Field("1", pattern=r"^[0-9]+(?:\.[0-9]+)?m?$", description="CPU count, e.g. `1`, `500m`.")
    memory: str = Field("1Gi", pattern=r"^[0-9]+(?:Ki|Mi|Gi|Ti|K|M|G|T)?$", description="Memory, e.g. `1Gi`.")
    gpu: int = Field(0, ge=0, le=16, description="Number of GPUs.")


class RegistryCredentials(StrictModel):
    """Names of the repository secrets with the image registry's login (never the values)."""

    username: str = Field(pattern=ENV_VAR_PATTERN, description="Secret holding the registry user name.")
    password: str = Field(pattern=ENV_VAR_PATTERN, description="Secret holding the registry password or token.")

    @field_validator("username", "password")
    @classmethod
    def _secret_name(cls, value: str) -> str:
        return check_secret_name(value)


class Container(StrictModel):
    """OCI image built from the Bento."""

    enabled: bool = Field(False, description="Build a container image in CD.")
    base_image: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9._\-/:@]{0,199}$", description="Base image; default: BentoML's."
    )
    registry: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9._\-:]{0,99}$", description="Registry host, e.g. `ghcr.io`."
    )
    repository: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9._\-/]{0,99}$", description="Image repository; default: the project name."
    )
    push: bool = Field(
        False,
        description="Push the image after building it. With `registry`, the default branch's CT builds and pushes "
        "the image by digest before it opens the promotion pull request, which names that digest (docs/deploy.md).",
    )
    credentials: RegistryCredentials | None = Field(
        None,
        description="Repository secrets holding the registry login, `{username: SECRET_NAME, password: SECRET_NAME}`: "
        "given only to the step of the default branch's CT that pushes the image. Without it, a `ghcr.io` push uses "
        "the job's GITHUB_TOKEN (`packages: write` on that job alone); another registry is pushed to as the "
        "runner's Docker engine is logged in.",
    )


class Slo(StrictModel):
    """Service level objective of the servability check."""

    p95_ms: float = Field(
        gt=0,
        le=600000,
        description="Largest allowed 95th percentile latency of a one-row "
        "`/predict` request, in milliseconds, measured on the CT runner.",
    )


class Serve(StrictModel):
    """The BentoML service built from the model."""

    target: str | None = Field(
        None,
        description="The deploy target that builds and serves the model (`mlspec build`, `mlspec serve`): a name "
        "registered in mlspec/targets/all_targets.py; default: bentoml (a BentoML service and its image).",
    )
    service: str | None = Field(
        None, pattern=IDENTIFIER_PATTERN, description="Service (and Bento) name; default: the project name."
    )
    apis: list[Literal["predict", "predict_proba"]] | None = Field(
        None, description="Endpoints; default: predict, plus predict_proba for classifiers."
    )
    resources: Resources = Field(default_factory=Resources, description="Requested resources.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes.")
    timeout: int = Field(60, ge=1, le=3600, description="Request timeout in seconds.")
    port: int = Field(3000, ge=1024, le=65535, description="Port of `mlspec serve`.")
    lock_packages: bool = Field(
        False, description="Lock package versions against an index at build time (needs network)."
    )
    container: Container = Field(default_factory=Container, description="Container image settings.")
    monitoring: ServingLog | None = Field(
        None,
        description="Log a sample of the requests (features and prediction) for drift monitoring; off by default.",
    )
    slo: Slo | None = Field(
        None,
        description="Latency objective of the servability check (`mlspec test serving`, run by CT before a "
        "promotion pull request is opened): the gate fails when the p95 latency of one-row requests to the "
        "built service on 127.0.0.1 exceeds it. Without it the check still compares the served answers with "
        "the in-process predictions and records the latency.",
    )

    @field_validator("target")
    @classmethod
    def _known_target(cls, value: str | None) -> str | None:
        if value is not None and value not in all_targets.TARGETS:
            raise ValueError(
                f"no deploy target named {shown(value)}{all_targets.did_you_mean(value)}; "
                f"known: {', '.join(all_targets.names())}"
            )
        return value


class Environment(StrictModel):
    """A place a model is promoted to, recorded in `deploy/<name>.yaml`."""

    name: str = Field(pattern=ENV_NAME_PATTERN, description="Environment name, e.g. `staging`.")
    requires: str | None = Field(
        None, pattern=ENV_NAME_PATTERN, description="Environment the model must be in before this one."
    )
    soak_hours: float | None = Field(
        None,
        ge=0,
        le=8760,
        description="With `requires`: hours the model must have served in the required environment (since the "
        "merge that put it in that environment's deploy file) before CD opens this environment's promotion pull "
        "request. Set, the CD workflow also runs hourly to check; unset (or 0), CD opens the pull request as soon "
        "as the required environment's build succeeds. A promotion started by hand (workflow_dispatch) does not wait.",
    )
    store: ModelStoreSpec | None = Field(
        None, description="This environment's model store, when it differs from the project's `store`."
    )
    reviewers: list[str] = Field(default_factory=list, description="GitHub users asked to review promotion PRs.")
    labels: list[str] = Field(default_factory=list, description="Labels put on promotion PRs.")
    kubernetes: Kubernetes | None = Field(
        None,
        description="Run this environment on Kubernetes: `mlspec render` writes its manifests to "
        "`deploy/k8s/` and a GitOps controller (Argo CD or Flux) applies them. See docs/deploy.md.",
    )

    @field_validator("reviewers")
    @classmethod
    def _logins(cls, value: list[str]) -> list[str]:
        for login in value:
            if not re.match(GITHUB_LOGIN_PATTERN, login):
                raise ValueError(f"{shown(login)} is not a GitHub user name")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        for label in value:
            if not re.match(LABEL_PATTERN, label):
                raise ValueError(f"label {shown(label)} may use letters, digits, spaces and _ . : - / (50 at most)")
        return value

    @model_validator(mode="after")
    def _soak_needs_requires(self) -> Environment:
        if self.soak_hours is not None and self.requires is None:
            raise ValueError(
                f"soak_hours: environment {self.name!r} has no `requires`, so there is no environment "
                "for its model to soak in first; add `requires: <environment>` or remove soak_hours"
            )
        return self


class Paths(StrictModel):
    """Path globs (relative to the spec's folder) whose changes start continuous training."""

    data: list[str] | None = Field(None, description="Data paths; default: the folders of the data files.")
    config: list[str] | None = Field(None, description="Config paths; default: the spec file itself.")
    code: list[str] | None = Field(
        None,
        description="Code paths; default: the folder of the entrypoint's file, or of the scripts `train.command` "
        "runs (`python src/train.py` -> src/**). Required when the command names no script.",
    )

    @field_validator("data", "config", "code")
    @classmethod
    def _globs(cls, value: list[str] | None) -> list[str] | None:
        for pattern in value or []:
            _check_glob(pattern)
        return value


class DriftThresholds(StrictModel):
    """Drift scores above which drift is reported."""

    feature: float = Field(0.2, gt=0, le=1, description="Per-feature drift score (deepchecks FeatureDrift).")
    label: float = Field(0.2, gt=0, le=1, description="Label drift score.")
    multivariate: float = Field(0.25, gt=0, le=1, description="Domain classifier drift score.")
    prediction: float = Field(0.2, gt=0, le=1, description="Prediction drift score.")
    max_drifted_features: int = Field(0, ge=0, description="Drift is reported when more features than this drift.")


class Drift(StrictModel):
    """Scheduled monitoring of new data against the training reference."""

    enabled: bool = Field(True, description="Render the monitor workflow.")
    schedule: str = Field(
        "0 6 * * *",
        description="When the monitor runs (cron, UTC; refused when it names a day that never occurs, such as February 30th).",
    )
    current: str | None = Field(
        None,
        pattern=PATH_PATTERN,
        description="Path of the current data (file or folder) in the repository; not with `serve.monitoring`, "
        "whose serving log is then the current data.",
    )
    command: str | None = Field(
        None, max_length=2000, description="Shell command that writes the current data to $MLSPEC_CURRENT."
    )
    environment: str | None = Field(
        None, pattern=ENV_NAME_PATTERN, description="Whose serving model is the reference; default: the last."
    )
    thresholds: DriftThresholds = Field(default_factory=DriftThresholds, description="Drift thresholds.")
    retrain: bool = Field(True, description="Dispatch continuous training when drift is found.")
    n_samples: int = Field(100_000, ge=100, description="Rows sampled from each table for the drift checks.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        parse_cron(value)
        return value


class Triggers(StrictModel):
    """What starts continuous training."""

    paths: Paths = Field(default_factory=Paths, description="Changes to these paths start CT.")
    branches: list[str] = Field(
        default_factory=lambda: ["main"], description="Default branch(es): pushes here run CT and CD."
    )
    schedule: str | None = Field(
        None,
        description="Also retrain on this schedule (cron, UTC; refused when its day never occurs, such as February 30th).",
    )
    drift: Drift | None = Field(None, description="Retrain when monitored data drifts.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            parse_cron(value)
        return value

    @field_validator("branches")
    @classmethod
    def _branches(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one branch")
        for branch in value:
            if not re.match(GIT_REF_PATTERN, branch) or ".." in branch:
                raise ValueError(f"{shown(branch)} is not a safe branch name")
        return value


class CI(StrictModel):
    """How the generated workflows run."""

    python: str = Field("3.11", pattern=PYTHON_VERSION_PATTERN, description="Python version of the jobs.")
    runs_on: str | list[str] = Field(
        "ubuntu-latest", description="Runner label or labels, e.g. `[self-hosted, linux, gpu]`."
    )
    install: str | None = Field(
        None,
        max_length=2000,
        description="Extra install command, run after mlspec is installed and inside its virtual environment, "
        "e.g. `pip install -r requirements.txt`.",
    )
    timeout_minutes: int = Field(60, ge=5, le=360, description="Timeout of each job.")
    actions: Literal["remote", "local"] = Field(
        "remote",
        description="`remote`: use mlspec's published actions at `actions_ref`; `local`: this repository's "
        "own `actions/` folder, referenced as `$/actions/<step>` (for developing mlspec itself).",
    )
    actions_repository: str = Field(
        "mlspec/mlspec", pattern=REPOSITORY_PATTERN, description="Repository that hosts the mlspec actions."
    )
    actions_ref: str | None = Field(
        None,
        pattern=GIT_REF_PATTERN,
        description="Ref of mlspec's actions (a 40-hex commit keeps zizmor's default policy clean); default: the "
        "commit the installed mlspec was built from, else its release tag.",
    )
    mlspec_package: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.\-\[\],=<>~!@+/:]{1,200}$",
        description="A requirement the setup action installs instead of its own checkout (for package mirrors), e.g. "
        "`mlspec-gitops==0.1.0`; default: the commit of the action itself, with its locked dependencies.",
    )
    code_scanning: bool = Field(
        False,
        description="Add a `code-scanning` job to CI that uploads `mlspec validate --format sarif` with "
        "github/codeql-action/upload-sarif, so spec errors show as code scanning alerts on their line (that job "
        "alone gets `security-events: write`; code scanning must be available for the repository: public, or "
        "GitHub Advanced Security).",
    )

    @field_validator("runs_on")
    @classmethod
    def _labels(cls, value: str | list[str]) -> str | list[str]:
        labels = [value] if isinstance(value, str) else value
        if not labels:
            raise ValueError("name at least one runner label")
        for label in labels:
            if not re.match(RUNNER_LABEL_PATTERN, label):
                raise ValueError(f"runner label {shown(label)} may only use letters, digits and _ . -")
        return value


class State(StrictModel):
    """mlspec's local state in `.mlspec/`: how many runs it keeps."""

    keep_runs: int = Field(
        20,
        ge=1,
        le=10000,
        description="Runs `mlspec gc` keeps (the newest; the run `runs/latest` names and runs a deploy file "
        "references are never deleted). Each run keeps its deepchecks results as JSON and at most 5 MB of HTML.",
    )


class Card(StrictModel):
    """The model card's own words: what the model is for, where it fails and who answers for it. `mlspec promote`
    puts them, with what it knows itself (task, features, data fingerprints, metrics vs the champion, failed and
    skipped checks, lineage), into every promotion pull request and into `deploy/<env>.card.md`."""

    intended_use: str = Field(
        "",
        max_length=2000,
        description="What the model is for and who uses its predictions, e.g. `Rank accounts "
        "by churn risk for the retention team's weekly call list; not for pricing decisions.`",
    )
    limitations: str = Field(
        "",
        max_length=2000,
        description="Known limits: populations, time ranges or inputs it was not trained or "
        "tested on, and what goes wrong there.",
    )
    owners: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Who owns the model: GitHub users or teams "
        "(`@acme/ml-team`) or names with a contact, e.g. `Jane Doe <jane@example.com>`.",
    )


class Spec(StrictModel):
    """An ML project: its data, training, tests, gates, serving and the environments it moves through."""

    api_version: Literal["mlspec/v1"] = Field(alias="apiVersion", description="Spec format version: `mlspec/v1`.")
    name: str = Field(
        pattern=NAME_PATTERN,
        description="Project name: lowercase letters, digits and '-', 2-40 characters. Used in workflow, "
        "branch and model names.",
    )
    description: str = Field("", max_length=500, description="One line about the project.")
    data: Data = Field(description="Data files and their columns.")
    train: Train = Field(description="Training: the entrypoint or command, its params and seed.")
    evaluate: Evaluate = Field(description="Task and metrics.")
    tests: TestsSpec = Field(default_factory=TestsSpec, description="Data and model tests (deepchecks).")
    gates: list[Gate] = Field(default_factory=list, description="Conditions for promotion; all must pass.")
    serve: Serve = Field(default_factory=Serve, description="The BentoML service.")
    environments: list[Environment] = Field(
        default_factory=lambda: [Environment(name="production")],
        min_length=1,
        description="Environments in promotion order.",
    )
    store: ModelStoreSpec | None = Field(
        None,
        description="The model store (recommended): an fsspec URL (`s3://bucket/prefix`, `gs://`, `az://`, a folder) "
        "or `{url, credentials, read_credentials}`. Every model ever promoted is kept there by digest, and runs reuse "
        "stages whose inputs match. Unset: the model lives in a GitHub Actions artifact, deleted after 30 days.",
    )
    triggers: Triggers = Field(
        default_factory=Triggers,
        description="Path filters, schedule and drift monitoring that start continuous training.",
    )
    ci: CI = Field(default_factory=CI, description="Settings of the generated GitHub Actions workflows.")
    state: State = Field(
        default_factory=lambda: State(), description="mlspec's local state in `.mlspec/` (git-ignored)."
    )
    card: Card = Field(
        default_factory=Card,
        description="The model card's own fields (intended use, limitations, owners); the "
        "rest of the card comes from the run. Optional.",
    )

    @property
    def service_name(self) -> str:
        return self.serve.service or self.name.replace("-", "_")

    def environment(self, name: str) -> Environment:
        for env in self.environments:
            if env.name == name:
                return env
        raise KeyError(name)


@contextmanager
def _without_pydantic_plugins() -> Iterator[None]:
    """Building a model asks pydantic for its plugins, which reads the entry points of every installed
    package (5% of a cold `mlspec validate`); the spec's own models need none. pydantic reads the
    variable at each build and caches nothing while it is set, so models built later see the plugins."""
    before = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = before


def _build_models() -> None:
    """Build every spec model now, in definition order (nested models first, so their schemas are reused)."""
    models = [
        value
        for value in globals().values()
        if isinstance(value, type) and issubclass(value, StrictModel) and value is not StrictModel
    ]
    with _without_pydantic_plugins():
        for model in models:
            model.model_rebuild()


_build_models()
