"""Validate spec files: collect every issue of every file first, then hand them to a reporter."""

from __future__ import annotations

import difflib
import hashlib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from mlspec.errors import SpecError, shown
from mlspec.fsio import display_path
from mlspec.repo_root import repository_root
from mlspec.safepath import inside
from mlspec.spec import models
from mlspec.spec.loader import Document, Position, YamlProblem, load_document, snippet
from mlspec.spec.models import Spec
from mlspec.spec.semantic import semantic_findings

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

# Human wording of the regular expressions in models.py.
_PATTERN_WORDS = {
    models.NAME_PATTERN: "lowercase letters, digits and '-', starting with a letter, 2-40 characters",
    models.ENV_NAME_PATTERN: "lowercase letters, digits and '-', starting with a letter",
    models.IDENTIFIER_PATTERN: "a Python identifier (letters, digits, '_')",
    models.PATH_PATTERN: "a relative path of letters, digits and _ . - / @ +",
    models.DATA_LOCATION_PATTERN: "a relative path of letters, digits and _ . - / @ +, or an s3://, gs://, gcs:// or "
    "http(s):// URL",
    models.ENTRYPOINT_PATTERN: "`path/to/file.py:function` or `package.module:function`",
    models.PYTHON_VERSION_PATTERN: "a Python version such as 3.11",
    models.GIT_REF_PATTERN: "a git ref of letters, digits and _ . - /",
    models.REPOSITORY_PATTERN: "`owner/name`",
    models.COLUMN_PATTERN: "a column name without quotes, $, backslashes or control characters",
}


@dataclass(frozen=True)
class Issue:
    file: str
    line: int
    column: int
    key: str
    message: str
    kind: str
    hint: str | None = None
    snippet: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "key": self.key,
            "message": self.message,
            "kind": self.kind,
            "hint": self.hint,
        }


@dataclass
class FileResult:
    path: Path
    display: str
    spec: Spec | None = None
    document: Document | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


