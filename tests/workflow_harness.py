"""Run a rendered GitHub Actions workflow's `run:` steps locally, the way a runner would.

A test harness, not a product feature: it proves that the workflows mlspec writes actually run the
pipeline. What it does, per job:

- steps in order; `uses: ./actions/<x>` (and `<mlspec repo>/actions/<x>@<ref>`, mapped to the local
  actions/ folder) are expanded as composite actions with their inputs, defaults and outputs;
  third-party actions (checkout, setup-python, ...) are skipped with a log line, except
  `actions/upload-artifact` and `actions/download-artifact` when the harness is given an
  `ArtifactStore` (artifacts then move between jobs and workflow runs, keyed by run id and name);
- `env:` at workflow, job and step level, `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`,
  `GITHUB_STEP_SUMMARY`, `working-directory`, `shell: bash`;
- `${{ }}` expressions of the forms the generated files use: contexts `inputs`, `steps.<id>.outputs`,
  `env`, `github`, `secrets`, `runner`, `needs`, string/bool/number literals, `==`, `!=`, `!`, `&&`,
  `||`, parentheses and the functions success(), failure(), cancelled(), always(), startsWith(),
  contains(), fromJSON(); anything else raises (so an unsupported form is noticed, not ignored);
- each `run:` script executes with `bash --noprofile --norc -eo pipefail` in the workspace.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

MLSPEC_ACTIONS_REPOSITORY = "mlspec/mlspec"


class ExpressionError(Exception):
    pass


# ----------------------------------------------------------------------------- expressions

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!().,\[\]])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_\-]*|\*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot parse expression {text!r} at {text[pos:]!r}")
        pos = match.end()
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
    return out


class _Parser:
    def __init__(self, text: str, contexts: dict[str, Any], functions: dict[str, Callable[..., Any]]):
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0
        self.contexts = contexts
        self.functions = functions

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value!r} in {self.text!r}")
        self.i += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() and self.peek()[1] == "||":
            self.take()
            right = self.and_()
            value = value if _truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.cmp()
        while self.peek() and self.peek()[1] == "&&":
            self.take()
            right = self.cmp()
            value = right if _truthy(value) else value
        return value

    def cmp(self) -> Any:
        value = self.unary()
        while self.peek() and self.peek()[1] in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            equal = _loose_equal(value, right)
            value = equal if op == "==" else not equal
        return value

    def unary(self) -> Any:
        if self.peek() and self.peek()[1] == "!":
            self.take()
            return not _truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if value == "(" and kind == "op":
            inner = self.or_()
            self.take(")")
            return inner
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return float(value) if "." in value else int(value)
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} in {self.text!r}")
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        if self.peek() and self.peek()[1] == "(":
            self.take("(")
            args = []
            while self.peek() and self.peek()[1] != ")":
                args.append(self.or_())
                if self.peek() and self.peek()[1] == ",":
                    self.take(",")
            self.take(")")
            function = self.functions.get(value.lower())
            if function is None:
                raise ExpressionError(f"unsupported function {value}() in {self.text!r}")
            return function(*args)
        if value not in self.contexts:
            raise ExpressionError(f"unsupported context {value!r} in {self.text!r}")
        current: Any = self.contexts[value]
        while self.peek() and self.peek()[1] in (".", "["):
            if self.take()[1] == ".":
                key = self.take()[1]
            else:
                key = self.or_()
                self.take("]")
            current = current.get(key) if isinstance(current, dict) else None
        return current


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)


def _loose_equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


# ----------------------------------------------------------------------------- results


@dataclass
class StepResult:
    name: str
    kind: str  # "run", "composite", "skipped-uses", "skipped-if"
    outcome: str  # "success", "failure", "skipped"
    outputs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    returncode: int | None = None
    depth: int = 0


@dataclass
class JobResult:
    job: str
    status: str  # "success" or "failure"
    steps: list[StepResult]
    outputs: dict[str, str]
    summary: str
    log: list[str]

    def step(self, name: str) -> StepResult:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step named {name!r}; steps: {[s.name for s in self.steps]}")

    def stdout(self) -> str:
        """Everything the job's scripts printed, in order."""
        return "".join(s.stdout for s in self.steps)

    def run_commands(self) -> list[str]:
        return [s.name for s in self.steps if s.kind == "run" and s.outcome != "skipped"]


