"""serve.monitoring in the generated service: the request log's code and settings only when the spec asks
(the behaviour, served for real: tests/serve/test_serving_log.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from mlspec.serve import codegen
from mlspec.spec import load_spec
from mlspec.spec.serving_log import ServingLog
from tests.helpers import copy_example


def _source(tmp_path: Path, monitoring: ServingLog | None) -> str:
    loaded = load_spec(copy_example("breast-cancer", tmp_path) / "mlproject.yaml", check_files=False)
    spec = loaded.spec.model_copy(update={"serve": loaded.spec.serve.model_copy(update={"monitoring": monitoring})})
    info = codegen.ModelInfo(
        tag="proj:v1", loader=codegen.LOADER_PICKLABLE, features=["a"], dtypes={"a": "float"}, task="regression"
    )
    return codegen.generate(spec, info, []).files["service.py"]


def test_no_log_without_monitoring(tmp_path: Path) -> None:
    source = _source(tmp_path, None)
    assert "_RequestLog" not in source and "LOG_SINK" not in source and "self._log" not in source


def test_monitoring_writes_its_settings_as_literals(tmp_path: Path) -> None:
    source = _source(tmp_path, ServingLog(sample=0.25, sink="/var/log/serving"))
    tree = ast.parse(source)
    constants = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id.startswith("LOG_")
    }
    assert constants["LOG_SAMPLE"] == 0.25 and constants["LOG_SINK"] == "/var/log/serving"
    assert "self._log.add(rows, predictions)" in source
