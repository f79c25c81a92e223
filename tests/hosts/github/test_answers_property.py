"""The systematic test of issue 23: GitHub answers generated from its REST description (../shared/github-api),
for every request of every mlspec flow that talks to GitHub, and four invariants that hold for all of them.

Flows: `report --comment` (the sticky comment), `promote` and `rollback` (branch, deploy file, pull request,
labels, reviewers), the drift monitor's dispatch, and a CT artifact download (GitHub's 302 to blob storage).
A clean run of each flow against the stand-in lists its requests; hypothesis then picks one request and changes
GitHub's answer to it (once, or every time):

- a documented-nullable field null, an optional (not required) field missing, a field or the whole answer of
  another JSON type, an array answer empty, hundreds of items (paginated as GitHub does), no JSON at all;
- a documented error: 401, 403 (read-only token; secondary rate limit with and without retry-after; primary
  rate limit used up), 404, 409, 422, 429, 500/502/503 with GitHub's bodies and headers;
- another origin: a 302/307 there, a `Link: rel="next"` there, a `url` field there (a second real server that
  records what reaches it).

Invariants: never exit 3 (only MlspecError, exit 0 or 1); never a request with credentials to another origin;
never a write (POST/PATCH/PUT/DELETE) to a branch, pull request or comment mlspec does not own (the stand-in
seeds someone else's branch, pull request and a comment that copies mlspec's marker); the token never in any
output, log or file; every failure says what to do (a hint, or a message that says what to check).

Derandomized with a bounded number of examples (MLSPEC_PROPERTY_EXAMPLES, default 50), so CI sees the same
cases every run, in about a minute. To explore further locally: MLSPEC_PROPERTY_RANDOM=1 (new cases each run),
MLSPEC_PROPERTY_EXAMPLES=500, MLSPEC_PROPERTY_SHOW=1 with `pytest -s` (what each case came to).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlspec.errors import MlspecError
from tests.github_standin import GitHubStandIn
from tests.github_standin.artifacts import attach
from tests.github_standin.openapi import description
from tests.github_standin.server import DOCS, UNDESCRIBED, Pull
from tests.hosts.github.recorder import Recorder

# Both tests are marked slow below; marked here too, so that `make test-fast` (-m "not slow") does not import the
# module (and hypothesis, 1.6 s of CPU per worker) to deselect them (tests/conftest.py: pytest_ignore_collect).
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("MLSPEC_PROPERTY_EXAMPLES", "50"))
WRITES = ("POST", "PATCH", "PUT", "DELETE")
FOREIGN_BRANCH = "someone/topic"
FOREIGN_LOGIN = "someone"
FAST = {  # GitHub asks for a minute on a secondary rate limit: the same logic, in tenths of seconds
    "MLSPEC_GITHUB_RETRIES": "3",
    "MLSPEC_GITHUB_RETRY_BASE_SECONDS": "0.01",
    "MLSPEC_GITHUB_RETRY_MAX_SECONDS": "2",
    "MLSPEC_GITHUB_SECONDARY_RATE_LIMIT_SECONDS": "0.05",
    "MLSPEC_GITHUB_DEADLINE_SECONDS": "8",
}


# the world: someone else's things next to mlspec's ----------------------------------------------------------
@dataclass
class World:
    standin: GitHubStandIn
    recorder: Recorder
    our_pr: int
    foreign_pr: int
    foreign_comment: int
    foreign_branch_sha: str
    foreign_comment_body: str
    store: Any = None
    # mlspec's own branch names, taken by someone else: (branch, their head sha, their pull request)
    squats: list[tuple[str, str, int]] = field(default_factory=list)


SQUATTED = ("mlspec/promote/breast-cancer/staging", "mlspec/rollback/breast-cancer/staging")


def seed(standin: GitHubStandIn, fillers: int, recorder: Recorder, squat: bool = False) -> World:
    """The repository: mlspec's PR and someone else's branch, PR and marker-copying comment; with ``squat``,
    someone else also holds mlspec's own promotion and rollback branch names, each with their commit and PR."""
    from mlspec.report.markdown import comment_marker

    s = standin.state
    main = s.branch_sha("main") or ""
    s.refs["refs/heads/feature"] = main
    s.refs[f"refs/heads/{FOREIGN_BRANCH}"] = main
    foreign_sha = s.put_file(FOREIGN_BRANCH, "theirs.txt", "their work\n", "their commit")
    s.pulls[1] = Pull(1, "Our change", "", "feature", "main", author=s.identity)
    s.pulls[2] = Pull(2, "Their change", "theirs", FOREIGN_BRANCH, "main", author=FOREIGN_LOGIN)
    s.next_number = 3
    body = f"{comment_marker('breast-cancer')}\ncopied marker: not mlspec's comment"
    foreign = s.add_comment(1, body, FOREIGN_LOGIN)
    for i in range(fillers):
        s.add_comment(1, f"review note {i}", f"reviewer{i % 7}")
    s.add_comment(2, f"{comment_marker('breast-cancer')}\ntheirs", FOREIGN_LOGIN)
    world = World(standin, recorder, 1, 2, foreign.id, foreign_sha, body)
    for branch in SQUATTED if squat else ():
        s.refs[f"refs/heads/{branch}"] = main
        sha = s.put_file(branch, "notes/theirs.md", "their work on this branch\n", "their commit")
        number = s.next_number
        s.pulls[number] = Pull(number, f"Their {branch}", "theirs", branch, "main", author=FOREIGN_LOGIN)
        s.next_number += 1
        world.squats.append((branch, sha, number))
    return world


