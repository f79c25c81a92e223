"""The model store on a real Actions runner engine (act, host mode), end to end, with the GitHub stand-in.

The example with an S3 store (moto's server on 127.0.0.1; the read and write credentials reach act as repository
secrets): a maintainer pushes a run from a laptop; CI on a pull request that changes only the gates reuses every
stage from the store (no training, no tests); CT on the default branch after the merge reuses them too, pushes and
opens the promotion pull request naming the model by store + digest; after a second model is promoted and the CT
run's artifact is gone from the stand-in, a rollback to the first model is merged and CD builds it from the store.

A corpus project with a folder store: CT trains cold, pushes to the folder and opens the promotion pull request;
with that CT run's artifact deleted, CD builds the promoted model from the folder store.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.acceptance.act.runner import ActResult, pull_request_merge
from tests.acceptance.act.store_repo import READ, WRITE, Repo, on_standin, open_pull
from tests.acceptance.corpus.projects import write_project
from tests.helpers import copy_example, git
from tests.moto_s3 import moto_s3_bucket, s3_client

# Own xdist groups (not "act"): make test runs them beside the other act tests, on the other worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act-store")]

BUCKET = "models"
STAGES = ("data tests", "train", "evaluate", "model tests")


def _run_id(output: str) -> str:
    return output.split("\nrun ")[1].split(":")[0] if "\nrun " in output else output.split("run ", 1)[1].split(":")[0]


def _push(repo: Repo, before: str, after: str) -> dict:
    """GitHub's push event to main (with the repository's default branch: CT's push step runs only there)."""
    repository = {"full_name": repo.gh.repository, "default_branch": "main"}
    return {"ref": "refs/heads/main", "before": before, "after": after, "repository": repository}


def _tail(result: ActResult) -> str:
    return result.log[-6000:]


def _cd_build_staging(repo: Repo, before: str, after: str) -> ActResult:
    """CD on the push ``before`` -> ``after`` to main: its staging build job (and the `changes` job it needs; not
    the production promotion after it), with a BentoML store of its own."""
    push = _push(repo, before, after)
    return repo.run("push", push, "cd", job="build-staging", env={"BENTOML_HOME": str(repo.act.base / "cd-bentoml")})


