"""The Bento installs what the model needs to load and predict (issue 22 item 2.2): the project code a model
carries by value may import third-party packages, and those are pinned in bentofile.yaml like the model's
own class's distribution. Read from the pickle's opcodes (nothing is loaded)."""

from __future__ import annotations

import sys
import types
from importlib.metadata import version

import cloudpickle
from sklearn.linear_model import LogisticRegression

from mlspec.serve.bento import packages_for, pickled_modules
from mlspec.serve.codegen import LOADER_CLOUDPICKLE, ModelInfo

HELPER = """\
import json
import xxhash


class Digester:
    def predict(self, X):
        return [json.dumps(xxhash.xxh3_64_hexdigest(str(row).encode())) for row in X]
"""


def _helper_model() -> object:
    module = types.ModuleType("mlspec_probe_features")
    exec(compile(HELPER, "features.py", "exec"), module.__dict__)
    sys.modules[module.__name__] = module
    cloudpickle.register_pickle_by_value(module)  # what mlspec does with the project's modules
    try:
        return cloudpickle.loads(cloudpickle.dumps(module.Digester()))  # as loaded from the store
    finally:
        cloudpickle.unregister_pickle_by_value(module)
        del sys.modules[module.__name__]


def test_the_modules_a_pickle_needs_include_what_code_stored_by_value_imports() -> None:
    model = _helper_model()
    found = pickled_modules(cloudpickle.dumps([model, LogisticRegression()]))
    assert {"json", "xxhash", "sklearn.linear_model._logistic"} <= found
    assert "mlspec_probe_features" not in found  # stored by value: nothing to import


def test_the_bento_pins_the_distributions_the_project_code_imports() -> None:
    info = ModelInfo(tag="p:v1", loader=LOADER_CLOUDPICKLE, features=["a"], dtypes={"a": "float"}, task="binary")
    packages = packages_for(info, _helper_model())
    assert f"xxhash=={version('xxhash')}" in packages
    assert f"cloudpickle=={version('cloudpickle')}" in packages and f"numpy=={version('numpy')}" in packages
    assert not any(p.lower().startswith(("mlspec", "bentoml")) for p in packages)
