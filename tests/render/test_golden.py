from __future__ import annotations

from tests.golden import rendered, stored


def test_breast_cancer_workflows_match_the_golden_files() -> None:
    new, old = rendered(), stored()
    assert sorted(new) == sorted(old), "run `python -m tests.golden --update` (make golden) and review the diff"
    for name in new:
        assert new[name].encode("utf-8") == old[name].encode("utf-8"), (
            f"{name} differs from tests/golden/breast-cancer/{name}: review the change, then run "
            "`python -m tests.golden --update` (make golden)"
        )
