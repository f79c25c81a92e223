"""A new code host is one package plus its templates: tests/hosts/toy_host/ (a `CodeHost` named `HOST` and
templates/), found the way mlspec/hosts/all_hosts.py finds the packages of mlspec/hosts/, and detected by its CI's
variable. Nothing else of mlspec is touched, and render, validate, the cache, promote, report and drift use it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pydantic
import pytest

from mlspec.hosts import all_hosts
from mlspec.monitor.commands import _append_step_summary
from mlspec.monitor.trigger import dispatch
from mlspec.pipeline.cache import input_files
from mlspec.promote.commands import promote_loaded
from mlspec.report.commands import post_comment
from mlspec.spec import load_spec
from mlspec.spec.models import Spec
from mlspec.state.deploy import parse_deployment
from mlspec.state.record import RunStore
from tests.helpers import run_cli
from tests.hosts.toy_host import ToyHost, ToyRepo
from tests.monitor.test_parts import _result
from tests.promote.conftest import PROJECT_DIR, gate_report, make_record, project  # noqa: F401
from tests.render.specs import BASE, merged, write_repo


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ToyHost]:
    """The toy host registered and its CI detected (and no GitHub Actions variable set)."""
    for name in ("GITHUB_ACTIONS", "GITHUB_TOKEN", "GH_TOKEN", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    found = all_hosts.discovered(Path(__file__).parent, "tests.hosts")  # as mlspec/hosts/ is searched
    assert [type(h) for h in found] == [ToyHost]
    host = found[0]
    assert isinstance(host, ToyHost)
    host.repo = ToyRepo()  # a fresh repository behind its API for each test
    monkeypatch.setattr(all_hosts, "HOSTS", [host, *all_hosts.HOSTS])
    monkeypatch.setenv("TOY_CI", "1")
    yield host


def test_the_registry_finds_githubs_package() -> None:
    assert [h.name for h in all_hosts.discovered()] == ["github"]


def test_render_writes_the_hosts_workflows_from_its_templates(toy: ToyHost, tmp_path: Path) -> None:
    write_repo(tmp_path, {"mlproject.yaml": BASE})
    done = run_cli("render", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / ".toy-ci"
    assert sorted(p.name for p in folder.iterdir()) == [
        "mlspec-churn-cd.yml",
        "mlspec-churn-ci.yml",
        "mlspec-churn-ct.yml",
    ]
    ci = (folder / "mlspec-churn-ci.yml").read_text()
    assert "# toy CI churn ci" in ci
    # the host's path-filter language: its literal for the project's own CI workflow, its filter lines
    assert "  toy-filter .toy-ci/mlspec-churn-ci.yml\n" in ci
    assert "  toy-filter !.toy-ci/mlspec-churn-ct.yml\n" in ci
    assert not (tmp_path / ".github").exists()
    assert run_cli("render", "--check", cwd=tmp_path).returncode == 0


def test_validate_uses_the_hosts_pattern_syntax(toy: ToyHost, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = merged(BASE, {"triggers": {"paths": {"data": ["data/[ab].csv"]}}})
    with pytest.raises(pydantic.ValidationError, match="the toy host's filters have no character classes"):
        Spec.model_validate(spec)
    monkeypatch.delenv("TOY_CI")  # GitHub (the default outside the toy CI) supports classes
    assert Spec.model_validate(spec).triggers.paths.data == ["data/[ab].csv"]


def test_the_cache_reads_the_hosts_path_semantics(
    toy: ToyHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_repo(tmp_path, {"mlproject.yaml": merged(BASE, {"triggers": {"paths": {"code": ["src/*.py"]}}})})
    (tmp_path / "src" / "deep").mkdir(parents=True)
    (tmp_path / "src" / "train.py").write_text("x = 1\n")
    (tmp_path / "src" / "deep" / "helper.py").write_text("y = 2\n")
    loaded = load_spec(tmp_path / "mlproject.yaml", check_files=False)
    # fnmatch's `*` crosses folders: the toy host's semantics; GitHub's `*` does not
    assert sorted(input_files(loaded)) == ["src/deep/helper.py", "src/train.py"]
    monkeypatch.delenv("TOY_CI")
    assert sorted(input_files(loaded)) == ["src/train.py"]


def test_promote_opens_the_pull_request_through_the_hosts_api(toy: ToyHost, project: Path) -> None:  # noqa: F811
    record = make_record(project)
    environ = {"TOY_CI": "1", "TOY_PROMOTION_TOKEN": "t", "TOY_RUN": "9"}
    assert (
        promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ=environ)
        == 0
    )
    branch = "mlspec/promote/breast-cancer/staging"
    assert toy.repo.calls[:2] == [f"create_branch {branch}", f"write_file {branch}:{PROJECT_DIR}/deploy/staging.yaml"]
    assert toy.repo.calls[-1] == f"open_or_update_pr {branch} -> main"
    deployment = parse_deployment(toy.repo.files[(branch, f"{PROJECT_DIR}/deploy/staging.yaml")], "toy")
    assert deployment.model.tag == "breast-cancer:v1aaaa"
    assert deployment.promoted["by"] == "toy-bot"  # the host's settings: its actor and its run's page
    assert deployment.promoted["trigger"]["run_url"] == "https://ci.example/runs/9"
    assert toy.repo.pulls[0].title == "Promote breast-cancer to staging: breast-cancer:v1aaaa"


def test_report_comments_and_summaries_go_to_the_host(
    toy: ToyHost,
    project: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOY_TOKEN", "t")
    monkeypatch.setenv("TOY_PR", "4")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("TOY_SUMMARY", str(summary))
    record = make_record(project)
    post_comment(load_spec(project / "mlproject.yaml"), RunStore(project), record, "the report")
    assert toy.repo.calls == ["upsert_comment #4"] and toy.repo.comments == [(4, "the report")]
    _append_step_summary("## drift\n![plot](drift.png)\nno drift\n")
    assert summary.read_text() == "## drift\nno drift\n"


def test_drift_dispatches_training_through_the_host(
    toy: ToyHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOY_TOKEN", "t")
    result = _result([("income", 0.31)])
    outcome = dispatch(
        result, project="churn", environment="production", drift_id="d1", folder=tmp_path, settings=toy.settings()
    )
    assert outcome.sent and toy.repo.calls == ["repository_dispatch mlspec-drift-churn"]
    assert toy.repo.dispatches[0][1] is not None and toy.repo.dispatches[0][1]["summary"].startswith("feature `income`")
    assert json.loads((tmp_path / "dispatch.json").read_text())["sent"] is True


def test_the_store_trust_rule_asks_the_host_whether_a_job_runs_for_a_pull_request(
    toy: ToyHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """store/trust.py: a pull request's CI reads only the store its base branch names. Whether the job runs for a
    pull request, and into which base branch, is the code host's answer (`pull_request_job`), not GitHub's variables."""
    from mlspec.store.trust import untrusted_store
    from tests.acceptance.test_store import _project
    from tests.helpers import git

    root = _project(tmp_path / "proj", str(tmp_path / "store"))
    git("update-ref", "refs/remotes/origin/main", "main", cwd=root)  # the base branch as a CI checkout has it
    git("checkout", "-q", "-b", "pr", cwd=root)
    spec = root / "mlproject.yaml"
    spec.write_text(spec.read_text().replace(f"store: {tmp_path / 'store'}", f"store: {tmp_path / 'planted'}", 1))
    loaded = load_spec(spec)

    pull_request = {"TOY_CI": "1", "TOY_PR": "7", "TOY_BASE": "main"}
    refused = untrusted_store(loaded, pull_request)
    assert refused is not None and "this pull request changes `store:`" in refused and "planted" in refused
    # GitHub's variables mean nothing to the toy host: this job runs for no pull request, so the store is read
    assert (
        untrusted_store(loaded, {"TOY_CI": "1", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}) is None
    )
    # a pull request whose base branch the host does not name, checked out without a merge commit: not checkable
    unknown = untrusted_store(loaded, {"TOY_CI": "1", "TOY_PR": "7"})
    assert unknown is not None and "the base branch's spec cannot be read here" in unknown
