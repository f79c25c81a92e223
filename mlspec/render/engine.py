"""The jinja2 environment and rendering of one project's workflows.

Templates use `[[ ]]` / `[% %]` delimiters so GitHub's own `${{ }}` stays literal text, run in mlspec's
sandboxed environment (mlspec/templating.py: StrictUndefined), and put every value into YAML through `q`,
which emits a JSON string (valid YAML, so no spec value can change the document's structure).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from mlspec.render.project_plan import ProjectPlan
from mlspec.templating import GENERATED_MARKER, header_for, sandboxed

TEMPLATE_KINDS = ("ci", "ct", "cd", "monitor")
# Characters YAML treats as line breaks or that are invisible (C1 controls with DEL, U+2028, U+2029, the
# byte-order mark): always escaped as \uXXXX. One regular expression, not a loop per character: `q` runs
# for every value of every workflow.
_CONTROL = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")


def _escape_control(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _quote_control(text: str) -> str:
    return _CONTROL.sub(_escape_control, text) if _CONTROL.search(text) else text


def q(value: Any) -> str:
    return _quote_control(json.dumps(value if isinstance(value, str) else str(value), ensure_ascii=False))


@lru_cache(maxsize=4)
def environment(package: str = "mlspec.render") -> SandboxedEnvironment:
    """The environment of the workflow templates in ``package``'s templates/ folder (the code host's)."""
    return sandboxed(
        package, {"q": q, "rstrip": _rstrip}, variable=("[[", "]]"), block=("[%", "%]"), comment=("[#", "#]")
    )


def _rstrip(text: Any) -> str:
    return str(text).rstrip("\n")


@dataclass(frozen=True)
class RenderedFile:
    name: str  # file name inside the workflow folder
    text: str
    spec_path: str  # repository-relative path of the spec it came from


def header(plan: ProjectPlan) -> str:
    return header_for(plan.version, plan.spec_path)


def render_project(plan: ProjectPlan) -> list[RenderedFile]:
    kinds = [k for k in TEMPLATE_KINDS if k != "monitor" or plan.monitor_enabled]
    context = plan.template_context()
    files = []
    for kind in kinds:
        template = environment(plan.host.templates_package).get_template(f"{kind}.yml.j2")
        body = template.render(context)
        files.append(RenderedFile(plan.workflow_file(kind), header(plan) + body, plan.spec_path))
    return files


def spec_of_generated(text: str) -> str | None:
    """The spec path named in the header of a file mlspec generated, else None."""
    first = text.split("\n", 1)[0]
    if not first.startswith(GENERATED_MARKER + " "):
        return None
    rest = first[len(GENERATED_MARKER) + 1 :]
    _version, _, tail = rest.partition(" from ")
    spec, sep, _ = tail.partition(". Do not edit")
    return spec if sep else None
