"""mlspec/render/project_plan.py: what the workflow templates are given. The CT workflow's servability step is
named and chosen from the `serving` stage's description (mlspec/stages.py), not written in the template."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mlspec import stages
from mlspec.render.engine import render_project
from mlspec.render.project_plan import plan_project
from mlspec.spec import load_spec
from tests.render.specs import BASE, write_repo


def _ct(root: Path) -> str:
    spec = root / "mlproject.yaml"
    files = render_project(plan_project(load_spec(spec, check_files=False).spec, spec, root))
    return next(f.text for f in files if f.name.endswith("-ct.yml"))


def test_the_ct_servability_step_reads_the_stage_description(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_repo(tmp_path, {"mlproject.yaml": BASE})
    ct = _ct(tmp_path)
    assert "      - name: Servability check (build, serve on 127.0.0.1, compare, time)\n" in ct  # as before
    assert '"$/actions/test-serving"' in ct or "/actions/test-serving@" in ct

    serving = dataclasses.replace(stages.BY_NAME["serving"], title="serving check", summary="x", action="serve-it")
    monkeypatch.setitem(stages.BY_NAME, "serving", serving)
    ct = _ct(tmp_path)
    assert "      - name: Serving check (x)\n" in ct and "/actions/serve-it" in ct and "test-serving" not in ct
