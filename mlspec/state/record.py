"""The run record (`.mlspec/runs/<run-id>/record.json`) and the local state layout.

This is the contract between stages: the pipeline writes records, gates, reports,
promotion, serving and drift read them. Keep it backwards compatible (add optional fields).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_text, display_path
from mlspec.safepath import safe_name
from mlspec.stages import STAGE_NAMES
from mlspec.state.layout import RECORD_FILE, StateLayout
from mlspec.state.model_store import valid_tag

RECORD_VERSION = 1
if TYPE_CHECKING:
    StageName = str  # for the type checker; the record validates the names below
else:
    StageName = Literal[STAGE_NAMES]  # derived from the stage descriptions (mlspec/stages.py), in pipeline order
# stale: a result an upstream rerun made meaningless, kept to say so (an on-demand stage's: mlspec/stages.py)
StageStatus = Literal["passed", "failed", "skipped", "cached", "stale"]
Category = Literal["PASS", "WARN", "FAIL", "ERROR"]
CheckStatus = Literal["passed", "warning", "failed", "errored", "not_applicable"]
TestKind = Literal["data", "model"]
DataRole = Literal["train", "test", "source"]
FailOn = Literal["fail", "warn"]  # tests.<kind>.fail_on
OnErrored = Literal["warn", "fail"]  # tests.<kind>.errored


STORED = "stored"  # validation context of a record read from disk (`parse_record`)


class _Model(BaseModel):
    """Strict when mlspec builds a record: a field that is not declared here is an error, never a key kept on
    the side. Lenient when it reads one (`parse_record`): keys this version does not know (written by an
    older or newer mlspec) are dropped, so old runs keep loading for history, caching, gc and the champion.
    What this version writes always round-trips exactly (schemas/record.schema.json publishes it)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_unknown(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and isinstance(info.context, dict) and info.context.get(STORED):
            return {key: value for key, value in data.items() if key in cls.model_fields}
        return data


class DataFile(_Model):
    role: DataRole
    path: str  # relative to the spec folder
    digest: str  # "xxh3_128:<hex>"; "dvc-md5:<hex>" (DVC-tracked), "version:<id>" / "etag:<tag>" (URLs)
    bytes: int
    origin: str | None = None  # where a digest not computed from the bytes comes from, e.g. "DVC data/train.csv.dvc"
    rows: int | None = None
    columns: list[str] = Field(default_factory=list)


class StageResult(_Model):
    name: StageName
    status: StageStatus
    started: str | None = None
    seconds: float = 0.0
    message: str = ""
    inputs_digest: str = ""  # cache key: the stage reruns when this changes
    # component -> digest ("spec:train", "file:data/train.csv", "code:src/train.py", "version:mlspec", "stage:train"):
    # what `inputs_digest` is made of, so `mlspec status` and the next run can say which input changed
    inputs: dict[str, str] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)  # output file (relative to the run folder) -> digest
    reasons: list[str] = Field(
        default_factory=list
    )  # why the stage ran: "--force", "never ran", "data/train.csv changed"
    cached_from: str | None = None  # the run whose outputs a cached stage reuses


class ConditionOutcome(_Model):
    name: str
    category: Category
    details: str = ""


class CheckOutcome(_Model):
    name: str
    suite: str | None = None
    dataset: str | None = None  # "train" / "test" for a single-dataset check run on each
    ran: bool = True
    reason: str = ""  # why it did not run
    header: str = ""  # deepchecks' header of the result, e.g. "Single Value in Column - Train Dataset"
    # what happened: ran (passed / warning / failed, by its conditions), "errored" (an exception, a deadline) or
    # "not_applicable" (deepchecks says the check does not fit this task, model or data); None in old records
    status: CheckStatus | None = None
    error: str = ""  # the exception's type of an errored check, e.g. "TypeError"
    conditions: list[ConditionOutcome] = Field(default_factory=list)

    @property
    def worst(self) -> Category | None:
        order: list[Category | None] = ["PASS", "WARN", "FAIL", "ERROR"]
        cats: list[Category | None] = [c.category for c in self.conditions]
        return max(cats, key=order.index) if cats else None