# the flows ----------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class Project:
    root: Path
    tmp: Path
    artifacts: Path
    event: Path
    deploy_texts: dict[str, str] = field(default_factory=dict)


def report_comment(world: World, project: Project, env: dict[str, str]) -> None:
    from mlspec.report.commands import comment_body, post_comment
    from mlspec.spec import load_spec
    from mlspec.state.record import RunStore
    from tests.promote.conftest import gate_report

    loaded = load_spec(project.root / "mlproject.yaml")
    store = RunStore(loaded.root)
    record = store.latest()
    body = comment_body(loaded, record, gate_report(True), None)
    with environment({**env, "GITHUB_EVENT_PATH": str(project.event)}):
        post_comment(loaded, store, record, body)


def promote(world: World, project: Project, env: dict[str, str]) -> None:
    from mlspec.promote.commands import promote_loaded
    from mlspec.spec import load_spec
    from mlspec.state.record import RunStore
    from tests.promote.conftest import gate_report

    loaded = load_spec(project.root / "mlproject.yaml")
    record = RunStore(loaded.root).latest()
    promote_loaded(loaded, record, "staging", gate_report(True), environ={**env, "GITHUB_RUN_ID": "77"})


def rollback(world: World, project: Project, env: dict[str, str]) -> None:
    from mlspec.promote.rollback import rollback_command

    for path, text in project.deploy_texts.items():
        world.standin.state.put_file("main", path, text)
    rollback_command(
        str(project.root / "mlproject.yaml"), "staging", environ={**env, "GITHUB_EVENT_NAME": "workflow_dispatch"}
    )


def drift_dispatch(world: World, project: Project, env: dict[str, str]) -> None:
    from mlspec.hosts.github.client import GitHubSettings, connect
    from mlspec.monitor.trigger import event_type

    # what mlspec.monitor.trigger.dispatch sends once drift is found
    repo = connect(GitHubSettings.from_env(env))
    repo.repository_dispatch(event_type("breast-cancer"), {"project": "breast-cancer", "summary": "drift"})


