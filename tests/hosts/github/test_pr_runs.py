"""Reading a CI run's reports artifact in memory (mlspec/github/pr_runs.py): only the run `latest` names, only the
files compared, nothing extracted."""

from __future__ import annotations

import io
import zipfile

import pytest

from mlspec.errors import GitHubError
from mlspec.hosts.github.pr_runs import read_reports


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, content in entries.items():
            zipped.writestr(name, content)
    return buffer.getvalue()


def test_reads_the_files_of_the_run_latest_names() -> None:
    archive = _zip(
        {
            "latest": "run-b\n",
            "run-a/record.json": "{}",
            "run-a/predictions.csv": "old",
            "run-b/record.json": '{"run_id": "run-b"}',
            "run-b/predictions.csv": "new",
            "run-b/model.bentomodel": "not read",
            "../predictions.csv": "outside",
        }
    )
    assert read_reports(archive, "x") == {"record.json": b'{"run_id": "run-b"}', "predictions.csv": b"new"}


def test_without_latest_the_only_run_folder() -> None:
    assert read_reports(_zip({"r1/record.json": "{}"}), "x") == {"record.json": b"{}"}
    assert read_reports(_zip({"r1/record.json": "{}", "r2/record.json": "{}"}), "x") == {}
    assert read_reports(_zip({"latest": "../../etc\n", "r1/record.json": "{}"}), "x") == {"record.json": b"{}"}


def test_not_a_zip_is_an_error() -> None:
    with pytest.raises(GitHubError, match="the artifact .* is not a readable zip archive"):
        read_reports(b"PK not really", "the artifact a of workflow run 1")
