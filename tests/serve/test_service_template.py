"""service.py comes from templates/service.py.j2 in mlspec's sandboxed jinja environment: every value from the
spec or the model reaches the code as a Python literal (`py`), docstring text (`doc`) or a checked name
(`identifier`), so no project name, column or file name can change the code's structure. Pure text: no BentoML."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from mlspec.serve import codegen
from mlspec.spec import load_spec
from mlspec.templating import doc, identifier, py
from tests.helpers import copy_example

HOSTILE = [
    '"""',
    "'''",
    "a'b\"c",
    "back\\slash\\N{x}",
    "nl\nx",
    "{{ x }}",
    "{% if %}",
    "[[ y ]]",
    "\u2028",
    "# c",
    "x)\nimport os",
]


def _constants(source: str) -> dict[str, Any]:
    """The module-level constants of the generated service, read back with ast (nothing runs)."""
    tree = ast.parse(source)
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()
    }


@pytest.mark.parametrize("dtype", ["float", "str"])
def test_hostile_values_stay_values(tmp_path: Path, dtype: str) -> None:
    loaded = load_spec(copy_example("breast-cancer", tmp_path) / "mlproject.yaml", check_files=False)
    spec = loaded.spec.model_copy(update={"name": 'p"""\\n'})  # past validation: the template must hold anyway
    info = codegen.ModelInfo(
        tag="proj:v1",
        loader=codegen.LOADER_CLOUDPICKLE,
        features=HOSTILE,
        dtypes=dict.fromkeys(HOSTILE, dtype),
        task="binary",
        classes=HOSTILE[:3],
        model_file='m"""\'.pkl',
        metadata={"missing": HOSTILE[::2], "example": dict.fromkeys(HOSTILE, "v" if dtype == "str" else 1.5)},
    )
    source = codegen.generate(spec, info, []).files["service.py"]
    tree = ast.parse(source)
    assert f"of project {spec.name!r}." in str(ast.get_docstring(tree))
    constants = _constants(source)
    assert (
        constants["FEATURES"] == HOSTILE
        and constants["CLASSES"] == HOSTILE[:3]
        and constants["OPTIONAL"] == HOSTILE[::2]
    )
    assert constants["EXAMPLE"] == dict.fromkeys(HOSTILE, "v" if dtype == "str" else 1.5)
    assert "'m\"\"\"\\'.pkl'" in source
    row = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Row")
    aliases = [
        kw.value.value
        for node in row.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Call)
        for kw in node.value.keywords
        if kw.arg == "alias" and isinstance(kw.value, ast.Constant)
    ]
    assert aliases == HOSTILE
    assert not any(
        isinstance(node, (ast.Import, ast.ImportFrom)) and any(a.name == "os" for a in node.names)
        for node in ast.walk(tree)
    )


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    loaded = load_spec(copy_example("breast-cancer", tmp_path) / "mlproject.yaml", check_files=False)
    info = codegen.ModelInfo(
        tag="proj:v1",
        loader=codegen.LOADER_PICKLABLE,
        features=["a", "b"],
        dtypes={"a": "float", "b": "int"},
        task="regression",
    )
    first = codegen.generate(loaded.spec, info, []).files
    assert codegen.generate(loaded.spec, info, []).files == first
    source = first["service.py"]
    assert source.endswith("        return self.model.predict(_frame(rows)).tolist()\n")
    assert "{{" not in source and "{%" not in source and "predict_proba" not in source


def test_py_writes_only_literals() -> None:
    assert py(["a'\"", 1, 2.5, True, None, {"k": (1,)}]) == repr(["a'\"", 1, 2.5, True, None, {"k": (1,)}])
    for value, message in (
        (object(), "a value of type object is not written into generated code"),
        (float("nan"), "nan has no Python literal"),
        ([float("inf")], "inf has no Python literal"),
    ):
        with pytest.raises(ValueError) as caught:
            py(value)
        assert str(caught.value) == f"py: {message}"


def test_doc_keeps_a_docstring_closed_and_identifier_refuses_what_is_not_a_name() -> None:
    assert doc("breast-cancer:v1") == "breast-cancer:v1"
    text = 'a"""b\\c\nd'
    assert ast.literal_eval(f'"""{doc(text)}"""') == text
    assert identifier("col0_x") == "col0_x"
    for bad in ("class", "1st", "a b", ""):
        with pytest.raises(ValueError) as caught:
            identifier(bad)
        assert str(caught.value) == f"identifier: {bad!r} is not a Python name"


def test_metadata_without_a_python_literal_is_a_serve_error(tmp_path: Path) -> None:
    from mlspec.errors import ServeError

    loaded = load_spec(copy_example("breast-cancer", tmp_path) / "mlproject.yaml", check_files=False)
    info = codegen.ModelInfo(
        tag="proj:v1",
        loader=codegen.LOADER_PICKLABLE,
        features=["a"],
        dtypes={"a": "float"},
        task="binary",
        classes=[0.0, float("nan")],
    )
    with pytest.raises(ServeError) as caught:
        codegen.generate(loaded.spec, info, [])
    assert caught.value.message == "model proj:v1 (metadata): py: nan has no Python literal"