class TestOutcome(_Model):
    kind: TestKind
    passed: bool
    fail_on: FailOn = "fail"
    rows: dict[str, int] | None = None  # rows the checks saw, per dataset ("train", "test"), after sampling
    errored: OnErrored = "warn"  # tests.<kind>.errored: does a check that errored fail the tests
    checks: list[CheckOutcome] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)  # suite checks the spec's `skip` left out
    # wide data: {"features": N, "seen": M, "checks": [names]} when those checks saw only M of N features
    columns: dict[str, Any] | None = None
    columns_note: str = ""  # the same in words
    # where sampling changed what checks saw: rows per check
    sampling: list[str] = Field(default_factory=list)
    # how the checks ran where it differs from deepchecks' Suite.run or is not visible in a check: how the feature
    # importance was computed, checks run on the test set only, text features left out of the category checks
    notes: list[str] = Field(default_factory=list)
    timed_out: list[str] = Field(default_factory=list)  # "Check (dataset)" stopped at check_timeout_seconds
    html: str | None = None  # relative to the run folder
    summary_json: str | None = None  # relative to the run folder
    seconds: float = 0.0

    def status(self, check: CheckOutcome) -> CheckStatus:
        """The check's status; for records written before statuses, from its conditions (a check that did not
        run then counts as errored: nothing says it did not apply)."""
        if check.status is not None:
            return check.status
        if not check.ran:
            return "errored"
        worst = check.worst
        if worst in ("FAIL", "ERROR") or (worst == "WARN" and self.fail_on == "warn"):
            return "failed"
        return "warning" if worst == "WARN" else "passed"

    def fails(self, check: CheckOutcome) -> bool:
        """True when this check fails the tests: failed conditions, an error under `errored: fail`, or a check
        the spec configured by name (`checks`) that did not run, whatever the reason."""
        status = self.status(check)
        if status == "failed":
            return True
        if status in ("errored", "not_applicable") and check.suite == "configured":
            return True
        return status == "errored" and self.errored == "fail"

    def counts(self) -> dict[str, int]:
        """Checks per status (statuses with no check left out), in the order the report lists them."""
        found = [self.status(c) for c in self.checks]
        return {s: found.count(s) for s in ("failed", "errored", "warning", "passed", "not_applicable") if s in found}

    def verdict(self) -> str:
        """'passed', 'failed', or 'passed, but 2 declared checks errored': a check of the declared suites that
        errored (under `errored: warn`) did not fail the tests, but it did not pass either, and the verdict says so."""
        if not self.passed:
            return "failed"
        errored = sum(1 for c in self.checks if self.status(c) == "errored")
        if errored:
            return f"passed, but {errored} declared check{'s' if errored != 1 else ''} errored"
        return "passed"

    def counts_text(self) -> str:
        """'18 checks: 7 passed, 2 errored, 9 not applicable'."""
        words = {
            "failed": "failed",
            "errored": "errored",
            "warning": "with warnings",
            "passed": "passed",
            "not_applicable": "not applicable",
        }
        parts = [f"{n} {words[s]}" for s, n in self.counts().items()]
        total = len(self.checks)
        return f"{total} check{'s' if total != 1 else ''}" + (f": {', '.join(parts)}" if parts else "")


class ModelRef(_Model):
    tag: str  # BentoML tag "name:version"
    path: str | None = None  # exported .bentomodel relative to the run folder, if exported
    kind: Literal["classifier", "regressor"] | None = None
    # What the model takes and gives (for the model card): feature -> dtype ("int" | "float" | "str" | "bool"),
    # and the classes of a classifier. Absent in records written before mlspec recorded them.
    features: dict[str, str] | None = None
    classes: list[Any] | None = None

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        return valid_tag(value)


class Change(_Model):
    kind: Literal["data", "config", "code", "environment", "first-run", "drift"]
    what: str  # file path or spec key
    detail: str = ""  # e.g. "+1,204 rows"


DIRTY_FILES_LIMIT = 100


class GitInfo(_Model):
    commit: str | None = None  # null: no commit (outside git, or before the first commit)
    dirty: bool | None = None  # uncommitted changes; null when unknown (no git): never "clean" by default
    branch: str | None = None
    # the tracked files whose content differs from the commit (repository paths, sorted, at most DIRTY_FILES_LIMIT):
    # what `mlspec promote` names when it refuses a dirty run
    dirty_files: list[str] = Field(default_factory=list)