# ---------------------------------------------------------------------------------------------- the example, S3


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    with moto_s3_bucket(BUCKET) as env:
        yield env


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory, s3: dict[str, str]) -> Iterator[Repo]:
    store = {"url": f"s3://{BUCKET}/breast-cancer", "credentials": WRITE, "read_credentials": READ}
    endpoint = {k: v for k, v in s3.items() if k in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION")}
    base = tmp_path_factory.mktemp("act-store-s3")
    write = lambda target: copy_example("breast-cancer", target)  # noqa: E731
    with on_standin(base, "breast-cancer", write, store, endpoint, _local_keys(s3)) as repo:
        yield repo


def _local_keys(s3: dict[str, str]) -> dict[str, str]:
    """The maintainer's own credentials (in act, the jobs get theirs from the secrets)."""
    return {k: v for k, v in s3.items() if k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}


@dataclass
class Seeded:
    run_id: str
    commit: str


@pytest.fixture(scope="module")
def seeded(example: Repo) -> Seeded:
    """A maintainer's run on main, pushed to the store from the laptop (the other writer docs/security.md allows);
    then the laptop's state is gone, so nothing reused below can come from it."""
    first = example.mlspec("run")
    assert "train ... passed in" in first
    pushed = example.mlspec("push")
    assert "pushed run" in pushed
    shutil.rmtree(example.work / ".mlspec")
    return Seeded(_run_id(first), git("rev-parse", "HEAD", cwd=example.work))


def _reused_lines(log: str, seeded: Seeded) -> dict[str, bool]:
    origin = f"reused from run {seeded.run_id} (commit {seeded.commit[:12]}) in the store"
    return {stage: f"{stage} ... {origin}" in log for stage in STAGES}


def test_ci_on_a_pull_request_changing_only_the_gates_reuses_every_stage_from_the_store(
    example: Repo, seeded: Seeded
) -> None:
    work = example.work
    git("checkout", "-q", "-b", "gates", "main", cwd=work)
    spec_path = work / "mlproject.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["gates"][0]["min"] = 0.94
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    git("commit", "-qam", "a gate's floor", cwd=work)
    pull_request_merge(work, "gates")
    number = open_pull(example.gh, "gates", "Lower a gate's floor")
    event = {"number": number, "pull_request": {"number": number, "head": {"ref": "gates"}, "base": {"ref": "main"}}}
    ci = example.run("pull_request", event, "ci")
    assert ci.returncode == 0, _tail(ci)
    assert _reused_lines(ci.log, seeded) == dict.fromkeys(STAGES, True), _tail(ci)
    assert "passed in" not in ci.log  # no stage computed: no training, no data or model tests
    comments = example.gh.state.comments_on(number)
    assert len(comments) == 1 and f"train: reused from run {seeded.run_id}" in comments[0].body
    assert "mlspec push" not in ci.log  # a pull request only reads

    git("checkout", "-q", "main", cwd=work)
    git("merge", "-q", "--no-ff", "-m", f"Merge pull request #{number}", "gates", cwd=work)
    example.gh.state.pulls[number].state = "closed"
    example.sync_main(f"Merge pull request #{number}")


@pytest.mark.timeout(1800)
def test_ct_after_the_merge_reuses_pushes_and_the_rollback_builds_from_the_store(
    example: Repo, seeded: Seeded, s3: dict[str, str]
) -> None:
    gh, work = example.gh, example.work
    head = git("rev-parse", "HEAD", cwd=work)
    ct = example.run("push", _push(example, head, head), "ct", run_id=5151)
    assert ct.returncode == 0, _tail(ct)
    assert _reused_lines(ct.log, seeded) == dict.fromkeys(STAGES, True), _tail(ct)
    assert "train: inputs " in ct.log and "already in the store" in ct.log  # `mlspec push` on the default branch
    [pull] = gh.state.open_pulls()
    assert pull.head == "mlspec/promote/breast-cancer/staging"
    v1 = example.merge_promotion(pull)["model"]
    assert v1["store"] == f"s3://{BUCKET}/breast-cancer" and v1["digest"].startswith("sha256:")
    assert v1["artifact"].startswith("gh-artifact:5151/")
    client = s3_client(s3)
    hexdigest = v1["digest"].removeprefix("sha256:")
    client.head_object(Bucket=BUCKET, Key=f"breast-cancer/blobs/sha256/{hexdigest[:2]}/{hexdigest}")

    # a maintainer promotes a second model (a laptop run: trains, pushes, promotes, merges)
    spec_path = work / "mlproject.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["train"]["params"]["n_estimators"] = 40
    spec["gates"][1]["min_delta"] = -1.0  # whatever its f1 against the champion: this test is about the store
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    git("commit", "-qam", "fewer trees", cwd=work)
    second = example.mlspec("run")
    assert "train ... passed in" in second and "data tests ... reused from run" in second
    example.mlspec("push")
    example.mlspec("promote", "--env", "staging")
    git("merge", "-q", "--no-ff", "-m", "Merge the promotion", "mlspec/promote/breast-cancer/staging", cwd=work)
    v2 = yaml.safe_load((work / "deploy" / "staging.yaml").read_text())["model"]
    assert v2["tag"] != v1["tag"]

    # CT's artifact has expired: the stand-in has nothing for run 5151; roll back to v1, merge, CD builds it
    shutil.rmtree(example.act.artifacts / "5151")
    shutil.rmtree(work / ".mlspec")
    example.mlspec("rollback", "--env", "staging", "--to", v1["version"])
    git("merge", "-q", "--no-ff", "-m", "Merge the rollback", "mlspec/rollback/breast-cancer/staging", cwd=work)
    assert yaml.safe_load((work / "deploy" / "staging.yaml").read_text())["model"]["digest"] == v1["digest"]
    merged = example.sync_main("Merge the rollback")
    cd = _cd_build_staging(example, head, merged)
    assert cd.returncode == 0, _tail(cd)
    assert f"imported model {v1['tag']} from" in cd.log and ".mlspec/cache/store/" in cd.log, _tail(cd)
    assert f"built for model {v1['tag']}" in cd.log, _tail(cd)


# ---------------------------------------------------------------------------------------------- a corpus project


CORPUS = "wine-lots"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Repo, Path]]:
    base = tmp_path_factory.mktemp("act-store-folder")
    folder = base / "model-store"
    write = lambda target: write_project(CORPUS, target / CORPUS)  # noqa: E731
    with on_standin(base, CORPUS, write, str(folder), {}, {}) as repo:
        yield repo, folder


@pytest.mark.timeout(1800)
@pytest.mark.xdist_group("folder")  # with the module's: a group of its own, not waiting for the S3 loop's worker
def test_a_corpus_project_with_a_folder_store_ct_pushes_and_cd_builds_from_it(corpus: tuple[Repo, Path]) -> None:
    repo, folder = corpus
    head = git("rev-parse", "HEAD", cwd=repo.work)
    ct = repo.run("push", _push(repo, head, head), "ct", run_id=6161)
    assert ct.returncode == 0, _tail(ct)
    assert "train ... passed in" in ct.log  # a cold store: trained here
    assert "pushed run " in ct.log and "file(s) uploaded" in ct.log
    [pull] = repo.gh.state.open_pulls()
    model = repo.merge_promotion(pull)["model"]
    assert model["store"] == str(folder)
    blob = folder / "blobs" / "sha256" / model["digest"][7:9] / model["digest"][7:]
    assert blob.is_file()

    shutil.rmtree(repo.act.artifacts / "6161")  # the CT run's artifact has expired
    merged = git("rev-parse", "HEAD", cwd=repo.work)
    cd = _cd_build_staging(repo, head, merged)
    assert cd.returncode == 0, _tail(cd)
    assert f"imported model {model['tag']} from" in cd.log and ".mlspec/cache/store/" in cd.log, _tail(cd)
    assert f"built for model {model['tag']}" in cd.log, _tail(cd)