def artifact_download(world: World, project: Project, env: dict[str, str]) -> None:
    """A CT artifact download through mlspec's GitHub session, reading the answers as mlspec.hosts.github.client
    reads any (mlspec itself downloads no artifact today: CD runs actions/download-artifact)."""
    import github3.exceptions as gex
    import requests

    from mlspec.hosts.github.client import GitHubSettings, connect, field_of

    world.store = world.store or attach(world.standin, project.artifacts)
    repo = connect(GitHubSettings.from_env(env))

    def get(url: str, **kwargs: Any) -> Any:  # as Repo._post does: a failed request is github3's TransportError
        try:
            return repo._gh.session.get(url, **kwargs)
        except requests.exceptions.RequestException as exc:
            raise gex.TransportError(exc) from exc

    run = f"{world.standin.repo_api}/actions/runs/42/artifacts"
    with repo._call("download the CT state artifact of run 42"):
        listing = get(run)
        if listing.status_code != 200:
            raise MlspecError(f"listing the artifacts answered HTTP {listing.status_code}", hint="try again later")
        artifacts = field_of(listing.json(), "artifacts", list)
        if not artifacts:
            raise MlspecError("CT run 42 has no artifact", hint="check the run id in the deploy file")
        url = field_of(artifacts[0], "archive_download_url", str)
        answer = get(url, headers={"Accept": "application/octet-stream"})
        if answer.status_code != 200 or not zipfile.is_zipfile(io.BytesIO(answer.content)):
            raise MlspecError(f"the artifact download answered HTTP {answer.status_code}", hint="try again later")


FLOWS: dict[str, Callable[[World, Project, dict[str, str]], None]] = {
    "report --comment": report_comment,
    "promote": promote,
    "rollback": rollback,
    "drift dispatch": drift_dispatch,
    "artifact download": artifact_download,
}


# answers ------------------------------------------------------------------------------------------------------
def _nullable(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    return (isinstance(kind, list) and "null" in kind) or any(
        isinstance(x, dict) and x.get("type") == "null" for x in schema.get("anyOf", []) + schema.get("oneOf", [])
    )


def _unwrap(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {}
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, []):
            if isinstance(option, dict) and option.get("type") != "null":
                return _unwrap(option)
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _unwrap(part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def spots(schema: Any, value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], bool, bool]]:
    """(path, nullable, required) of every documented field present in the answer, three levels deep."""
    schema = _unwrap(schema)
    if isinstance(value, list) and value:
        yield from spots(schema.get("items"), value[0], (*path, 0))
    elif isinstance(value, dict):
        required = set(schema.get("required", []))
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                yield (*path, key), _nullable(sub), key in required
                if len(path) < 4:
                    yield from spots(sub, value[key], (*path, key))


def _set(body: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> Any:
    if not path:
        return value
    target = body
    for step in path[:-1]:
        target = target[step]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


WRONG = [{}, [], "x", 7, True, None, [{"id": 1}], {"message": "ok"}]
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out "
    "to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000."
)
ERRORS: list[tuple[int, Any, dict[str, str]]] = [
    (401, {"message": "Bad credentials", "documentation_url": DOCS}, {}),
    (403, {"message": "Resource not accessible by integration", "documentation_url": DOCS}, {}),
    (403, {"message": SECONDARY, "documentation_url": DOCS}, {"x-ratelimit-remaining": "4990"}),
    (403, {"message": SECONDARY, "documentation_url": DOCS}, {"retry-after": "1", "x-ratelimit-remaining": "4990"}),
    (
        403,
        {"message": "API rate limit exceeded for installation ID 1.", "documentation_url": DOCS},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "{reset}"},
    ),
    (404, {"message": "Not Found", "documentation_url": DOCS}, {}),
    (409, {"message": "Conflict", "documentation_url": DOCS}, {}),
    (
        422,
        {
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "code": "custom", "field": "body", "message": "body is too long"}],
            "documentation_url": DOCS,
        },
        {},
    ),
    (429, {"message": "API rate limit exceeded", "documentation_url": DOCS}, {"retry-after": "0"}),
    (500, {"message": "Server Error"}, {}),
    (502, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"}),
    (503, {"message": "Service Unavailable"}, {}),
]
MUTATIONS = st.one_of(
    st.tuples(st.sampled_from(["null", "drop"]), st.integers(0, 10_000)),
    st.tuples(st.just("wrong"), st.integers(0, 10_000), st.sampled_from(range(len(WRONG)))),
    st.tuples(st.sampled_from(["empty", "nonjson", "wrong-root"])),
    st.tuples(st.just("error"), st.sampled_from(range(len(ERRORS)))),
    st.tuples(st.just("elsewhere"), st.sampled_from(["302", "307", "link", "url"])),
)


