"""The whole GitOps loop, run through the rendered workflows themselves.

A temporary git repository (with a local bare remote) holds the breast-cancer example and its
rendered workflows; a local GitHub stand-in (real HTTP) plays GitHub. Each commit is checked
against the rendered path filters, and the matching workflow's jobs run step by step through
the workflow harness (composite actions expanded, env and GITHUB_OUTPUT honoured) with the real
mlspec CLI, deepchecks, scikit-learn, BentoML and git.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.e2e.loop import Loop, job_log
from tests.github_standin import GitHubStandIn
from tests.helpers import copy_example, git, init_repo, run_mlspec

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

PROJECT = "breast-cancer"


@pytest.fixture
def loop(tmp_path: Path):
    work = copy_example(PROJECT, tmp_path / "work")
    spec_path = work / "mlproject.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["ci"] = {"actions": "local"}  # run this checkout's composite actions
    spec_path.write_text("# yaml-language-server: $schema=../../schemas/mlproject.schema.json\n"
                         + yaml.safe_dump(spec, sort_keys=False))
    (work / ".gitignore").write_text(".mlspec/\n__pycache__/\n")
    assert run_mlspec("render", cwd=work).returncode == 0
    init_repo(work, remote=tmp_path / "remote.git")
    with GitHubStandIn() as gh:
        yield Loop(work, gh, tmp_path / "bentoml", PROJECT)
        assert gh.violations == []


def test_every_change_triggers_ct_and_only_good_models_reach_staging(loop: Loop) -> None:
    gh = loop.gh

    # -- 1. A first CT run (by hand: workflow_dispatch) trains, passes the gate, opens a promotion PR.
    head = git("rev-parse", "HEAD", cwd=loop.work)
    pipeline, promote = loop.run_ct(head, head)
    assert pipeline.status == "success", job_log(pipeline)
    assert pipeline.outputs["gate"] == "passed"
    assert promote.status == "success", job_log(promote)
    assert [p.number for p in gh.state.open_pulls()] == [1]
    first = gh.state.pulls[1]
    assert first.head == f"mlspec/promote/{PROJECT}/staging"
    assert "| roc_auc |" in first.body and "challenger" in first.body
    first_tag = loop.record()["model"]["tag"]
    assert f"tag: {first_tag}" in gh.state.file_text(first.head, "deploy/staging.yaml")

    # Rerunning the promotion is idempotent: still one PR, no new commit on its branch.
    branch_sha = gh.state.branch_sha(first.head)
    again = loop.harness("push", {}, head, run_id=loop.last_ct_run).run_job(loop.workflow("ct"), "promote", needs={"pipeline": pipeline})
    assert again.status == "success", job_log(again)
    assert [p.number for p in gh.state.open_pulls()] == [1]
    assert gh.state.branch_sha(first.head) == branch_sha

    # The PR's own CI run comments once; a second push edits the same comment.
    # (The workspace is main's HEAD, not a pull request merge commit, so CI's change detection runs
    # the pipeline, as for any PR touching the project; tests/render/test_harness.py shows the skip.)
    for _ in range(2):
        event = {"number": 1, "pull_request": {"number": 1, "title": "$(id) ${{ x }}"}}
        changes = loop.harness("pull_request", event, head, ref="refs/pull/1/merge").run_job(
            loop.workflow("ci"), "changes")
        assert changes.outputs == {"relevant": "true"}
        ci = loop.harness("pull_request", event, head, ref="refs/pull/1/merge").run_job(
            loop.workflow("ci"), "pipeline", needs={"changes": changes})
        assert ci.status == "success", job_log(ci)
    comments = gh.state.comments_on(1)
    assert len(comments) == 1 and f"mlspec-report:{PROJECT}" in comments[0].body

    # -- 2. Merging the promotion PR changes deploy/staging.yaml on main: CD starts, CT does not.
    before, after, changed = loop.merge(1)
    assert changed == ["deploy/staging.yaml"]
    assert loop.started("cd", changed) and not loop.started("ct", changed)
    # CD runs on a fresh runner: an empty BentoML store; the model comes from the CT run's artifact.
    cd_home = loop.bentoml_home.parent / "cd-bentoml"
    cd = loop.harness("push", {"before": before, "after": after}, after, bentoml_home=cd_home).run_job(
        loop.workflow("cd"), "build-staging")
    assert cd.status == "success", job_log(cd)
    assert f"imported model {first_tag} from" in cd.stdout()
    assert f"for model {first_tag}" in cd.stdout()  # the service is built for exactly the promoted version
    assert (cd_home / "models" / PROJECT / first_tag.split(":")[1]).is_dir()
    production = loop.harness("push", {"before": before, "after": after}, after).run_job(
        loop.workflow("cd"), "build-production")
    assert production.step("Did this push change the deployment?").outputs == {"changed": "false"}

    # -- 3. A config change (a spec key) starts CT and is named by key.
    spec_path = loop.work / "mlproject.yaml"
    spec_path.write_text(spec_path.read_text().replace("n_estimators: 100", "n_estimators: 150"))
    before, after, changed = loop.commit("More trees")
    assert changed == ["mlproject.yaml"] and loop.started("ct", changed)
    pipeline, promote = loop.run_ct(before, after)
    assert pipeline.status == "success", job_log(pipeline)
    assert pipeline.outputs["gate"] == "passed", job_log(pipeline)
    assert {"kind": "config", "what": "train.params.n_estimators", "detail": "100 -> 150"} in loop.record()["changes"]
    assert "train.params.n_estimators" in pipeline.summary
    # A good change passes the gate and updates the one promotion PR with the newer candidate.
    assert promote.status == "success", job_log(promote)
    newer_tag = loop.record()["model"]["tag"]
    open_pulls = gh.state.open_pulls()
    assert len(open_pulls) == 1
    assert f"tag: {newer_tag}" in gh.state.file_text(open_pulls[0].head, "deploy/staging.yaml")
    assert "| roc_auc |" in open_pulls[0].body

    # -- 4. A training-code change starts CT and names the file.
    code = loop.work / "src" / "train.py"
    code.write_text(code.read_text() + "\n# trees are grown in a fixed order so runs repeat exactly\n")
    before, after, changed = loop.commit("Document the training code")
    assert changed == ["src/train.py"] and loop.started("ct", changed)
    pipeline, _promote = loop.run_ct(before, after)
    assert pipeline.status == "success", job_log(pipeline)
    assert {"kind": "code", "what": "src/train.py", "detail": "modified since the champion's run"} in \
        loop.record()["changes"]
    assert "src/train.py" in pipeline.summary

    # -- 5. A data change starts CT; the report says what changed since the champion. (Whether the
    # smaller table still passes the gate is the gate's business; CT ran every stage on it.)
    train_csv = loop.work / "data" / "train.csv"
    frame = pd.read_csv(train_csv)
    frame.iloc[:-30].to_csv(train_csv, index=False)
    before, after, changed = loop.commit("Drop 30 training rows")
    assert changed == ["data/train.csv"] and loop.started("ct", changed) and not loop.started("cd", changed)
    pipeline, promote = loop.run_ct(before, after)
    assert [s["status"] for s in loop.record()["stages"]] == ["passed"] * 4, job_log(pipeline)
    detail = f"-30 rows ({len(frame)} -> {len(frame) - 30})"
    assert {"kind": "data", "what": "data/train.csv", "detail": detail} in loop.record()["changes"]
    assert "data/train.csv" in pipeline.summary and detail in pipeline.summary

    # -- 6. A degrading change (a much weaker model) fails the gate: nothing is promoted.
    pulls_before = {n: (p.state, gh.state.branch_sha(p.head)) for n, p in gh.state.pulls.items()}
    spec_path.write_text(spec_path.read_text().replace("max_depth: 6", "max_depth: 1").replace(
        "n_estimators: 150", "n_estimators: 1"))
    before, after, changed = loop.commit("A stump")
    assert loop.started("ct", changed)
    pipeline, promote = loop.run_ct(before, after)
    assert pipeline.outputs["gate"] != "passed", job_log(pipeline)
    assert promote.status == "skipped"
    assert {n: (p.state, gh.state.branch_sha(p.head)) for n, p in gh.state.pulls.items()} == pulls_before

    # -- 7. Corrupted data fails the data tests: the pipeline stops, nothing is promoted.
    spec_path.write_text(spec_path.read_text().replace("max_depth: 1", "max_depth: 6").replace(
        "n_estimators: 1\n", "n_estimators: 150\n"))
    frame = pd.read_csv(train_csv)
    frame["leak"] = frame["benign"]  # the label copied into a feature
    pd.concat([frame, frame.iloc[:80]]).to_csv(train_csv, index=False)  # and duplicated rows
    test_csv = loop.work / "data" / "test.csv"
    test = pd.read_csv(test_csv)
    test["leak"] = test["benign"]
    test.to_csv(test_csv, index=False)
    before, after, changed = loop.commit("Corrupt the data")
    pipeline, promote = loop.run_ct(before, after)
    assert pipeline.status == "failure"
    assert pipeline.step("Data tests").outputs.get("result") == "failed"
    assert promote.status == "skipped"
    assert {n: (p.state, gh.state.branch_sha(p.head)) for n, p in gh.state.pulls.items()} == pulls_before
    failed = json.loads((loop.run_dir() / "data_tests.json").read_text())
    failing = {c["name"] for c in failed["checks"] if any(x["category"] == "FAIL" for x in c["conditions"])}
    assert {"DataDuplicates", "FeatureLabelCorrelation"} & failing, failing
