from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli


def test_init_scaffolds_a_valid_project(tmp_path: Path) -> None:
    target = tmp_path / "Churn Model"
    result = run_cli("init", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"created project 'churn-model' in {target}\n")
    assert (target / "data" / "train.csv").stat().st_size > 1000
    validated = run_cli("validate", str(target / "mlproject.yaml"))
    assert (validated.returncode, validated.stdout) == (0, "ok: 1 spec valid\n")


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "mlproject.yaml").write_text("mine\n")
    result = run_cli("init", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {tmp_path}: would overwrite mlproject.yaml\n"
        "  hint: run `mlspec init` in an empty folder, or move those files away first\n"
    )
    assert (tmp_path / "mlproject.yaml").read_text() == "mine\n"
    assert not (tmp_path / "src").exists()