class RunRecord(_Model):
    record_version: int = RECORD_VERSION
    run_id: str
    project: str
    spec_path: str
    spec_digest: str
    created: str
    finished: str | None = None
    git: GitInfo = Field(default_factory=GitInfo)
    data: list[DataFile] = Field(default_factory=list)
    split: dict[str, Any] | None = None  # how one source table was split (method, column, rows, test-row digest)
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int | None = None
    task: str | None = None
    # binary tasks: the label value scored as positive (evaluate.positive_class or its default)
    positive_class: str | int | float | bool | None = None
    metrics: dict[str, float | None] = Field(default_factory=dict)
    predictions: str | None = None  # per-row test predictions (CSV) relative to the run folder
    tests: dict[str, TestOutcome] = Field(default_factory=dict)  # "data" / "model"
    model: ModelRef | None = None
    stages: list[StageResult] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    trigger: dict[str, Any] = Field(default_factory=dict)  # event, actor, ref (from GITHUB_* when set)
    versions: dict[str, str] = Field(default_factory=dict)
    status: Literal["running", "passed", "failed", "interrupted"] = "running"  # interrupted: see state/lock.py
    # the spec's sections (JSON) as the run saw them: which key changed is said against these
    spec_sections: dict[str, Any] = Field(default_factory=dict)
    # what `changes` are relative to: {"kind": "previous-run", "run_id"} (what caused this run), {"kind": "none"}
    # (first run), {"kind": "unknown"} (no earlier run here, e.g. a fresh CI runner: see champion_changes);
    # {"kind": "champion", ...} in records written before mlspec said both; None while the run has not finished
    changes_baseline: dict[str, Any] | None = None
    # what changed since the champion (deploy/<first environment>.yaml), and which champion: {"kind": "champion",
    # "environment", "model", "run_id"}; None when there is none (or in records written before mlspec said both)
    champion_changes: list[Change] = Field(default_factory=list)
    champion_baseline: dict[str, Any] | None = None
    warnings: list[str] = Field(default_factory=list)  # problems the run noticed but did not fail on

    def stage(self, name: str) -> StageResult | None:
        return next((s for s in self.stages if s.name == name), None)


CODE_INPUT = "code:"  # a stage input key naming a code file: "code:src/train.py"


def code_digests(inputs: dict[str, str] | None) -> dict[str, str]:
    """The code files among a stage's inputs and their digests, by path."""
    return {
        key[len(CODE_INPUT) :]: value for key, value in sorted((inputs or {}).items()) if key.startswith(CODE_INPUT)
    }


def parse_record(raw: bytes | str) -> RunRecord:
    """A stored record.json as a RunRecord, keys of other mlspec versions dropped (see `_Model`)."""
    return RunRecord.model_validate_json(raw, context={STORED: True})


class CorruptRecordError(MlspecError):
    """A run record exists but cannot be read as one."""


def _first_line(exc: BaseException) -> str:
    """The first problem of a failed read, as `key: what` (pydantic) or the first line of the error."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors(include_url=False)[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "the file"
        return f"{where}: {str(first.get('msg', '')).removeprefix('Value error, ')[:200]}"
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid() % 100000:05d}"


class RunStore:
    """`.mlspec/` next to the spec: `runs/<run-id>/record.json` and `runs/latest` (a file naming the id)."""

    def __init__(self, spec_root: Path) -> None:
        self.layout = StateLayout(spec_root)
        self.root = self.layout.root
        self.runs = self.layout.runs

    def run_dir(self, run_id: str) -> Path:
        """The run's folder; a run id that is not one plain name (`../../x`) is refused (safepath)."""
        return self.layout.run_dir(run_id)

    def save(self, record: RunRecord, *, latest: bool = True) -> Path:
        path = self.layout.record_file(record.run_id)
        atomic_write_text(path, record.model_dump_json(indent=2) + "\n")
        if latest:
            atomic_write_text(self.layout.latest_file, record.run_id + "\n")
        return path

    def latest_id(self) -> str | None:
        try:
            return self.layout.latest_file.read_text().strip() or None
        except FileNotFoundError:
            return None

    def load(self, run_id: str) -> RunRecord:
        path = self.layout.record_file(run_id)
        try:
            record = parse_record(path.read_bytes())
        except FileNotFoundError:
            raise MlspecError(f"run record {path} not found", hint="run `mlspec run` first") from None
        except (OSError, ValueError) as exc:
            raise CorruptRecordError(
                f"run record {display_path(path)} is corrupt: {_first_line(exc)}",
                hint="delete that run folder (or restore the file), then run `mlspec run` again",
            ) from None
        safe_name(record.run_id, key="run_id", where=display_path(path))
        return record

    def latest(self) -> RunRecord:
        run_id = self.latest_id()
        if run_id is None:
            raise MlspecError(f"no runs yet under {self.runs}", hint="run `mlspec run` (or `mlspec train`) first")
        return self.load(run_id)

    def history(self, project: str | None = None, limit: int = 20) -> list[RunRecord]:
        """Older records, oldest first (for history plots)."""
        if not self.runs.is_dir():
            return []
        records = []
        for folder in sorted(p for p in self.runs.iterdir() if p.is_dir())[-limit:]:
            try:
                record = parse_record((folder / RECORD_FILE).read_bytes())
            except (OSError, ValueError):
                continue
            if project is None or record.project == project:
                records.append(record)
        return records
