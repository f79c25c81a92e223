"""A promotion (and a rollback) of an environment on Kubernetes changes the overlay's image digest together with
`deploy/<env>.yaml`, so merging it deploys that image and `mlspec render --check` stays clean."""

from __future__ import annotations

import yaml

from mlspec.deploy.images import record_image
from mlspec.promote.commands import promote_loaded
from mlspec.promote.rollback import rollback_command
from mlspec.spec import load_spec
from mlspec.state.deploy import parse_deployment
from tests.deploy.test_manifests import kustomize
from tests.github_standin import GitHubStandIn
from tests.helpers import git, run_cli
from tests.promote.conftest import PROJECT_DIR, gate_report, make_record

REGISTRY = "127.0.0.1:5055"
REPOSITORY = "acme/breast-cancer"
DIGEST_1 = "sha256:" + "1" * 64
DIGEST_2 = "sha256:" + "2" * 64
OVERLAY = f"{PROJECT_DIR}/deploy/k8s/staging/kustomization.yaml"
STAGING_FILE = f"{PROJECT_DIR}/deploy/staging.yaml"
BRANCH = "mlspec/promote/breast-cancer/staging"


def _on_kubernetes(project) -> None:
    """Staging runs on Kubernetes; the manifests are rendered and committed on main."""
    spec = project / "mlproject.yaml"
    data = yaml.safe_load(spec.read_text())
    data["serve"]["container"] = {"registry": REGISTRY, "repository": REPOSITORY}
    data["environments"][0]["kubernetes"] = {"namespace": "bc-staging", "replicas": 1}
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    assert run_cli("render", str(spec)).returncode == 0
    work = project.parents[1]
    git("add", "-A", cwd=work)
    git("commit", "-qm", "staging on Kubernetes", cwd=work)


def _promote_locally(project, tag: str, digest: str) -> None:
    record = make_record(project, tag)
    record_image(project, tag, f"{REGISTRY}/{REPOSITORY}@{digest}")  # what `mlspec build --containerize --push` records
    assert promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ={}) == 0


def _merge(project, branch: str) -> None:
    work = project.parents[1]
    git("merge", "-q", "--ff-only", branch, cwd=work)


def _deployed_image(project) -> str:
    (deployment,) = [r for r in kustomize(project / "deploy" / "k8s" / "staging") if r["kind"] == "Deployment"]
    return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])


def test_promotion_and_rollback_change_the_overlay_digest_with_the_deploy_file(project) -> None:
    _on_kubernetes(project)
    work = project.parents[1]
    _promote_locally(project, "breast-cancer:v1aaaa", DIGEST_1)
    changed = git("diff", "--name-only", f"main...{BRANCH}", cwd=work).splitlines()
    assert sorted(changed) == sorted([STAGING_FILE, OVERLAY, f"{PROJECT_DIR}/deploy/staging.card.md"])
    deployed = parse_deployment(git("show", f"{BRANCH}:{STAGING_FILE}", cwd=work), "x")
    assert deployed.image == f"{REGISTRY}/{REPOSITORY}@{DIGEST_1}"
    _merge(project, BRANCH)
    assert _deployed_image(project) == f"{REGISTRY}/{REPOSITORY}@{DIGEST_1}"
    check = run_cli("render", "--check", str(project / "mlproject.yaml"))
    assert check.returncode == 0, check.stdout

    _promote_locally(project, "breast-cancer:v2bbbb", DIGEST_2)
    _merge(project, BRANCH)
    assert _deployed_image(project) == f"{REGISTRY}/{REPOSITORY}@{DIGEST_2}"

    assert rollback_command(str(project / "mlproject.yaml"), "staging", environ={}) == 0
    _merge(project, "mlspec/rollback/breast-cancer/staging")
    assert parse_deployment((project / "deploy" / "staging.yaml").read_text(), "x").image.endswith(DIGEST_1)
    assert _deployed_image(project) == f"{REGISTRY}/{REPOSITORY}@{DIGEST_1}"
    assert run_cli("render", "--check", str(project / "mlproject.yaml")).returncode == 0


def test_promotion_through_github_writes_the_overlay(project, github_standin: GitHubStandIn) -> None:
    _on_kubernetes(project)
    work = project.parents[1]
    for path in git("ls-files", cwd=work).splitlines():
        if path.startswith(f"{PROJECT_DIR}/deploy/k8s/"):
            github_standin.state.put_file("main", path, (work / path).read_text())
    record = make_record(project, "breast-cancer:v1aaaa")
    record_image(project, record.model.tag, f"{REGISTRY}/{REPOSITORY}@{DIGEST_1}")  # type: ignore[union-attr]
    environ = github_standin.env(GITHUB_ACTOR="ci-bot", GITHUB_RUN_ID="77")
    assert (
        promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ=environ)
        == 0
    )
    overlay = github_standin.state.file_text(BRANCH, OVERLAY)
    assert overlay is not None and f"digest: {DIGEST_1}" in overlay
    assert overlay == (work / OVERLAY).read_text().replace(
        f"- name: {REGISTRY}/{REPOSITORY}\n", f"- name: {REGISTRY}/{REPOSITORY}\n  digest: {DIGEST_1}\n"
    )
    assert github_standin.violations == []


def test_an_environment_without_kubernetes_changes_only_the_deploy_file_and_card(project) -> None:
    work = project.parents[1]
    assert (
        promote_loaded(
            load_spec(project / "mlproject.yaml"), make_record(project), "staging", gate_report(True), environ={}
        )
        == 0
    )
    changed = git("diff", "--name-only", f"main...{BRANCH}", cwd=work).splitlines()
    assert sorted(changed) == sorted([STAGING_FILE, f"{PROJECT_DIR}/deploy/staging.card.md"])


def test_a_promotion_without_a_pushed_image_says_the_cluster_will_not_change(project, capsys) -> None:
    """No digest recorded for the model: the overlay stays as it is, so merging would leave the cluster on its old
    image. The reviewer is told first, in the body and on stderr, and the overlay is not claimed as committed."""
    _on_kubernetes(project)
    work = project.parents[1]
    record = make_record(project, "breast-cancer:v1aaaa")  # no `mlspec build --containerize --push` for it
    assert promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ={}) == 0
    out, err = capsys.readouterr()
    assert "warning: staging runs on Kubernetes, but no image of model breast-cancer:v1aaaa was pushed" in err
    assert OVERLAY not in out and f"committed {STAGING_FILE}" in out
    changed = git("diff", "--name-only", f"main...{BRANCH}", cwd=work).splitlines()
    assert OVERLAY not in changed
    body = (project / ".mlspec" / "promotions" / "staging" / "pr-body.md").read_text()
    first = body.split("## Promote", 1)[0]
    assert "> [!WARNING]" in first and "not the image the cluster runs" in first