@dataclass
class Frame:
    """The expression contexts of one job or one composite action invocation."""

    inputs: dict[str, Any]
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: bool = False


# ----------------------------------------------------------------------------- the harness


class ArtifactStore:
    """What `actions/upload-artifact` keeps and `actions/download-artifact` gets back, per
    (workflow run id, artifact name): one folder whose files keep their paths below the uploaded
    folder, as GitHub stores a single-directory upload."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, run_id: str, name: str) -> Path:
        return self.root / run_id / name

    def upload(self, run_id: str, name: str, source: Path) -> int:
        target = self.folder(run_id, name)
        shutil.rmtree(target, ignore_errors=True)
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.is_file():
            target.mkdir(parents=True)
            shutil.copy2(source, target / source.name)
        else:
            return 0
        return sum(1 for f in target.rglob("*") if f.is_file())

    def download(self, run_id: str, name: str, target: Path) -> bool:
        source = self.folder(run_id, name)
        if not source.is_dir():
            return False
        shutil.copytree(source, target, dirs_exist_ok=True)
        return True


class WorkflowHarness:
    def __init__(
        self,
        workspace: Path,
        *,
        actions_dir: Path,
        github: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        base_env: dict[str, str] | None = None,
        path_prepend: list[Path] = (),
        timeout: float = 1200,
        artifacts: ArtifactStore | None = None,
    ) -> None:
        self.artifacts = artifacts
        self.workspace = workspace.resolve()
        self.actions_dir = actions_dir.resolve()
        self.secrets = dict(secrets or {})
        self.timeout = timeout
        self.log: list[str] = []
        self.temp = Path(tempfile.mkdtemp(prefix="mlspec-harness-"))
        self.runner = {"temp": str(self.temp / "runner-temp"), "os": "Linux", "arch": "X64"}
        Path(self.runner["temp"]).mkdir()
        event = dict((github or {}).get("event") or {})
        event_path = self.temp / "event.json"
        event_path.write_text(json.dumps(event))
        self.github: dict[str, Any] = {
            "event_name": "pull_request",
            "ref": "refs/pull/1/merge",
            "sha": "0" * 40,
            "repository": "owner/repo",
            "repository_owner": "owner",
            "run_id": "1",
            "run_attempt": "1",
            "server_url": "https://github.com",
            "api_url": "https://api.github.com",
            "token": "",
            "workspace": str(self.workspace),
            "event_path": str(event_path),
            "actor": "mlspec-harness",
            **(github or {}),
        }
        self.github["event"] = event
        env = dict(base_env if base_env is not None else os.environ)
        if path_prepend:
            env["PATH"] = os.pathsep.join([str(p) for p in path_prepend] + [env.get("PATH", "")])
        self.process_env = env
        self.env_file_values: dict[str, str] = {}
        self.needs: dict[str, Any] = {}
        self.summary_parts: list[str] = []

    # -- expressions --------------------------------------------------------------------

    def _functions(self, frame: Frame) -> dict[str, Callable[..., Any]]:
        return {
            "success": lambda: not frame.failed,
            "failure": lambda: frame.failed,
            "cancelled": lambda: False,
            "always": lambda: True,
            "startswith": lambda a, b: _as_text(a).lower().startswith(_as_text(b).lower()),
            "endswith": lambda a, b: _as_text(a).lower().endswith(_as_text(b).lower()),
            "contains": lambda a, b: (b in a) if isinstance(a, list) else _as_text(b).lower() in _as_text(a).lower(),
            "fromjson": lambda text: json.loads(text),
            "tojson": lambda value: json.dumps(value, indent=2),
        }

    def _contexts(self, frame: Frame, env: dict[str, str]) -> dict[str, Any]:
        return {
            "inputs": frame.inputs,
            "steps": frame.steps,
            "env": env,
            "github": self.github,
            "secrets": self.secrets,
            "runner": self.runner,
            "needs": self.needs,
            "vars": {},
        }

    def evaluate(self, expression: str, frame: Frame, env: dict[str, str]) -> Any:
        return _Parser(expression, self._contexts(frame, env), self._functions(frame)).parse()

    def substitute(self, value: Any, frame: Frame, env: dict[str, str]) -> str:
        """A YAML value with every `${{ }}` replaced by its text (a whole-value expression keeps its type)."""
        if not isinstance(value, str):
            return _as_text(value)
        whole = _EXPRESSION.fullmatch(value.strip())
        if whole:
            return _as_text(self.evaluate(whole.group(1), frame, env))
        return _EXPRESSION.sub(lambda m: _as_text(self.evaluate(m.group(1), frame, env)), value)

    def condition(self, value: Any, frame: Frame, env: dict[str, str]) -> bool:
        if value is None:
            return not frame.failed
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        whole = _EXPRESSION.fullmatch(text)
        expression = whole.group(1) if whole else text
        uses_status = re.search(r"\b(success|failure|cancelled|always)\s*\(", expression) is not None
        result = _truthy(self.evaluate(expression, frame, env))
        return result if uses_status else (result and not frame.failed)

    # -- files GitHub gives each step -------------------------------------------------------

    @staticmethod
    def _parse_env_file(path: Path) -> dict[str, str]:
        values: dict[str, str] = {}
        if not path.exists():
            return values
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if not line.strip():
                continue
            heredoc = re.match(r"^([^=<]+)<<(.+)$", line)
            if heredoc:
                name, delimiter = heredoc.group(1), heredoc.group(2)
                body = []
                while i < len(lines) and lines[i] != delimiter:
                    body.append(lines[i])
                    i += 1
                if i >= len(lines):
                    raise ValueError(f"{path}: heredoc {name} without its delimiter {delimiter!r}")
                i += 1
                values[name] = "\n".join(body)
            elif "=" in line:
                name, _, value = line.partition("=")
                values[name] = value
            else:
                raise ValueError(f"{path}: invalid line {line!r}")
        return values

    def _github_env(self) -> dict[str, str]:
        g = self.github
        return {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_EVENT_NAME": str(g["event_name"]),
            "GITHUB_EVENT_PATH": str(g["event_path"]),
            "GITHUB_REF": str(g["ref"]),
            "GITHUB_SHA": str(g["sha"]),
            "GITHUB_REPOSITORY": str(g["repository"]),
            "GITHUB_REPOSITORY_OWNER": str(g["repository_owner"]),
            "GITHUB_RUN_ID": str(g["run_id"]),
            "GITHUB_RUN_ATTEMPT": str(g["run_attempt"]),
            "GITHUB_SERVER_URL": str(g["server_url"]),
            "GITHUB_API_URL": str(g["api_url"]),
            "GITHUB_ACTOR": str(g["actor"]),
            "RUNNER_TEMP": self.runner["temp"],
            "RUNNER_OS": self.runner["os"],
        }

    # -- steps ----------------------------------------------------------------------------

    def _run_script(self, name: str, script: str, env: dict[str, str], workdir: Path, depth: int) -> StepResult:
        files = {key: self.temp / f"{key.lower()}-{uuid.uuid4().hex}" for key in ("OUTPUT", "ENV", "PATH", "STEP_SUMMARY")}
        for path in files.values():
            path.touch()
        script_file = self.temp / f"step-{uuid.uuid4().hex}.sh"
        script_file.write_text(script)
        full_env = {**self.process_env, **self._github_env(), **self.env_file_values, **env}
        full_env.update({f"GITHUB_{key}": str(path) for key, path in files.items()})
        self.log.append(f"{'  ' * depth}run: {name} (in {workdir})")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=workdir, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=self.timeout,
        )
        self.log.append(result.stdout)
        outputs = self._parse_env_file(files["OUTPUT"])
        self.env_file_values.update(self._parse_env_file(files["ENV"]))
        added_paths = [line for line in files["PATH"].read_text().splitlines() if line.strip()]
        if added_paths:
            self.process_env["PATH"] = os.pathsep.join(added_paths[::-1] + [self.process_env.get("PATH", "")])
        summary = files["STEP_SUMMARY"].read_text(encoding="utf-8")
        if summary:
            self.summary_parts.append(summary)
        outcome = "success" if result.returncode == 0 else "failure"
        return StepResult(name, "run", outcome, outputs, result.stdout, result.returncode, depth)

    def _local_action(self, uses: str) -> Path | None:
        if uses.startswith("./") or uses.startswith("$/"):  # `$/path`: GitHub's self-repository syntax
            relative = uses[2:]
            candidate = self.workspace / relative
            if (candidate / "action.yml").exists():
                return candidate / "action.yml"
            if relative.startswith("actions/") and (self.actions_dir / relative[len("actions/"):] / "action.yml").exists():
                return self.actions_dir / relative[len("actions/"):] / "action.yml"
            raise FileNotFoundError(f"local action {uses} not found")
        prefix = f"{MLSPEC_ACTIONS_REPOSITORY}/actions/"
        if uses.startswith(prefix):
            name = uses[len(prefix):].split("@", 1)[0]
            return self.actions_dir / name / "action.yml"
        return None

    def _run_steps(self, steps: list[dict], frame: Frame, env_chain: dict[str, str], defaults_dir: str | None,
                   results: list[StepResult], depth: int, action_dir: Path | None = None) -> None:
        for index, step in enumerate(steps):
            name = str(step.get("name") or step.get("id") or step.get("uses") or f"step {index + 1}")
            step_env_values = {**env_chain, **self.env_file_values}
            env = dict(env_chain)
            for key, value in (step.get("env") or {}).items():
                env[key] = self.substitute(value, frame, {**step_env_values, **env})
            if not self.condition(step.get("if"), frame, {**self.env_file_values, **env}):
                self.log.append(f"{'  ' * depth}skip (if: {step.get('if')!r}): {name}")
                results.append(StepResult(name, "skipped-if", "skipped", depth=depth))
                if step.get("id"):
                    frame.steps[step["id"]] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                continue
            if "uses" in step:
                result = self._uses(step, name, frame, env, results, depth)
            else:
                workdir_text = step.get("working-directory") or defaults_dir
                workdir = self.workspace
                if workdir_text:
                    workdir = self.workspace / self.substitute(workdir_text, frame, env)
                shell = step.get("shell", "bash")
                if shell not in ("bash", "sh"):
                    raise ExpressionError(f"step {name!r}: shell {shell!r} is not supported by the harness")
                script = self.substitute(step["run"], frame, env)
                result = self._run_script(name, script, env, workdir, depth)
                results.append(result)
            if step.get("id"):
                frame.steps[step["id"]] = {"outputs": result.outputs, "outcome": result.outcome,
                                           "conclusion": result.outcome}
            if result.outcome == "failure" and not step.get("continue-on-error"):
                frame.failed = True

    def _uses(self, step: dict, name: str, frame: Frame, env: dict[str, str], results: list[StepResult],
              depth: int) -> StepResult:
        uses = str(step["uses"])
        action_file = self._local_action(uses)
        if action_file is None and self.artifacts is not None and \
                uses.startswith(("actions/upload-artifact@", "actions/download-artifact@")):
            return self._artifact_step(step, uses, name, frame, env, results, depth)
        if action_file is None:
            self.log.append(f"{'  ' * depth}skip third-party action {uses}: {name}")
            result = StepResult(name, "skipped-uses", "success", depth=depth)
            results.append(result)
            return result
        action = yaml.safe_load(action_file.read_text())
        if action.get("runs", {}).get("using") != "composite":
            raise ExpressionError(f"{action_file}: only composite actions are supported")
        given = {k: self.substitute(v, frame, env) for k, v in (step.get("with") or {}).items()}
        inputs: dict[str, Any] = {}
        for key, spec in (action.get("inputs") or {}).items():
            if key in given:
                inputs[key] = given.pop(key)
            elif spec and "default" in spec:
                inputs[key] = self.substitute(spec["default"], frame, env)
            elif spec and spec.get("required"):
                raise ExpressionError(f"{uses}: required input {key!r} is missing")
            else:
                inputs[key] = ""
        if given:
            raise ExpressionError(f"{uses}: unknown inputs {sorted(given)}")
        self.log.append(f"{'  ' * depth}action {uses}: {name}")
        header = StepResult(name, "composite", "success", depth=depth)
        results.append(header)
        inner = Frame(inputs=inputs)
        self._run_steps(action["runs"]["steps"], inner, dict(env), None, results, depth + 1, action_file.parent)
        outputs = {k: self.substitute(v.get("value", ""), inner, env) for k, v in (action.get("outputs") or {}).items()}
        header.outputs = outputs
        header.outcome = "failure" if inner.failed else "success"
        return header

    def _artifact_step(self, step: dict, uses: str, name: str, frame: Frame, env: dict[str, str],
                       results: list[StepResult], depth: int) -> StepResult:
        assert self.artifacts is not None
        given = {k: self.substitute(v, frame, env) for k, v in (step.get("with") or {}).items()}
        artifact = given["name"]
        folder = self.workspace / given.get("path", ".")
        if uses.startswith("actions/upload-artifact@"):
            count = self.artifacts.upload(str(self.github["run_id"]), artifact, folder)
            ok = count > 0 or given.get("if-no-files-found", "warn") != "error"
            self.log.append(f"{'  ' * depth}upload-artifact {artifact}: {count} files from {folder}")
        else:
            run_id = given.get("run-id") or str(self.github["run_id"])
            ok = self.artifacts.download(run_id, artifact, folder)
            self.log.append(f"{'  ' * depth}download-artifact {artifact} of run {run_id} to {folder}: "
                            f"{'done' if ok else 'Artifact not found'}")
        result = StepResult(name, "artifact", "success" if ok else "failure", depth=depth)
        results.append(result)
        if not ok:
            frame.failed = True
        return result

    # -- jobs -----------------------------------------------------------------------------

    def run_job(self, workflow_file: Path, job_id: str | None = None,
                needs: dict[str, JobResult] | None = None) -> JobResult:
        """Run one job. A job with `needs:` runs only when given the results of the jobs it needs
        (as a runner would after them); its job-level `if:` is evaluated against them."""
        workflow = yaml.safe_load(workflow_file.read_text())
        jobs = workflow["jobs"]
        job_id = job_id or next(iter(jobs))
        job = jobs[job_id]
        wanted = job.get("needs") or []
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        if wanted and (needs is None or set(wanted) - set(needs)):
            raise ExpressionError(f"job {job_id} needs {wanted}: pass their JobResults as needs=")
        self.needs = {name: {"result": needs[name].status, "outputs": needs[name].outputs} for name in wanted} \
            if needs else {}
        self.summary_parts = []
        frame = Frame(inputs={})
        if "if" in job and not self.condition(job["if"], frame, {}):
            return JobResult(job_id, "skipped", [], {}, "", [f"job {job_id} skipped: if: {job['if']}"])
        env: dict[str, str] = {}
        for level in (workflow.get("env") or {}, job.get("env") or {}):
            for key, value in level.items():
                env[key] = self.substitute(value, frame, env)
        defaults_dir = ((job.get("defaults") or {}).get("run") or {}).get("working-directory")
        results: list[StepResult] = []
        start = len(self.log)
        self._run_steps(job["steps"], frame, env, defaults_dir, results, 0)
        outputs = {k: self.substitute(v, frame, env) for k, v in (job.get("outputs") or {}).items()}
        return JobResult(job_id, "failure" if frame.failed else "success", results, outputs,
                         "".join(self.summary_parts), self.log[start:])
