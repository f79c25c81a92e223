"""Images by digest for Kubernetes (issue 26), for real: `mlspec build --containerize --push` pushes to a real
OCI registry on 127.0.0.1 (Debian's docker-registry, scripts/oci-registry.sh) and records the digest; the image
is pulled back by digest; the deploy file names it, `mlspec render` writes the overlay, and the exact image the
rendered Deployment names runs in the Docker engine as the manifest runs it (command, args, env, port, user,
read-only root with the emptyDir as tmpfs, no capabilities): its readiness probe passes, /predict equals the
in-process predictions, and /metrics exports the series the canary analysis queries."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlspec.deploy.images import recorded_image
from mlspec.state.deploy import DeployedModel, Deployment, dump_deployment
from tests.deploy.test_manifests import kustomize
from tests.helpers import run_mlspec
from tests.oci_registry import registry_address
from tests.serve.conftest import Project
from tests.serve.test_container import BASE_IMAGE, _base_image, engine  # noqa: F401 - the engine fixture

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.xdist_group("serve"), pytest.mark.timeout(2400)]

REPOSITORY = "mlspec-test/breast-cancer-k8s"


@pytest.fixture
def registry() -> str:
    """A registry on 127.0.0.1, left running for the other workers (tests/shared_daemons.py)."""
    return registry_address()


def _docker(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=timeout)


def docker_run_argv(deployment: dict[str, Any], name: str) -> list[str]:
    """`docker run` of the Deployment's container as the kubelet would start it: its image, command, args, env,
    port, user and group, read-only root file system, dropped capabilities and its emptyDir volumes."""
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    security = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    argv = ["run", "-d", "--name", name, "--user", f"{security['runAsUser']}:{security['runAsGroup']}"]
    if security.get("readOnlyRootFilesystem"):
        argv.append("--read-only")
    if security.get("allowPrivilegeEscalation") is False:
        argv += ["--security-opt", "no-new-privileges"]
    for capability in security.get("capabilities", {}).get("drop", []):
        argv += ["--cap-drop", capability]
    for mount in container.get("volumeMounts", []):
        assert "emptyDir" in volumes[mount["name"]], f"volume {mount['name']} is not an emptyDir"
        group = pod["securityContext"].get("fsGroup", security["runAsGroup"])
        argv += ["--tmpfs", f"{mount['mountPath']}:rw,exec,mode=1777,uid={security['runAsUser']},gid={group}"]
    for item in container.get("env", []):
        argv += ["-e", f"{item['name']}={item['value']}"]
    # the pod's own network namespace, nothing published: the probes and requests run inside it (`docker exec`)
    argv += ["--network", "none"]
    command = container.get("command", [])
    if command:
        argv += ["--entrypoint", command[0]]
    return [*argv, container["image"], *command[1:], *container.get("args", [])]


def _spec_text(project: Project, registry: str) -> str:
    spec = yaml.safe_load(project.spec.read_text("utf-8"))
    spec["serve"]["container"] = {"base_image": BASE_IMAGE, "registry": registry, "repository": REPOSITORY}
    spec["environments"][0]["kubernetes"] = {"namespace": "breast-cancer-staging", "replicas": 1}
    return yaml.safe_dump(spec, sort_keys=False)


HTTP_IN_CONTAINER = """
import json, sys, urllib.request, urllib.error
port, path, body = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None
request = urllib.request.Request(
    f"http://127.0.0.1:{port}{path}", data=body.encode() if body else None,
    headers={"content-type": "application/json"} if body else {},
)
try:
    with urllib.request.urlopen(request, timeout=60) as answer:
        print(json.dumps({"status": answer.status, "text": answer.read().decode()}))
except urllib.error.HTTPError as error:
    print(json.dumps({"status": error.code, "text": error.read().decode()}))
except OSError as error:
    print(json.dumps({"status": 0, "text": str(error)}))