def _key_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as `Foo | None` or `list[Foo]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, dict):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Spec
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        if part not in fields:
            return None
        model = _model_in(fields[part].annotation)
    return model


def _suggest(word: str, choices: list[str]) -> str | None:
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return match[0] if match else None


def _real_loc(loc: tuple[Any, ...], doc: Document) -> tuple[Any, ...]:
    """Drop pydantic's union-member tags (e.g. 'list[str]') that are not keys of the document."""
    out: list[Any] = []
    for part in loc:
        if (
            isinstance(part, str)
            and tuple(out) + (part,) not in doc.key_positions
            and ("[" in part or part in {"str", "int", "float", "bool", "none"} or part.startswith("function-"))
        ):
            continue
        out.append(part)
    return tuple(out)


def _from_pydantic(error: ErrorDetails, doc: Document) -> tuple[tuple[Any, ...], str, str, str | None]:
    loc = _real_loc(tuple(error["loc"]), doc)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(f.alias or n for n, f in model.model_fields.items()) if model else []
        guess = _suggest(str(loc[-1]), allowed)
        hint = f"did you mean {guess!r}?" if guess else (f"allowed keys: {', '.join(allowed)}" if allowed else None)
        return loc, f"unknown key {shown(loc[-1])}", "unknown-key", hint
    if kind == "missing":
        model = _model_at(loc[:-1])
        description = ""
        if model is not None:
            fields = {f.alias or n: f for n, f in model.model_fields.items()}
            info = fields.get(str(loc[-1]))
            description = f" ({info.description.rstrip('.')})" if info and info.description else ""
        return loc, f"missing required key {loc[-1]!r}{description}", "missing-key", None
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        guess = _suggest(str(value), choices) if isinstance(value, str) else None
        hint = f"did you mean {guess!r}?" if guess else None
        return loc, f"{shown(value)} is not one of: {', '.join(choices)}", "invalid-value", hint
    if kind == "string_pattern_mismatch":
        words = _PATTERN_WORDS.get(ctx.get("pattern", ""), f"the pattern {ctx.get('pattern')}")
        return loc, f"{shown(value)} is not valid here: expected {words}", "invalid-value", None
    if kind in ("value_error", "assertion_error"):
        message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return loc, message, "invalid-value", None
    value_kinds = ("greater_than", "less_than", "too_short", "too_long", "string_too", "multiple_of")
    category = "invalid-value" if kind.startswith(value_kinds) else "invalid-type"
    message = str(error["msg"])
    message = message[0].lower() + message[1:] if message else message
    got = shown(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return loc, f"{message}, got {got}", category, None


def _guess_in(hint: str) -> str | None:
    match = re.fullmatch(r"did you mean '([^']*)'\?", hint)
    return match.group(1) if match else None


def _misspelt_required(converted: list[tuple[tuple[Any, ...], str, str, str | None]]) -> set[tuple[Any, ...]]:
    """The missing required keys that an unknown key of the same mapping is a misspelling of (its did-you-mean
    names them): `lable: x` is one mistake, reported once, not also as "missing required key 'label'"."""
    missing = {loc for loc, _message, kind, _hint in converted if kind == "missing-key"}
    guessed = {
        loc[:-1] + (_guess_in(hint),)
        for loc, _message, kind, hint in converted
        if kind == "unknown-key" and hint is not None and _guess_in(hint) is not None
    }
    return missing & guessed


def _issue(result: FileResult, doc: Document, loc: tuple[Any, ...], message: str, kind: str, hint: str | None) -> Issue:
    position, _found = doc.locate(loc)
    return Issue(
        file=result.display,
        line=position.line,
        column=position.column,
        key=_key_text(loc),
        message=message,
        kind=kind,
        hint=hint,
        snippet=snippet(doc.text, position),
    )


def _partial_spec(data: Any) -> Spec | None:
    """A Spec of the top-level sections of ``data`` that validate on their own (the others left unset, so a check
    that reads one of them raises AttributeError and is skipped: semantic.semantic_findings(partial=True))."""
    if not isinstance(data, dict):
        return None
    from pydantic import TypeAdapter

    valid: dict[str, Any] = {}
    invalid: list[str] = []
    for name, info in Spec.model_fields.items():
        key = info.alias or name
        if key not in data or info.annotation is None:
            continue
        try:
            valid[name] = TypeAdapter(info.annotation).validate_python(data[key])
        except (ValidationError, ValueError, TypeError):
            invalid.append(name)
    partial = Spec.model_construct(**valid)
    for name in invalid:  # not its default: a check must not judge `gates` against default environments
        partial.__dict__.pop(name, None)
    return partial


NOT_FOUND_HINT = (
    "give the spec's path (e.g. path/to/mlproject.yaml), run from the project's folder (or, for `mlspec validate`, "
    "a git repository holding specs), or create one with `mlspec init`"
)


def _file_hint(path: Path, message: str) -> str | None:
    """What to do when the spec path is no file: the folder's own spec, a spec beside a misspelt name, or the rest."""
    beside = path / "mlproject.yaml" if message.startswith("is a directory") else path.parent / "mlproject.yaml"
    if beside != path and beside.is_file():
        return f"did you mean {display_path(beside)}?"
    return NOT_FOUND_HINT if message == "file not found" else None


def check_file(path: Path, *, check_files: bool = True) -> FileResult:
    result = FileResult(path=path, display=display_path(path))
    try:
        doc = load_document(path)
    except YamlProblem as problem:
        text = ""
        try:
            text = path.read_text("utf-8") if problem.kind not in ("file",) else ""
        except (OSError, UnicodeDecodeError):
            pass
        result.issues.append(
            Issue(
                file=result.display,
                line=problem.position.line,
                column=problem.position.column,
                key=_key_text(problem.key) if problem.key is not None else "(file)",
                message=problem.message,
                kind=problem.kind,
                hint=_file_hint(path, problem.message),
                snippet=snippet(text, problem.position) if text else "",
            )
        )
        return result
    result.document = doc
    try:
        spec = Spec.model_validate(doc.data)
    except ValidationError as exc:
        seen: set[tuple[str, str]] = set()
        converted = [_from_pydantic(error, doc) for error in exc.errors(include_url=False)]
        misspelt = _misspelt_required(converted)
        for loc, message, kind, hint in converted:
            if kind == "missing-key" and loc in misspelt:
                continue  # the unknown key beside it is this key misspelt: its did-you-mean says so, once
            if kind == "unknown-key" and hint is not None and loc[:-1] + (_guess_in(hint),) in misspelt:
                hint = f"{hint} (`{_guess_in(hint)}` is required and not set)"
            issue = _issue(result, doc, loc, message, kind, hint)
            if (issue.key, kind) not in seen:
                seen.add((issue.key, kind))
                result.issues.append(issue)
        # the cross-field checks still run over the sections that are valid on their own: one pass shows every
        # problem (an unknown gate environment is not hidden behind a typo in `data`)
        partial = _partial_spec(doc.data)
        if partial is not None:
            for finding in semantic_findings(partial, path.parent, check_files=check_files, partial=True):
                issue = _issue(result, doc, finding.loc, finding.message, finding.kind, finding.hint)
                if (issue.key, finding.kind) not in seen:
                    seen.add((issue.key, finding.kind))
                    result.issues.append(issue)
        result.issues.sort(key=lambda i: (i.line, i.column))
        return result
    for finding in semantic_findings(spec, path.parent, check_files=check_files):
        result.issues.append(_issue(result, doc, finding.loc, finding.message, finding.kind, finding.hint))
    result.issues.sort(key=lambda i: (i.line, i.column))
    if not result.issues:
        result.spec = spec
    return result


def check_files(paths: list[Path], *, check_files: bool = True) -> list[FileResult]:
    return [check_file(path, check_files=check_files) for path in paths]


@dataclass(frozen=True)
class LoadedSpec:
    """A valid spec and where it came from; what every other command works with."""

    spec: Spec
    path: Path  # absolute path of the spec file
    text: str

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def resolve(self, relative: str, key: str = "path") -> Path:
        """``relative`` (to the spec's folder) resolved, symlinks first; PathEscapeError naming ``key``
        when it leaves the repository (mlspec/safepath.py)."""
        return inside(
            self.root,
            relative,
            key=key,
            boundary=repository_root(self.root, fallback=True),
            boundary_name="the repository",
            where=display_path(self.path),
        )


def load_spec(path: str | Path = "mlproject.yaml", *, check_files: bool = True) -> LoadedSpec:
    """Load and validate one spec; raise SpecError carrying the formatted issues."""
    from mlspec.spec.reporters import format_text

    spec_path = Path(path)
    result = check_file(spec_path, check_files=check_files)
    if result.spec is None or result.document is None:
        raise SpecError(format_text([result], summary=False).rstrip())
    return LoadedSpec(spec=result.spec, path=spec_path.resolve(), text=result.document.text)


__all__ = ["FileResult", "Issue", "LoadedSpec", "Position", "check_file", "check_files", "load_spec"]
