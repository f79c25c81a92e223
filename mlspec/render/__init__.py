"""Spec -> GitHub Actions workflows (sandboxed jinja2 templates in render/templates/).

Importing this package stays light: jinja2, yaml and pydantic only (no pandas, sklearn,
deepchecks, bentoml, github3, docker), so `mlspec render` starts fast.
"""

from mlspec.render.engine import RenderedFile, render_project

__all__ = ["RenderedFile", "render_project"]
