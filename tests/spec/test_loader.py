"""The spec loader builds the data of an alias-free file in one pass (loader._build) and reads key positions
from the node tree only when an error message needs them. Whatever the file, the result is the one the
two-pass way gives (record positions and check, then PyYAML's constructor): same data, same positions, same
error, message and place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlspec.spec import loader
from tests.helpers import EXAMPLES

TEXTS = {
    "merge key inline": "c:\n  <<: {b: 1}\n  d: 2\n",
    "merge key with alias": "a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n",
    "tagged and implicit scalars": (
        "a: !!str 12\nb: !!int '7'\nc: 2020-01-01\nd: !!binary aGVsbG8=\ne: ~\nf: 1.5e3\ng: yes\nh: 0x1F\n"
    ),
    "keys that are not strings": "1: a\n01: b\n? !!str 3\n: c\ntrue: d\n~: e\n",
    "set and omap": "a: !!set {x, y}\nb: !!omap [{a: 1}]\n",
    "value key": "a:\n  =: 3\n",
    "value tag as a value": "a: =\n",
    "unknown tag, then duplicate key": "a: !foo bar\nb: [1, {x: y, x: z}]\n",
    "duplicate key, then unknown tag": "a: {x: 1, x: 2}\nb: !foo bar\n",
    "unknown tag only": "a: 1\nb: !foo bar\n",
    "key that is a list": "? [a]\n: 1\n",
    "deep block nesting": "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v: 1\n",
    "nested duplicate in a list": "a:\n  b: 1\n  c:\n    - {d: 1, d: 2}\n",
}


def _outcome(text: str) -> tuple[Any, ...]:
    try:
        doc = loader.parse_text(Path("mlproject.yaml"), text)
    except loader.YamlProblem as problem:
        return ("problem", problem.message, problem.position, problem.kind)
    return ("ok", repr(doc.data), doc.key_positions, doc.value_positions)


def _two_pass(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[Any, ...]:
    def refuse(*_args: Any) -> Any:
        raise loader._Unusual

    with monkeypatch.context() as patch:
        patch.setattr(loader, "_build", refuse)
        return _outcome(text)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_one_pass_and_two_pass_loading_agree(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    text = TEXTS[name]
    assert _outcome(text) == _two_pass(monkeypatch, text)


def test_the_examples_load_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    specs = sorted(EXAMPLES.glob("*/mlproject.yaml"))
    assert specs
    for spec in specs:
        text = spec.read_text(encoding="utf-8")
        one = _outcome(text)
        assert one[0] == "ok" and one[2], spec
        assert one == _two_pass(monkeypatch, text), spec
