"""mlspec's sandboxed jinja environment remembers which attributes of a type are safe (templating._Sandbox,
for speed): the sandbox refuses the same things on the first access and on every later one."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import pytest
from jinja2.sandbox import SecurityError

from mlspec.templating import sandboxed


@dataclass
class Item:
    name: str
    text: str = ""
    _secret: str = "hidden"


class Chameleon:
    """Claims to be a generator when ``pretend``: the sandbox hides a generator's `gi_frame`."""

    def __init__(self, pretend: bool) -> None:
        self.pretend = pretend
        self.gi_frame = "a value"

    @property  # type: ignore[misc]  # the point of the class: `__class__` answers per object
    def __class__(self) -> type:
        return types.GeneratorType if self.pretend else Chameleon


def _render(source: str, **context: Any) -> str:
    return sandboxed("mlspec", {}).from_string(source).render(**context)


def test_safe_attributes_render_and_private_ones_are_refused_every_time() -> None:
    env = sandboxed("mlspec", {})
    template = env.from_string("{{ item.name }}")
    private = env.from_string("{{ item.name }}{{ item._secret }}")
    for name in ("a", "b", "c"):
        assert template.render(item=Item(name)) == name
        with pytest.raises(SecurityError):
            private.render(item=Item(name))


def test_str_format_stays_sandboxed_after_the_attribute_is_known() -> None:
    env = sandboxed("mlspec", {})
    template = env.from_string("{{ item.text.format(item) }}")
    assert template.render(item=Item("x", text="{0.name}")) == "x"
    for _ in range(2):  # the second time through the remembered (type, attribute) path
        with pytest.raises(SecurityError):
            template.render(item=Item("x", text="{0._secret}"))


def test_an_object_that_can_claim_another_class_is_checked_every_time() -> None:
    env = sandboxed("mlspec", {})
    template = env.from_string("{{ obj.gi_frame }}")
    assert template.render(obj=Chameleon(pretend=False)) == "a value"
    with pytest.raises(SecurityError):
        template.render(obj=Chameleon(pretend=True))


def test_missing_attributes_stay_errors() -> None:
    env = sandboxed("mlspec", {})
    template = env.from_string("{{ item.name }}")
    assert template.render(item=Item("a")) == "a"
    with pytest.raises(Exception, match="has no attribute 'name'"):
        template.render(item={"other": 1})
