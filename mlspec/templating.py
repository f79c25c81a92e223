"""The one way mlspec makes a jinja2 environment for the files it generates (workflows, service code, Markdown tables).

Every template runs in a SandboxedEnvironment with StrictUndefined (a misspelt name is an error, not an
empty string), no HTML autoescaping and the same whitespace rules. Values reach generated text only
through a filter of the target language: `q` for YAML (render/engine.py), `py` and `doc` for Python
source (serve/codegen.py), `md` for Markdown table cells (mlspec/markdown.py), so no value from a spec or a
model can change the structure of the file.
"""

from __future__ import annotations

import json
import keyword
import math
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment


def sandboxed(
    package: str,
    filters: dict[str, Callable[..., Any]],
    variable: tuple[str, str] = ("{{", "}}"),
    block: tuple[str, str] = ("{%", "%}"),
    comment: tuple[str, str] = ("{#", "#}"),
) -> SandboxedEnvironment:
    """A sandboxed, strict environment loading the templates in ``package``'s `templates/` folder.

    ``variable``, ``block`` and ``comment`` are the delimiters, changed for templates of a language that
    uses `{{ }}` itself (GitHub's `${{ }}` in workflows)."""
    env = SandboxedEnvironment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        variable_start_string=variable[0],
        variable_end_string=variable[1],
        block_start_string=block[0],
        block_end_string=block[1],
        comment_start_string=comment[0],
        comment_end_string=comment[1],
    )
    env.filters.update(filters)
    return env


def _check_literal(value: Any, where: str) -> None:
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} has no Python literal")
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_literal(item, where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_literal(key, where)
            _check_literal(item, where)
        return
    raise ValueError(f"{where}: a value of type {type(value).__name__} is not written into generated code")


def py(value: Any) -> str:
    """``value`` as a Python literal (its repr), for str, int, finite float, bool, None and lists, tuples and
    dicts of them only: the repr of anything else could be code."""
    _check_literal(value, "py")
    return repr(value)


def doc(value: Any) -> str:
    """``value`` as text inside a `\"\"\"` docstring: quotes, backslashes and line breaks escaped (JSON escapes
    are Python escapes), so the docstring cannot end early; plain text is unchanged."""
    return json.dumps(str(value), ensure_ascii=False)[1:-1]


def identifier(value: Any) -> str:
    """``value`` as a Python name: refused unless it is already a valid identifier that is not a keyword."""
    text = str(value)
    if not text.isidentifier() or keyword.iskeyword(text):
        raise ValueError(f"identifier: {text!r} is not a Python name")
    return text
