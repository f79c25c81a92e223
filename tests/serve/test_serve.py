"""Real BentoML: build the Bento of the example with `mlspec build`, serve it with `mlspec serve` on
127.0.0.1, and check predictions, request validation, lineage labels and error messages."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import requests
import yaml

from tests.helpers import run_mlspec
from tests.serve.conftest import Built, Project, Server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

ROWS = 25


def _rows(project: Project, n: int = ROWS) -> list[dict]:
    return project.X_test.head(n).to_dict("records")


def test_predictions_equal_in_process_model(project: Project, server: Server) -> None:
    rows = _rows(project)
    expected = project.model.predict(project.X_test.head(ROWS)).tolist()
    response = requests.post(f"{server.url}/predict", json={"rows": rows}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == expected

    response = requests.post(f"{server.url}/predict_proba", json={"rows": rows}, timeout=30)
    assert response.status_code == 200, response.text
    expected_proba = project.model.predict_proba(project.X_test.head(ROWS))
    answer = response.json()  # per row: [{"label": class, "probability": p}, ...] in the model's class order
    assert [[c["label"] for c in row] for row in answer] == [[0, 1]] * ROWS
    probabilities = np.array([[c["probability"] for c in row] for row in answer])
    np.testing.assert_allclose(probabilities, expected_proba, rtol=0, atol=1e-12)


def _bad(project: Project) -> dict[str, tuple[object, str]]:
    good = _rows(project, 1)[0]
    renamed = dict(good)
    renamed["mean_radiuz"] = renamed.pop("mean_radius")
    wrong_type = {**good, "mean_texture": "fifteen"}
    missing = {k: v for k, v in good.items() if k != "worst_area"}
    return {
        "wrong column name": ({"rows": [renamed]}, "mean_radiuz"),
        "wrong type": ({"rows": [wrong_type]}, "mean_texture"),
        "missing column": ({"rows": [missing]}, "worst_area"),
        "empty list": ({"rows": []}, "at least 1"),
        "empty body": (None, "rows"),
        "rows not a list": ({"rows": good}, "rows"),
    }


@pytest.mark.parametrize(
    "case", ["wrong column name", "wrong type", "missing column", "empty list", "empty body", "rows not a list"]
)
@pytest.mark.parametrize("endpoint", ["predict", "predict_proba"])
def test_bad_requests_get_4xx_naming_the_problem(project: Project, server: Server, case: str, endpoint: str) -> None:
    body, named = _bad(project)[case]
    if body is None:
        response = requests.post(
            f"{server.url}/{endpoint}", data=b"", headers={"content-type": "application/json"}, timeout=30
        )
    else:
        response = requests.post(f"{server.url}/{endpoint}", json=body, timeout=30)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert named in response.text, response.text


def test_wrong_type_message_says_what_is_expected(project: Project, server: Server) -> None:
    body, _ = _bad(project)["wrong type"]
    response = requests.post(f"{server.url}/predict", json=body, timeout=30)
    assert response.status_code == 400
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["rows", 0, "mean_texture"]
    assert detail["msg"].strip()  # pydantic's words, passed through: where and that there is a message are ours


def test_build_output_and_lineage_labels(project: Project, built: Built) -> None:
    assert built.bento_tag.startswith("breast_cancer:")
    assert "service code: " in built.stdout and "service.py" in built.stdout
    name, version = built.bento_tag.split(":")
    bento_yaml = Path(os.environ["BENTOML_HOME"]) / "bentos" / name / version / "bento.yaml"
    info = yaml.safe_load(bento_yaml.read_text())
    labels = info["labels"]
    assert labels["project"] == "breast-cancer"
    assert labels["model_tag"] == project.tag
    assert labels["git_commit"] == "0123456789ab"
    assert labels["data_train"] == "xxh3_128:0123456789ab"
    assert labels["data_test"] == "xxh3_128:fedcba987654"
    assert labels["run_id"] == "20260101T000000000000Z-00001"
    assert [m["tag"] for m in info["services"][0]["models"]] == [project.tag]
    config = info["services"][0]["config"]
    assert config["traffic"] == {"timeout": 60} and config["workers"] == 1
    # offline build: nothing locked against an index, the minimal package list pinned
    bentofile = yaml.safe_load((built.service_file.parent / "bentofile.yaml").read_text())
    assert bentofile["python"]["lock_packages"] is False
    assert any(p.startswith("scikit-learn==") for p in bentofile["python"]["packages"])


def test_same_model_gives_byte_identical_service_code(project: Project, built: Built) -> None:
    first = {n: (built.service_file.parent / n).read_bytes() for n in ("service.py", "bentofile.yaml")}
    result = run_mlspec("build", str(project.spec), "--version", project.tag.split(":")[1])
    assert result.returncode == 0, result.stderr
    second = {n: (built.service_file.parent / n).read_bytes() for n in ("service.py", "bentofile.yaml")}
    assert first == second
    assert f"Bento {built.bento_tag} up to date" in result.stdout


def test_missing_model_error_names_the_tag(project: Project) -> None:
    result = run_mlspec("build", str(project.spec), "--version", "doesnotexist1234")
    assert result.returncode == 1
    assert "model breast-cancer:doesnotexist1234 (from --version) is not in the BentoML store" in result.stderr
    assert "mlspec run" in result.stderr and "bentoml models import" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_model_and_no_runs_says_how_to_get_one(project: Project, tmp_path: Path) -> None:
    assert not (project.root / ".mlspec" / "runs" / "latest").exists()  # the fixture project never ran
    result = run_mlspec("build", str(project.spec))
    assert result.returncode == 1
    assert "no model to build: no runs under" in result.stderr and "mlspec run" in result.stderr


def test_containerize_without_engine_is_a_clear_error(project: Project, tmp_path: Path) -> None:
    dead = f"unix://{tmp_path}/no-engine.sock"
    result = run_mlspec(
        "build", str(project.spec), "--version", project.tag, "--containerize", env={"DOCKER_HOST": dead}
    )
    assert result.returncode == 1
    assert f"error: no Docker engine reachable at {dead}: start Docker or set DOCKER_HOST" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_without_a_build_says_build_first(tmp_path: Path) -> None:
    from tests.helpers import copy_example

    root = copy_example("breast-cancer", tmp_path)
    spec = root / "mlproject.yaml"
    spec.write_text(spec.read_text().replace("service: breast_cancer", "service: never_built"))
    result = run_mlspec("serve", str(spec), "--port", "3999")
    assert result.returncode == 1
    assert "no Bento built for project breast-cancer (service never_built)" in result.stderr
    assert "mlspec build" in result.stderr