def mutate(kind: tuple[Any, ...], operation: str | None, world: World) -> Callable[..., Any]:
    other = world.recorder.url

    def change(status: int, body: Any, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        name = kind[0]
        if name == "error":
            code, answer, extra = ERRORS[kind[1]]
            extra = {k: v.replace("{reset}", str(int(time.time()) + 3600)) for k, v in extra.items()}
            return code, answer, extra
        if name == "elsewhere":
            if kind[1] in ("302", "307"):
                return int(kind[1]), None, {"Location": f"{other}/moved"}
            if kind[1] == "link":
                return status, body, {**headers, "Link": f'<{other}/repos/octo-org/ml-repo/page2>; rel="next"'}
            item = body[0] if isinstance(body, list) and body else body
            if isinstance(item, dict):
                item["url"] = f"{other}/repos/octo-org/ml-repo/x"
            return status, body, headers
        if name == "nonjson":
            return status, b"<html>GitHub is down</html>", {**headers, "Content-Type": "text/html"}
        if name == "empty":
            return status, [] if isinstance(body, list) else {}, headers
        if name == "wrong-root":
            return status, {"items": body} if isinstance(body, list) else [body], headers
        schema = description().operation(operation).response_schema(status) if operation else None
        found = list(spots(schema, body)) if schema else []
        if name == "wrong":
            paths = [p for p, _, _ in found] or [()]
            return status, _set(body, paths[kind[1] % len(paths)], json.loads(json.dumps(WRONG[kind[2]]))), headers
        wanted = [p for p, nullable, required in found if (nullable if name == "null" else not required)]
        if not wanted:
            return status, body, headers
        path = wanted[kind[1] % len(wanted)]
        return status, _set(body, path, None, delete=name == "drop"), headers

    return change


# invariants ---------------------------------------------------------------------------------------------------
def run_flow(name: str, world: World, project: Project, env: dict[str, str]) -> tuple[int, str, MlspecError | None]:
    """(exit code as the CLI would give it, everything printed and logged, the error)."""
    out, handler = io.StringIO(), logging.StreamHandler(io.StringIO())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    error: MlspecError | None = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            FLOWS[name](world, project, env)
        code = 0
    except MlspecError as raised:
        code, error = raised.exit_code, raised
        out.write(f"error: {raised}\n")
    except Exception:  # noqa: BLE001 - what the CLI turns into exit 3
        code = 3
        out.write(traceback.format_exc())
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    stream = handler.stream
    assert isinstance(stream, io.StringIO)
    return code, out.getvalue() + stream.getvalue(), error


def foreign_writes(world: World) -> list[str]:
    s, n, c = world.standin.state, world.foreign_pr, world.foreign_comment
    targets = [
        rf"/issues/comments/{c}$",
        rf"/(pulls|issues)/{n}(/|$)",
        rf"/git/refs/heads/{re.escape(FOREIGN_BRANCH)}$",
    ]
    found = [
        f"{r['method']} {r['path']}"
        for r in world.standin.requests
        if r["method"] in WRITES and any(re.search(t, r["path"]) for t in targets)
    ]
    found += [
        f"PUT {r['path']} on {FOREIGN_BRANCH}"
        for r in world.standin.requests
        if r["method"] == "PUT" and isinstance(r.get("body"), dict) and r["body"].get("branch") == FOREIGN_BRANCH
    ]
    if s.comments[c].body != world.foreign_comment_body:
        found.append("their comment changed")
    if s.branch_sha(FOREIGN_BRANCH) != world.foreign_branch_sha:
        found.append("their branch moved")
    if s.pulls[n].state != "open" or s.pulls[n].title != "Their change":
        found.append("their pull request changed")
    for branch, sha, number in world.squats:  # mlspec's branch name, someone else's branch: still not ours
        found += [
            f"{r['method']} {r['path']}"
            for r in world.standin.requests
            if r["method"] in WRITES
            and (
                re.search(rf"/git/refs/heads/{re.escape(branch)}$", r["path"])
                or re.search(rf"/(pulls|issues)/{number}(/|$)", r["path"])
                or (isinstance(r.get("body"), dict) and r["body"].get("branch") == branch)
            )
        ]
        if s.branch_sha(branch) != sha:
            found.append(f"their branch {branch} moved")
        if s.pulls[number].state != "open" or s.pulls[number].title != f"Their {branch}":
            found.append(f"their pull request #{number} changed")
    return found


def token_in_files(folder: Path, token: str) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000 and token.encode() in path.read_bytes():
            hits.append(str(path))
    return hits


def says_what_to_do(error: MlspecError) -> bool:
    text = f"{error.message} {error.hint or ''}".lower()
    return bool(error.hint) or any(word in text for word in ("check ", "set ", "try again", "re-run", "wait"))


# the test -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    import shutil

    from mlspec.state.deploy import dump_deployment
    from tests.helpers import EXAMPLES as EXAMPLE_PROJECTS
    from tests.helpers import git, init_repo
    from tests.promote.conftest import PROJECT_DIR, make_record
    from tests.promote.test_release_rollback import _deployment

    tmp = tmp_path_factory.mktemp("forge")
    work = tmp / "work"
    root = work / PROJECT_DIR
    shutil.copytree(
        EXAMPLE_PROJECTS / "breast-cancer", root, ignore=shutil.ignore_patterns(".mlspec", "__pycache__", "deploy")
    )
    spec = root / "mlproject.yaml"
    spec.write_text(
        spec.read_text().replace(
            "  - name: staging\n", "  - name: staging\n    labels: [promotion, staging]\n    reviewers: [alice, bob]\n"
        )
    )
    (work / ".gitignore").write_text(".mlspec/\n")
    init_repo(work, remote=tmp / "remote.git")
    make_record(root)
    texts = {}
    for version, auc in (("v1aaaa", 0.97), ("v2bbbb", 0.98)):
        deployment = _deployment("staging", version, auc)
        text = dump_deployment(deployment)
        (root / "deploy").mkdir(exist_ok=True)
        (root / "deploy" / "staging.yaml").write_text(text)
        git("add", "deploy/staging.yaml", cwd=root)
        git("commit", "-qm", f"merge {version}", cwd=root)
        texts[f"{PROJECT_DIR}/deploy/staging.yaml"] = text
    artifacts = tmp / "artifacts"
    folder = artifacts / "42" / "mlspec-breast-cancer-ct-state"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "mlspec-breast-cancer-ct-state.zip", "w") as zipped:
        zipped.writestr("model.bentomodel", b"model")
    event = tmp / "event.json"
    same = {"full_name": "octo-org/ml-repo", "fork": False}
    pull = {"number": 1, "head": {"ref": "feature", "repo": same}, "base": {"ref": "main", "repo": same}}
    event.write_text(json.dumps({"action": "synchronize", "number": 1, "pull_request": pull}))
    return Project(root, tmp, artifacts, event, texts)


