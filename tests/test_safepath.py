"""The one path guard (mlspec/safepath.py): every path read from a spec, deploy file, record or
artifact reference is resolved (symlinks first) and refused when it leaves its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.safepath import PathEscapeError, inside, safe_name
from mlspec.spec.validate import check_file


def test_inside_accepts_a_path_below_the_base(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    assert inside(tmp_path, "data/x.csv", key="data.train") == (tmp_path / "data" / "x.csv").resolve()


@pytest.mark.parametrize("value", ["../x.csv", "data/../../x.csv", "/etc/passwd"])
def test_inside_refuses_a_path_that_leaves(tmp_path: Path, value: str) -> None:
    with pytest.raises(PathEscapeError) as caught:
        inside(tmp_path, value, key="model.artifact", where="deploy/prod.yaml")
    assert str(caught.value).startswith(f"deploy/prod.yaml: model.artifact: {value!r} leads outside the project folder")


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n")
    project = tmp_path / "p"
    project.mkdir()
    (project / "train.csv").symlink_to(outside)
    with pytest.raises(PathEscapeError, match="data.train: 'train.csv' leads outside the repository"):
        inside(project, "train.csv", key="data.train", boundary_name="the repository")


@pytest.mark.parametrize("value", ["", ".", "..", "../../../tmp/x", "a/b", "a\\b"])
def test_safe_name_refuses_anything_but_one_segment(value: str) -> None:
    with pytest.raises(PathEscapeError, match="run_id: .* is not a plain name"):
        safe_name(value, key="run_id")


def test_validate_refuses_a_data_symlink_out_of_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "data").mkdir()
    (repo / "src").mkdir()
    (repo / "src" / "train.py").write_text("def train(X, y, params):\n    return None\n")
    secret = tmp_path / "secret.csv"
    secret.write_text("a,y\n1,0\n")
    (repo / "data" / "train.csv").symlink_to(secret)
    (repo / "mlproject.yaml").write_text(
        "apiVersion: mlspec/v1\nname: churn\ndata:\n  train: data/train.csv\n  label: y\n"
        "train:\n  entrypoint: src/train.py:train\nevaluate:\n  task: binary\n"
    )
    result = check_file(repo / "mlproject.yaml")
    assert [(i.key, i.line, i.message) for i in result.issues] == [
        ("data.train", 4, "'data/train.csv' leads outside the repository")
    ]


def test_a_glob_into_a_sibling_folder_of_the_repository_is_fine(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    project = repo / "services" / "x"
    (project / "data").mkdir(parents=True)
    (project / "data" / "train.csv").write_text("a,y\n1,0\n")
    (project / "mlproject.yaml").write_text(
        "apiVersion: mlspec/v1\nname: churn\ndata:\n  train: data/train.csv\n  label: y\n"
        "train:\n  command: python t.py\nevaluate:\n  task: binary\n"
        "triggers:\n  paths:\n    code: ['../../libs/common/**']\n"
    )
    assert check_file(project / "mlproject.yaml").issues == []
