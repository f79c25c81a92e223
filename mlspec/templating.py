"""The one way mlspec makes a jinja2 environment for the files it generates (workflows, service code, Markdown tables).

Every template runs in a SandboxedEnvironment with StrictUndefined (a misspelt name is an error, not an
empty string), no HTML autoescaping and the same whitespace rules. Values reach generated text only
through a filter of the target language: `q` for YAML (render/engine.py), `py` and `doc` for Python
source (serve/codegen.py), `md` for Markdown table cells (mlspec/markdown.py), so no value from a spec or a
model can change the structure of the file.
"""

from __future__ import annotations

import inspect
import json
import keyword
import math
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

# Values that are never a bound `str.format` (the one kind of value the sandbox wraps on access).
_PLAIN_VALUES = frozenset({str, int, float, bool, type(None), list, tuple, dict})


def _plain_type(cls: type) -> bool:
    """Whether every instance of ``cls`` reports ``cls`` as its class: then `isinstance(obj, X)` is
    `issubclass(cls, X)`, and jinja2's `is_internal_attribute(obj, name)` depends on ``cls`` and the name
    only. A class that defines `__class__` or its own `__getattribute__` could answer per object (the
    built-in types' own `__getattribute__` cannot)."""
    return not any(
        "__class__" in vars(klass) or ("__getattribute__" in vars(klass) and klass.__module__ != "builtins")
        for klass in inspect.getmro(cls)
        if klass is not object
    )


class _Sandbox(SandboxedEnvironment):
    """jinja2's SandboxedEnvironment, with its attribute check remembered per (type, attribute name).

    The check (`is_safe_attribute`: no `_` names, none of the internal attributes of functions, methods,
    types, frames, code, generators and coroutines) depends only on the object's type and the name, but
    it runs for every `x.y` of every render: with 1,000 specs, 300,000 times. The answer is cached for
    types whose instances cannot claim another class (``_plain_type``); anything else is checked every
    time. Access itself is unchanged: the attribute is read from the object each time, a bound
    `str.format` is still wrapped, and an unsafe name is still an error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe: dict[tuple[type, str], bool] = {}
        self._plain: dict[type, bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        cls = type(obj)
        known = self._safe.get((cls, attr))
        if known is not None:
            return known
        safe = super().is_safe_attribute(obj, attr, value)
        plain = self._plain.get(cls)
        if plain is None:
            plain = self._plain[cls] = _plain_type(cls)
        if plain:
            self._safe[(cls, attr)] = safe
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        # The fast path for an attribute already known to be safe on this type; everything else
        # (a first access, an unsafe name, a missing attribute) goes through jinja2's own getattr.
        if self._safe.get((type(obj), attribute)):
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                pass
            else:
                if type(value) in _PLAIN_VALUES:
                    return value
                wrapped = self.wrap_str_format(value)
                return value if wrapped is None else wrapped
        return super().getattr(obj, attribute)


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
    env = _Sandbox(
        loader=jinja2.PackageLoader(package, "templates"),
        auto_reload=False,  # templates ship with mlspec: compiled once per process, no stat per render
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


GENERATED_MARKER = "# Generated by mlspec"


def header_for(version: str, spec_path: str) -> str:
    """The first lines of every file `mlspec render` writes (workflows and Kubernetes manifests)."""
    return (
        f"{GENERATED_MARKER} {version} from {spec_path}. Do not edit this file:\n"
        f"# change the spec and regenerate it with `mlspec render {spec_path}`\n"
        f"# (`mlspec render --check` fails when this file differs from what the spec renders to).\n"
    )
