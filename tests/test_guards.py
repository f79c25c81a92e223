"""Small shared mechanisms of issue 13: one atomic-write error, one env-number parser, short values in
messages, options after positionals, safe run ids and model tags in records and deploy files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mlspec.cli import build_parser, parse_arguments
from mlspec.envvars import env_number
from mlspec.errors import UsageError, shown
from mlspec.fsio import WriteError, atomic_write_text, ensure_dir
from mlspec.safepath import PathEscapeError
from mlspec.state.deploy import parse_deployment
from mlspec.state.model_store import UnpicklableModelError, check_tag, pickle_model
from mlspec.state.record import CorruptRecordError, RunStore


def test_writing_onto_a_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    with pytest.raises(WriteError) as caught:
        atomic_write_text(tmp_path / "out", "x")
    assert (
        str(caught.value)
        == "cannot write out: it is a folder\n  hint: give a file path (for example inside that folder)"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_a_file_in_the_way_of_a_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f").write_text("keep")
    with pytest.raises(WriteError, match=r"^cannot create folder f/sub: f is a file\n"):
        ensure_dir(tmp_path / "f" / "sub")
    with pytest.raises(WriteError, match=r"^cannot create folder f/sub: f is a file\n"):
        atomic_write_text(tmp_path / "f" / "sub" / "x.txt", "x")
    assert (tmp_path / "f").read_text() == "keep"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("nan", "MLSPEC_GITHUB_RETRIES='nan' is not a whole number from 0 to 100"),
        ("inf", "MLSPEC_GITHUB_RETRIES='inf' is not a whole number from 0 to 100"),
        ("-1", "MLSPEC_GITHUB_RETRIES='-1' is not a whole number from 0 to 100"),
        ("2.5", "MLSPEC_GITHUB_RETRIES='2.5' is not a whole number from 0 to 100"),
        ("many", "MLSPEC_GITHUB_RETRIES='many' is not a whole number from 0 to 100"),
    ],
)
def test_env_numbers_are_checked(raw: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        env_number({"MLSPEC_GITHUB_RETRIES": raw}, "MLSPEC_GITHUB_RETRIES", 5, maximum=100, integer=True)
    assert caught.value.message == message
    assert (
        caught.value.hint
        == "set MLSPEC_GITHUB_RETRIES to a whole number from 0 to 100, or unset it for the default (5)"
    )


def test_env_numbers_default_and_parse() -> None:
    assert env_number({}, "X", 1.5) == 1.5
    assert env_number({"X": " "}, "X", 1.5) == 1.5
    assert env_number({"X": "3"}, "X", 1, integer=True) == 3
    with pytest.raises(UsageError, match=r"^X='-1' is not a number from 0 up\n"):
        env_number({"X": "-1"}, "X", 1.0)


def test_github_settings_refuse_a_negative_retry_base() -> None:
    from mlspec.hosts.github.client import GitHubSettings

    with pytest.raises(UsageError, match="MLSPEC_GITHUB_RETRY_BASE_SECONDS='-1' is not a number from 0 up"):
        GitHubSettings.from_env({"MLSPEC_GITHUB_RETRY_BASE_SECONDS": "-1"})


def test_long_values_are_cut_in_messages() -> None:
    assert shown("x" * 5000) == "'" + "x" * 99 + "... (5000 characters)"
    assert shown("short") == "'short'"


@pytest.mark.parametrize(
    "argv, spec, force",
    [
        (["test", "data", "--force", "spec.yaml"], "spec.yaml", True),
        (["test", "data", "spec.yaml", "--force"], "spec.yaml", True),
        (["train", "--force", "a/mlproject.yaml"], "a/mlproject.yaml", True),
        (["test", "model"], "mlproject.yaml", False),
    ],
)
def test_options_may_follow_the_positionals(argv: list[str], spec: str, force: bool) -> None:
    args = parse_arguments(build_parser(), argv)
    assert (args["spec"], args["force"]) == (spec, force)


def test_a_real_extra_argument_is_still_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse_arguments(build_parser(), ["test", "data", "--force", "spec.yaml", "extra"])
    assert caught.value.code == 2
    assert "mlspec test: error: unrecognized arguments: extra" in capsys.readouterr().err


@pytest.mark.parametrize("run_id", ["../../../../tmp/x", "..", "a/b"])
def test_a_run_id_is_one_plain_name(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(PathEscapeError, match="run_id: .* is not a plain name"):
        RunStore(tmp_path).run_dir(run_id)


def _record(tmp_path: Path, text: str) -> RunStore:
    store = RunStore(tmp_path)
    (store.runs / "r1").mkdir(parents=True)
    (store.runs / "r1" / "record.json").write_text(text)
    (store.runs / "latest").write_text("r1\n")
    return store


def test_a_record_with_an_escaping_run_id_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = _record(
        tmp_path,
        '{"run_id": "../../../../tmp/x", "project": "p", "spec_path": "s", "spec_digest": "d", "created": "now"}',
    )
    with pytest.raises(PathEscapeError) as caught:
        store.latest()
    assert caught.value.message == (
        ".mlspec/runs/r1/record.json: run_id: '../../../../tmp/x' is not a plain name (no '/', '\\', '.' or '..')"
    )


def test_a_record_with_an_invalid_tag_is_corrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = _record(
        tmp_path,
        '{"run_id": "r1", "project": "p", "spec_path": "s", "spec_digest": "d", "created": "now", '
        '"model": {"tag": "p:../../x"}}',
    )
    with pytest.raises(CorruptRecordError) as caught:
        store.latest()
    assert caught.value.message == (
        "run record .mlspec/runs/r1/record.json is corrupt: model.tag: 'p:../../x' is not "
        "a model tag `name:version` (letters, digits, '.', '_' and '-')"
    )


def test_a_deploy_file_with_an_invalid_tag_is_refused() -> None:
    with pytest.raises(Exception, match=r"model.tag: '\.\./x' is not a model tag"):
        parse_deployment("project: p\nenvironment: e\nmodel: {tag: '../x', version: x}\n", "deploy/e.yaml")


@pytest.mark.parametrize("tag", ["p:../../x", "p:", " ", "a:b:c", "p:v 1"])
def test_check_tag_refuses(tag: str) -> None:
    with pytest.raises(UsageError, match=r"--version: .* is not a model tag `name:version`"):
        check_tag(tag, key="--version", error=UsageError)


def test_an_unpicklable_model_says_what_to_change() -> None:
    import cloudpickle

    class Locked:
        def __init__(self) -> None:
            self.lock = threading.Lock()

    with pytest.raises(UnpicklableModelError) as caught:
        pickle_model(Locked(), cloudpickle.dumps)
    assert caught.value.message.startswith("the trained model (Locked) cannot be saved: pickling it failed: ")
    assert caught.value.hint and "drop locks" in caught.value.hint