_CLEAN: dict[str, list[tuple[str, str, str | None]]] = {}


def clean_requests(name: str, project: Project, recorder: Recorder) -> list[tuple[str, str, str | None]]:
    """(method, path, operationId) of every distinct request the flow makes when GitHub answers as documented."""
    if name not in _CLEAN:
        with GitHubStandIn() as standin:
            world = seed(standin, 0, recorder)
            code, output, _ = run_flow(name, world, project, {**standin.env(), **FAST})
            assert code == 0, output
            assert standin.violations == [], standin.violations
            if world.store is not None:
                world.store.stop()
            seen: dict[tuple[str, str], str | None] = {}
            for r in standin.requests:
                seen.setdefault((r["method"], r["path"]), r.get("operation_id"))
        _CLEAN[name] = [(m, p, o) for (m, p), o in seen.items()]
    return _CLEAN[name]


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.stop()


@pytest.mark.slow  # about a minute: in `make test`, not in `make test-fast`
@settings(
    max_examples=EXAMPLES,
    derandomize=os.environ.get("MLSPEC_PROPERTY_RANDOM") != "1",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
@given(
    flow=st.sampled_from(sorted(FLOWS)),
    target=st.integers(0, 10_000),
    mutation=MUTATIONS,
    every_time=st.booleans(),
    fillers=st.sampled_from([0, 0, 3, 250]),
    squat=st.booleans(),
)
def test_every_github_answer_is_survived(
    project: Project,
    recorder: Recorder,
    flow: str,
    target: int,
    mutation: tuple[Any, ...],
    every_time: bool,
    fillers: int,
    squat: bool,
) -> None:
    requests = clean_requests(flow, project, recorder)
    method, path, operation = requests[target % len(requests)]
    recorder.seen.clear()
    with GitHubStandIn() as standin:
        world = seed(standin, fillers, recorder, squat)
        standin.rewrite(
            method,
            f"^{re.escape(path)}$",
            mutate(mutation, None if operation in UNDESCRIBED else operation, world),
            None if every_time else 1,
        )
        before = set(token_in_files(project.root, standin.token))
        started = time.monotonic()
        code, output, error = run_flow(flow, world, project, {**standin.env(), **FAST})
        if world.store is not None:
            world.store.stop()
        case = f"{flow}: {method} {path} answered with {mutation} ({'every time' if every_time else 'once'})"
        case += ", mlspec's branch names held by someone else" if squat else ""
        if os.environ.get("MLSPEC_PROPERTY_SHOW") == "1":  # local exploration: what each case came to
            print(
                f"{code} {time.monotonic() - started:.1f}s {case}\n    {(str(error) if error else '').splitlines()[:1]}"
            )
        assert code in (0, 1), f"{case}: exit {code}\n{output}"
        assert recorder.credentials_seen(standin.token) == [], f"{case}: credentials sent to another origin"
        store_seen = world.store.seen if world.store is not None else []
        assert all(s["authorization"] is None for s in store_seen), f"{case}: credentials sent to the blob host"
        assert foreign_writes(world) == [], f"{case}: wrote to what mlspec does not own"
        assert standin.token not in output, f"{case}: the token was printed or logged"
        assert set(token_in_files(project.root, standin.token)) <= before, f"{case}: the token was written to a file"
        if error is not None:
            assert says_what_to_do(error), f"{case}: the failure does not say what to do: {error}"
        assert standin.violations == [], f"{case}: {standin.violations}"


@pytest.mark.slow
@pytest.mark.parametrize("flow", ["promote", "rollback"])
def test_mlspec_branch_names_held_by_someone_else_are_left_alone(
    project: Project, recorder: Recorder, flow: str
) -> None:
    """GitHub answers as documented, but someone else holds mlspec's branch name with a commit and a PR:
    the flow refuses (exit 1, saying what to do) and writes nothing at all."""
    with GitHubStandIn() as standin:
        world = seed(standin, 0, recorder, squat=True)
        code, output, error = run_flow(flow, world, project, {**standin.env(), **FAST})
        assert code == 1, output
        assert error is not None and says_what_to_do(error), output
        assert foreign_writes(world) == []
        assert [r for r in standin.requests if r["method"] in WRITES] == []
        assert standin.violations == [], standin.violations