"""


def http(name: str, port: int, path: str, env: dict[str, str], body: str | None = None) -> tuple[int, str]:
    """An HTTP request from inside the container's network namespace (as the kubelet's probes reach the pod)."""
    argv = ["exec", name, "python", "-c", HTTP_IN_CONTAINER, str(port), path, *([body] if body else [])]
    result = _docker(*argv, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return int(answer["status"]), str(answer["text"])


def _wait_ready(name: str, port: int, path: str, env: dict[str, str], timeout: float = 180) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        state = _docker("inspect", "-f", "{{.State.Running}}", name, env=env).stdout.strip()
        if state != "true":
            logs = _docker("logs", name, env=env)
            raise AssertionError(f"the container stopped before ready:\n{(logs.stdout + logs.stderr)[-3000:]}")
        if http(name, port, path, env)[0] == 200:
            return
        time.sleep(1)
    logs = _docker("logs", name, env=env)
    raise AssertionError(f"{path} not ready within {timeout} s:\n{(logs.stdout + logs.stderr)[-3000:]}")


def test_pushed_image_runs_as_the_deployment_names_it(
    project: Project,
    tmp_path: Path,
    engine: str,  # noqa: F811 - the engine fixture of test_container
    registry: str,
) -> None:
    env = {**os.environ, "DOCKER_HOST": engine}
    _base_image(env)
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for folder in ("data", "src"):
        (root / folder).symlink_to(project.root / folder)
    spec = root / "mlproject.yaml"
    spec.write_text(_spec_text(project, registry), "utf-8")

    built = run_mlspec(
        "build",
        str(spec),
        "--version",
        project.tag,
        "--containerize",
        "--push",
        env={"DOCKER_HOST": engine},
        timeout=1800,
    )
    assert built.returncode == 0, built.stderr + built.stdout
    tagged = f"{registry}/{REPOSITORY}:{project.tag.split(':')[1]}"
    line = next(t for t in built.stdout.splitlines() if t.startswith(f"image {tagged} pushed as "))
    reference = line.rsplit(" ", 1)[1]
    assert reference.startswith(f"{registry}/{REPOSITORY}@sha256:") and len(reference.split("@sha256:")[1]) == 64
    assert recorded_image(root, project.tag) == reference
    name = f"mlspec-k8s-{os.getpid()}"
    try:
        # the registry has it by digest: gone locally, pulled back by digest
        _docker("image", "rm", "-f", tagged, env=env)
        pulled = _docker("pull", reference, env=env)
        assert pulled.returncode == 0, pulled.stderr
        digests = json.loads(_docker("image", "inspect", reference, "-f", "{{json .RepoDigests}}", env=env).stdout)
        assert reference in digests

        # what a promotion writes (mlspec promote takes the image from the same record), then render
        version = project.tag.split(":")[1]
        deployment = Deployment(
            project="breast-cancer",
            environment="staging",
            model=DeployedModel(tag=project.tag, version=version),
            image=recorded_image(root, project.tag),
        )
        (root / "deploy").mkdir()
        (root / "deploy" / "staging.yaml").write_text(dump_deployment(deployment), "utf-8")
        rendered = run_mlspec("render", str(spec))
        assert rendered.returncode == 0, rendered.stderr
        (manifest,) = [r for r in kustomize(root / "deploy" / "k8s" / "staging") if r["kind"] == "Deployment"]
        assert manifest["spec"]["template"]["spec"]["containers"][0]["image"] == reference

        started = _docker(*docker_run_argv(manifest, name), env=env)
        assert started.returncode == 0, started.stderr
        container = manifest["spec"]["template"]["spec"]["containers"][0]
        (port,) = [p["containerPort"] for p in container["ports"] if p["name"] == "http"]
        _wait_ready(name, port, container["readinessProbe"]["httpGet"]["path"], env)
        assert http(name, port, container["livenessProbe"]["httpGet"]["path"], env)[0] == 200

        rows = project.X_test.head(20)
        body = json.dumps({"rows": json.loads(rows.to_json(orient="records"))})
        status, text = http(name, port, "/predict", env, body)
        assert status == 200, text[:500]
        assert json.loads(text) == project.model.predict(rows).tolist()

        # the series the canary's AnalysisTemplate queries exist under the labels it filters on
        status, metrics = http(name, port, "/metrics", env)
        assert status == 200
        assert any(
            m.startswith("bentoml_service_request_total{")
            and 'endpoint="/predict"' in m
            and 'http_response_code="200"' in m
            for m in metrics.splitlines()
        ), metrics[:2000]
        assert any(
            m.startswith("bentoml_service_request_duration_seconds_bucket{") and 'endpoint="/predict"' in m
            for m in metrics.splitlines()
        )
    finally:
        _docker("rm", "-f", name, env=env)
        _docker("image", "rm", "-f", reference, tagged, env=env)
