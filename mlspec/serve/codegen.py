"""Generate the BentoML service code and build config from the spec and the model's metadata.

Pure text generation (no bentoml import): the same spec and model always give byte-identical
files, so a diff of `.mlspec/service/<service>/service.py` shows exactly what changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from jinja2.sandbox import SandboxedEnvironment

from mlspec import __version__
from mlspec.errors import ServeError
from mlspec.spec.models import Spec
from mlspec.templating import doc, identifier, py, sandboxed

DTYPES = {"int": "int", "float": "float", "str": "str", "bool": "bool"}
_T = {"int": "_int", "float": "_float", "str": "_str", "bool": "_bool"}  # builtins under names no column gets
CLASSIFIER_TASKS = ("binary", "multiclass")
MAX_ROWS = 10_000
# Requests of up to this many rows predict on the server's event loop (no thread hop: a one-row predict
# costs a few ms, and a hop to the worker thread added GIL hand-offs that doubled the latency under 4
# concurrent clients); larger ones predict in a worker thread so /readyz, /livez and /metrics answer meanwhile.
INLINE_ROWS = 100
# How the model was saved -> how the service loads it.
LOADER_PICKLABLE = "picklable_model"  # bentoml.picklable_model.save_model (the model contract)
LOADER_CLOUDPICKLE = "cloudpickle"  # bentoml.models.create + model.pkl (mlspec.state.model_store)


@dataclass(frozen=True)
class ModelInfo:
    """What the generator needs to know about the model (read from the BentoML store)."""

    tag: str
    loader: str
    features: list[str]
    dtypes: dict[str, str]
    task: str
    classes: list[Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    model_file: str = "model.pkl"

    @property
    def version(self) -> str:
        return self.tag.split(":", 1)[1]

    @property
    def is_classifier(self) -> bool:
        return self.task in CLASSIFIER_TASKS


@dataclass(frozen=True)
class ServiceFiles:
    """The generated build context: file name -> text, plus the names BentoML needs."""

    files: dict[str, str]
    bento_name: str
    class_name: str
    apis: list[str]
    labels: dict[str, str]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return h.hexdigest()


def class_name_of(service: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", service) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts) or "Service"
    return name if name[0].isalpha() else f"Service{name}"


def field_names(features: list[str]) -> list[str]:
    """A valid, unique Python identifier per feature column; the column itself is the field's alias, the
    only name a request uses. Every identifier is `col<position>` plus an ASCII hint of the column, so no
    column (`Field`, `float`, `t`, `class`, `None`, `self`, `model_config`, unicode, 200 characters) can
    shadow a name the generated code uses, be a keyword, or collide with another column."""
    names: list[str] = []
    for index, column in enumerate(features):
        hint = re.sub(r"\W+", "_", column, flags=re.ASCII).strip("_")[:40].rstrip("_")
        names.append(f"col{index}_{hint}" if hint else f"col{index}")
    return names


def _optional(info: ModelInfo) -> set[str]:
    """Features that had missing values in training (metadata `missing`); none without a record."""
    recorded = info.metadata.get("missing")
    return {str(column) for column in recorded} if isinstance(recorded, (list, tuple)) else set()


def _example(info: ModelInfo) -> dict[str, Any]:
    """The recorded training row, only its features with JSON values of their dtypes."""
    recorded = info.metadata.get("example")
    if not isinstance(recorded, dict):
        return {}
    out: dict[str, Any] = {}
    for column in info.features:
        value = recorded.get(column)
        dtype = info.dtypes.get(column)
        if value is None or dtype not in DTYPES:
            continue
        ok = {
            "float": isinstance(value, (int, float)) and not isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "str": isinstance(value, str),
        }[dtype]
        if ok and not (dtype == "float" and value != value or dtype == "float" and abs(value) == float("inf")):
            out[column] = float(value) if dtype == "float" else value
    return out


def _allowed_nonfinite(info: ModelInfo, column: str) -> set[str]:
    """Non-finite values the model saw in training for ``column``. Without a record (`nonfinite` in the
    metadata), NaN stays accepted as "missing" as before and infinities are refused."""
    recorded = info.metadata.get("nonfinite")
    if isinstance(recorded, dict):
        return {str(kind) for kind in recorded.get(column) or []}
    return {"nan"}


def _field_type(info: ModelInfo, column: str) -> str:
    dtype = info.dtypes[column]
    if dtype != "float":
        return _T[dtype]
    allowed = _allowed_nonfinite(info, column)
    if allowed >= {"nan", "inf"}:
        return "_float"
    return "_FiniteOrNaN" if "nan" in allowed else "_Finite"


def _output_type(info: ModelInfo) -> str:
    if not info.is_classifier:
        return "float"
    classes = info.classes or []
    if classes and all(isinstance(c, bool) for c in classes):
        return "bool"
    if classes and all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        return "int"
    if classes and all(isinstance(c, str) for c in classes):
        return "str"
    return "t.Any"


def choose_apis(spec: Spec, info: ModelInfo) -> list[str]:
    if spec.serve.apis is None:
        return ["predict", "predict_proba"] if info.is_classifier else ["predict"]
    apis: list[str] = list(dict.fromkeys(spec.serve.apis))
    if "predict_proba" in apis and not info.is_classifier:
        raise ServeError(
            f"serve.apis lists predict_proba but model {info.tag} is a {info.task} model",
            hint="remove predict_proba from serve.apis (it exists only for classifiers)",
        )
    return apis


def check_model_info(info: ModelInfo) -> None:
    where = f"model {info.tag} (metadata)"
    if not info.features:
        raise ServeError(f"{where}: no `features` recorded", hint="retrain with `mlspec train` to record them")
    missing = [f for f in info.features if f not in info.dtypes]
    if missing:
        raise ServeError(f"{where}: no dtype recorded for feature(s) {', '.join(map(repr, missing))}")
    unknown = sorted({d for f, d in info.dtypes.items() if f in info.features and d not in DTYPES})
    if unknown:
        raise ServeError(
            f"{where}: unsupported dtype(s) {', '.join(map(repr, unknown))}; use one of {', '.join(DTYPES)}"
        )


def _short(value: Any, keep: int = 12) -> str:
    """`xxh3_128:0123456789abcdef...` -> `xxh3_128:0123456789ab` (labels are for people)."""
    text = str(value)
    algo, sep, digest = text.rpartition(":")
    return f"{algo}{sep}{digest[:keep]}" if sep else text[:keep]


def lineage_labels(spec: Spec, info: ModelInfo, git_commit: str | None = None) -> dict[str, str]:
    meta = info.metadata
    labels = {"project": spec.name, "model_tag": info.tag, "model_version": info.version, "task": info.task}
    commit = meta.get("git_commit") or git_commit
    if commit:
        labels["git_commit"] = str(commit)[:12]
    if meta.get("run_id"):
        labels["run_id"] = str(meta["run_id"])
    if meta.get("spec_digest"):
        labels["spec_digest"] = _short(meta["spec_digest"])
    data = meta.get("data") or {}
    if isinstance(data, dict):
        for role in sorted(data):
            labels[f"data_{role}"] = _short(data[role])
    labels["generator"] = f"mlspec {__version__}"
    return labels


def _resources(spec: Spec) -> dict[str, Any]:
    res = spec.serve.resources
    out: dict[str, Any] = {"cpu": res.cpu, "memory": res.memory}
    if res.gpu:
        out["gpu"] = res.gpu
    return out


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return sandboxed("mlspec.serve", {"py": py, "doc": doc, "identifier": identifier})


def _frame_kind(info: ModelInfo, optional: list[str]) -> str:
    """How `_frame` builds the model's input: `floats` (float-only features: the validated rows straight into
    one float64 block, null -> NaN; 4x faster than a frame from dicts), `plain` (a frame from the rows' dicts)
    or `nullable` (that frame, with null turned into what training held for a missing value in the optional
    columns: NaN as pandas read it, None where training had None, pandas NA in a nullable dtype)."""
    if all(info.dtypes[column] == "float" for column in info.features):
        return "floats"
    return "nullable" if optional else "plain"


def _recorded_map(info: ModelInfo, key: str, allowed: tuple[str, ...] | None = None) -> dict[str, str]:
    """A `{feature: text}` map of the metadata (``allowed`` values only), empty for models recorded before it."""
    recorded = info.metadata.get(key)
    if not isinstance(recorded, dict):
        return {}
    return {
        column: str(recorded[column])
        for column in info.features
        if isinstance(recorded.get(column), str) and (allowed is None or recorded[column] in allowed)
    }


def service_context(spec: Spec, info: ModelInfo, apis: list[str]) -> dict[str, Any]:
    """Everything the service template uses, as plain values (the template decides only the layout)."""
    from mlspec.pipeline.signature import DATETIME_DTYPES, NULLABLE_DTYPES

    features = list(info.features)
    optional = [column for column in features if column in _optional(info)]
    example = _example(info)  # OpenAPI 3.0 `example` (BentoML's schema model has no `examples`)
    # a pandas nullable dtype of training (Int64, boolean, string): the column is cast back, null -> pandas NA
    # and a datetime64 of training: ISO 8601 text in the request, parsed back to that dtype
    cast = _recorded_map(info, "nullable_dtypes", NULLABLE_DTYPES + DATETIME_DTYPES)
    numeric = [column for column in optional if info.dtypes[column] == "float" and column not in cast]
    as_none = _recorded_map(info, "missing_as", ("none",))
    names = field_names(features)
    return {
        "tag": info.tag,
        "project": spec.name,
        "generator": __version__,
        "task": info.task,
        "features": features,
        "classes": list(info.classes or []) if info.is_classifier else None,
        "classifier": info.is_classifier,
        "max_rows": MAX_ROWS,
        "inline_rows": INLINE_ROWS,
        "optional": optional,
        "example": example,
        "fields": [
            {
                "name": name,
                "column": column,
                "type": _field_type(info, column),
                "optional": column in optional,
                "example": [example[column]] if column in example else [],
            }
            for name, column in zip(names, features, strict=True)
        ],
        "frame": _frame_kind(info, optional),
        "names": names,
        "numeric": numeric,
        "nullable": [column for column in optional if column not in numeric and column not in cast],
        "as_none": [column for column in optional if column in as_none and column not in cast],
        "cast": cast,
        "apis": apis,
        "out_type": _output_type(info),
        "bento_name": spec.service_name.lower(),
        "resources": _resources(spec),
        "timeout": spec.serve.timeout,
        "excluded_urls": [f"/{api}" for api in apis],
        "workers": spec.serve.workers,
        "class_name": class_name_of(spec.service_name),
        "picklable": info.loader == LOADER_PICKLABLE,
        "model_file": info.model_file,
        "log": spec.serve.monitoring.model_dump() if spec.serve.monitoring else None,
    }


def render_service(spec: Spec, info: ModelInfo, apis: list[str]) -> str:
    """service.py from templates/service.py.j2 (mlspec's sandboxed jinja environment)."""
    try:
        return _environment().get_template("service.py.j2").render(service_context(spec, info, apis))
    except ValueError as exc:  # a filter refused a value: metadata no Python literal can carry (NaN class, object)
        raise ServeError(
            f"model {info.tag} (metadata): {exc}", hint="retrain with `mlspec train` to record it again"
        ) from None


def render_bentofile(spec: Spec, info: ModelInfo, class_name: str, labels: dict[str, str], packages: list[str]) -> str:
    description = (
        f"{spec.description or spec.name}\n\n"
        f"Model `{info.tag}` ({info.task}) of project `{spec.name}`, generated by mlspec. "
        f'POST {{"rows": [{{<feature>: <value>, ...}}]}} to /predict'
        + (" or /predict_proba." if info.is_classifier else ".")
    )
    config: dict[str, Any] = {
        "service": f"service:{class_name}",
        "name": spec.service_name.lower(),
        "description": description,
        "labels": labels,
        "include": ["service.py"],
        "python": {"lock_packages": spec.serve.lock_packages, "packages": packages},
    }
    if spec.serve.container.base_image:
        config["docker"] = {"base_image": spec.serve.container.base_image}
    header = "# Generated by mlspec (`mlspec build`); do not edit.\n"
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)


def generate(spec: Spec, info: ModelInfo, packages: list[str], git_commit: str | None = None) -> ServiceFiles:
    check_model_info(info)
    apis = choose_apis(spec, info)
    cls = class_name_of(spec.service_name)
    labels = lineage_labels(spec, info, git_commit)
    files = {
        "service.py": render_service(spec, info, apis),
        "bentofile.yaml": render_bentofile(spec, info, cls, labels, packages),
    }
    return ServiceFiles(files=files, bento_name=spec.service_name.lower(), class_name=cls, apis=apis, labels=labels)
